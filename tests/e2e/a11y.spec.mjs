// Accessibility kept: axe-core (WCAG 2.1 A and AA, and best practices) finds nothing on the
// first screen (the design bar, the links to the panels, the charts' empty-state texts) and with
// every panel open (the Architecture panel and the runs table included, with a run in it), at
// 1440x900, 1280x800 and the phone's 360x740. The reading is announced in a polite live
// region once it settles, and the keyboard reaches the inside view through the misread gallery.
import { test, expect } from '@playwright/test';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { configure, draw } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

// evaluated, not added as a script tag: the page's CSP allows no inline script
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function violations(page) {
  await page.evaluate(`${axeSource}\n;0`);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ')}`);
  });
}

const SIZES = [['desktop', { width: 1440, height: 900 }], ['laptop', { width: 1280, height: 800 }],
  ['phone', { width: 360, height: 740 }]];
for (const [name, viewport] of SIZES) {
  const size = `${viewport.width}x${viewport.height}`;
  test(`axe finds no violation, first screen and every panel open (${name} ${size})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/');
    await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
    await expect(page.getByTestId('design-params')).toHaveText('15,122');            // the design bar filled in
    await expect(page.getByTestId('loss-chart-empty')).toBeVisible();              // and the charts still empty
    expect(await violations(page)).toEqual([]);
    if (name === 'desktop') {                                       // a run in the runs table
      await page.evaluate(() => localStorage.removeItem('mnist-in-a-tab-runs'));
      await configure(page, { subset: 640, batch: 64, epochs: 1 });
      await page.getByTestId('train').click();
      await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
    }
    await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
    await expect(page.getByTestId('arch-params')).toHaveText('15,122');
    expect(await violations(page)).toEqual([]);
  });
}

test('the settled reading is announced politely; the keyboard reaches a misread digit\'s inside view',
  async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const announce = page.getByTestId('prediction-announce');
  await expect(announce).toHaveAttribute('aria-live', 'polite');
  await expect(announce).toHaveText('');
  await draw(page, DIGITS[3]);
  await expect(page.getByTestId('prediction')).toHaveAttribute('data-settled', 'yes');
  const read = await page.getByTestId('prediction').textContent();
  await expect(announce).toHaveText(new RegExp(`^The network reads ${read}, \\d+ % sure\\.$`));
  await page.getByTestId('clear').click();
  await expect(announce).toHaveText('The pad is empty.');
  await expect(page.locator('#keyboard-note')).toContainText('with the keyboard');

  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  await page.locator('#inside summary').focus();
  await page.keyboard.press('Enter');                           // opens the inside view
  const first = page.getByTestId('gallery').locator('figure button').first();
  await expect(first).toHaveAttribute('aria-label', /^Test image \d+: a \d read as \d\./);
  await first.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inside')).toHaveAttribute('data-source', 'gallery');
});

test('the links at the top take the keyboard to every panel: Enter opens it, the focus goes there',
  async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('design-params')).toHaveText('15,122', { timeout: 30_000 });
  await page.locator('body').focus();
  await page.keyboard.press('Tab');                                    // the first link of the page
  await expect(page.getByRole('link', { name: 'Design the network' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('architecture')).toHaveJSProperty('open', true);
  await expect(page.locator('#architecture > summary')).toBeFocused();
  await page.keyboard.press('Tab');                                    // on into the editor
  await expect(page.getByTestId('arch-named')).toBeFocused();
  await page.getByRole('link', { name: 'Teach it your handwriting' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#mine-panel')).toBeFocused();
  await page.keyboard.press('Tab');                                    // the panel's first control
  await expect(page.getByTestId('import-my-digits')).toBeFocused();
});
