// Inside the network: with the panel open, a drawing shows every conv layer's channels (after
// BatchNorm and ReLU), the first layer's filters and the saliency over the input, computed by
// the C core (checked against PyTorch in tests/torch/inspect_check.py) and painted here; closed,
// nothing is computed; it follows the weights being trained; a misread gallery digit clicked
// gets the same view.
import { test, expect } from '@playwright/test';
import { configure, draw } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const updates = async (page) => Number(await page.getByTestId('inside').getAttribute('data-updates'));
const CHANNELS = [8, 16, 32, 8, 16, 32, 16, 16];

test('the inside view of a drawing: every layer, the filters, the saliency; nothing while closed', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  await draw(page, DIGITS[3]);
  await expect(page.getByTestId('prediction')).toHaveText('3');
  expect(await updates(page), 'closed: nothing computed').toBe(0);
  await page.locator('#inside summary').click();
  await expect.poll(() => updates(page)).toBeGreaterThan(0);
  for (const [i, k] of CHANNELS.entries()) await expect(page.getByTestId(`inside-layer-${i + 1}`).locator('canvas')).toHaveCount(k);
  await expect(page.getByTestId('inside-filters').locator('canvas')).toHaveCount(8);
  await expect(page.getByTestId('saliency')).toHaveAttribute('data-digit', '3');
  const red = await page.getByTestId('saliency').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 1] > 60) n++;
    return n;
  });
  expect(red, 'pixels the saliency marks').toBeGreaterThan(10);
  // live while drawing: another stroke, another view
  const before = await updates(page);
  await draw(page, [[[0.2, 0.9], [0.8, 0.9]]]);
  await expect.poll(() => updates(page)).toBeGreaterThan(before);
  await page.screenshot({ path: 'test-results/screenshots/inside.png', fullPage: true });
  // closed again: drawing computes nothing more
  await page.locator('#inside summary').click();
  const closed = await updates(page);
  await page.getByTestId('clear').click();
  await draw(page, DIGITS[1]);
  expect(await updates(page)).toBe(closed);
});

test('mid-training with the weights being trained, and for a misread digit of the gallery', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  await page.locator('#inside summary').click();
  await draw(page, DIGITS[7]);
  await expect.poll(() => updates(page)).toBeGreaterThan(0);
  await expect(page.getByTestId('model-source')).toHaveText('Using the weights being trained.');
  const first = page.getByTestId('gallery').locator('figure').first();
  const caption = await first.locator('figcaption').textContent();
  const read = caption.match(/read (\d)/)[1];
  const n = await updates(page);
  await first.click();
  await expect.poll(() => updates(page)).toBeGreaterThan(n);
  await expect(page.getByTestId('inside')).toHaveAttribute('data-source', 'gallery');
  await expect(page.getByTestId('saliency')).toHaveAttribute('data-digit', read);
});
