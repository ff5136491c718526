// The draw pad: strokes drawn with the mouse give a prediction, all ten probabilities and the
// 28x28 image the network sees; the pretrained model reads each of ten hand-made digits right;
// Clear and Undo work.
import { test, expect } from '@playwright/test';
import { draw, probabilities } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
});

test('a stroke gives a prediction, ten probabilities and the 28x28 preview', async ({ page }) => {
  await draw(page, DIGITS[7]);
  await expect(page.getByTestId('prediction')).toHaveText('7');
  const p = await probabilities(page);
  expect(p).toHaveLength(10);
  expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  // the preview holds ink, centred: compare its centre of mass with the middle
  const com = await page.getByTestId('model-input').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
    let m = 0, x = 0, y = 0;
    for (let i = 0; i < 784; i++) { const v = 255 - d[4 * i]; m += v; x += v * ((i % 28) + 0.5); y += v * (Math.floor(i / 28) + 0.5); }
    return { m, x: x / m, y: y / m };
  });
  expect(com.m).toBeGreaterThan(1000);
  expect(Math.abs(com.x - 14)).toBeLessThan(1.5);
  expect(Math.abs(com.y - 14)).toBeLessThan(1.5);
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('prediction')).toHaveText('–');
  await draw(page, DIGITS[1]);
  await expect(page.getByTestId('prediction')).toHaveText('1');
  await page.getByTestId('clear').click();
  await expect(page.getByTestId('prediction')).toHaveText('–');
});

test('the pretrained model reads each of ten hand-drawn digits', async ({ page }) => {
  const read = {};
  for (const [digit, strokes] of Object.entries(DIGITS)) {
    await page.getByTestId('clear').click();
    await expect(page.getByTestId('prediction')).toHaveText('–');
    await draw(page, strokes);
    await expect(page.getByTestId('prediction')).not.toHaveText('–');   // draw() waited for the last frame's reading
    read[digit] = await page.getByTestId('prediction').textContent();
    if (digit === '8') await page.screenshot({ path: 'test-results/screenshots/draw-8.png', fullPage: true });
  }
  expect(read).toEqual(Object.fromEntries(Object.keys(DIGITS).map((d) => [d, d])));
});
