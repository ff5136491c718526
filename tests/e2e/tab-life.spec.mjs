// A tab's real life beyond the happy path: frozen mid-training and woken, storage full or
// denied, and two tabs of the app at once (each reload offers its own run, both tabs' digits
// kept, each tab told when the other trains).
import { test, expect } from '@playwright/test';
import { checkpointed, configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const step = async (page) => Number(await page.getByTestId('step').textContent());

// Browsers freeze background tabs (Page.setWebLifecycleState). The worker trains on meanwhile;
// woken, the page catches up with nothing lost: the chart's steps run on without a gap.
test('a tab frozen mid-training and woken goes on with nothing lost', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 2560, batch: 64, epochs: 20 });
  await page.getByTestId('train').click();
  await expect.poll(() => step(page)).toBeGreaterThan(5);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await new Promise((r) => setTimeout(r, 3000));
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  const before = await step(page);
  await expect.poll(() => step(page)).toBeGreaterThan(before);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveText('paused');
  const steps = await page.evaluate(() => window.mnistApp.charts.steps.slice());
  expect(steps[0]).toBe(1);
  expect(steps.every((s, i) => s === i + 1), 'every step charted once, in order').toBe(true);
  expect(steps.at(-1)).toBe(await step(page));
});

// The origin's storage forced to 20 kB: a checkpoint (~185 kB) cannot be kept. Training and
// reading go on; the page says plainly that the run cannot be kept and what that means, and the
// checkpoint readout claims nothing.
test('storage full: training goes on, and the page says the run cannot be kept', async ({ page, baseURL }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL).origin, quotaSize: 20_000 });
  await page.goto('/');
  await configure(page, { subset: 640, batch: 64, epochs: 2 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toContainText('No checkpoint of this run can be kept: the storage this '
    + 'browser gives the app is full');
  await expect(page.getByTestId('error')).toContainText('Save model keeps it');
  await expect(page.getByTestId('checkpoint-step')).toHaveText('not kept');
  // reading goes on (draw waits for the settled reading); which digit twenty steps on 640
  // images read is up to the run, not to this test
  await draw(page, DIGITS[7]);
  await expect(page.getByTestId('prediction')).toHaveText(/^[0-9]$/);
});

// IndexedDB refused outright (as private windows and blocked site data do): drawing, training
// and teaching work; my digits are kept for the visit, and the page says so.
test('storage denied: my digits are kept for this visit, and the page says what that means', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { get() { throw new DOMException('site data is blocked', 'SecurityError'); } });
  });
  await page.goto('/');
  await waitForData(page);
  await draw(page, DIGITS[3]);
  await expect(page.getByTestId('prediction')).toHaveText('3');
  await page.getByTestId('teach-3').click();
  await expect(page.getByTestId('my-digits-count')).toHaveText('1');
  await expect(page.getByTestId('error')).toContainText('kept for this visit only: this browser does not let the app '
    + 'store data here');
  await expect(page.getByTestId('finetune')).toBeEnabled();
  await page.getByTestId('my-digits-gallery').locator('figure button').first().click();
  await expect(page.getByTestId('my-digits-count')).toHaveText('0');
});

test('two tabs: each reload offers its own run and lists the other, both tabs\' digits are kept, each hears '
  + 'the other train', async ({ context }) => {
  const a = await context.newPage(), b = await context.newPage();
  await a.goto('/');
  await b.goto('/');
  await configure(a, { subset: 1280, batch: 64, epochs: 20 });
  await configure(b, { subset: 1280, batch: 64, epochs: 20 });
  await a.getByTestId('train').click();
  await expect(b.getByTestId('other-tab')).toBeVisible({ timeout: 10_000 });
  await b.getByTestId('train').click();
  await checkpointed(a, 20);
  await checkpointed(b, 20);
  const runA = await a.evaluate(() => sessionStorage.getItem('mnist-in-a-tab-run'));
  const runB = await b.evaluate(() => sessionStorage.getItem('mnist-in-a-tab-run'));
  expect(runA).not.toBe(runB);
  for (const [page, mine] of [[a, runA], [b, runB]]) {
    await page.reload();
    await waitForData(page);
    await expect(page.getByTestId('banner-text')).toHaveAttribute('data-run', mine);
    await expect(page.getByTestId('banner-runs').locator('option')).toHaveCount(2);
  }
  await draw(a, DIGITS[3]);
  await expect(a.getByTestId('prediction')).not.toHaveText('–');
  await draw(b, DIGITS[7]);
  await expect(b.getByTestId('prediction')).not.toHaveText('–');
  await Promise.all([a.getByTestId('teach-3').click(), b.getByTestId('teach-7').click()]);
  await expect(a.getByTestId('my-digits-count')).toHaveText('1');
  await expect(b.getByTestId('my-digits-count')).toHaveText('1');
  for (const page of [a, b]) {
    await page.reload();
    await expect(page.getByTestId('my-digits-count')).toHaveText('2', { timeout: 30_000 });
  }
});
