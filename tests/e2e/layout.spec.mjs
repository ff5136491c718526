// The page a newcomer sees, on a laptop and on phones. The first screen is the exercise: at
// 1440x900 the design bar (the network in use as text, its parameters against the 20,000 budget
// as the core counts them, its multiply-adds, Edit), the draw pad with its reading, Train with
// its live loss and accuracy (readouts and charts); at 360x740 the design bar and the whole draw
// pad with its reading, then Train and the charts in that order. Every other panel is one link
// away (a folded one opens, and the focus goes there); a chart with no data yet says what it will
// show. Also: nothing scrolls sideways at 320 px; every control is a touch target of at least
// 44 px (a checkbox or radio through its label); one line under each panel's title says what to
// do; the browser details are folded into one line; the charts' axes are titled and their latest
// values show without hovering; a phone loads MNIST only when asked. Screenshots land in
// test-results/screenshots/ (first-screen-*.png are the README's, docs/images/).
import { test, expect } from '@playwright/test';
import { configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';
import { readFileSync } from 'node:fs';

// the reference net as the core's contract names it (web/generated/contract.js, written by the native build)
const REFERENCE = readFileSync('web/generated/contract.js', 'utf8')
  .match(/name: 'reference', title: '([^']+)', spec: '([^']+)'/);

const inView = async (page, id, vh) => {
  const b = await page.getByTestId(id).boundingBox();
  expect(b, id).not.toBeNull();
  expect(b.y, `${id} top`).toBeGreaterThanOrEqual(0);
  expect(b.y + b.height, `${id} bottom (viewport ${vh})`).toBeLessThanOrEqual(vh);
};
const top = async (page, id) => (await page.getByTestId(id).boundingBox()).y;

// the first screen on a laptop: the design and its counts, the draw pad and its reading, Train
// with its live loss and accuracy
const FIRST_SCREEN = ['design-spec', 'design-params', 'design-budget', 'design-macs', 'design-edit',
  'draw-canvas', 'prediction', 'train', 'status', 'loss', 'test-accuracy', 'loss-chart', 'epoch-chart'];
const PHONE_FIRST_SCREEN = ['design-spec', 'design-params', 'design-budget', 'design-macs', 'design-edit',
  'draw-canvas', 'prediction'];
const phoneContext = (browser) => browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true,
  hasTouch: true, serviceWorkers: 'block' });

async function designBarShowsTheReferenceNet(page) {
  await expect(page.getByTestId('design-spec')).toHaveText(REFERENCE[2]);
  await expect(page.getByTestId('design-name')).toHaveText(REFERENCE[1]);
  await expect(page.getByTestId('design-params')).toHaveText('15,122');              // the core's counts (DESCRIBE)
  await expect(page.getByTestId('design-budget')).toHaveText('20,000');
  await expect(page.getByTestId('design-macs')).toHaveText('3,375,424');
  await expect(page.getByTestId('design-over')).toBeHidden();
}

test('laptop 1440x900: the first screen is the exercise; a line per panel; details folded; empty charts say so',
  async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await waitForData(page);
  await designBarShowsTheReferenceNet(page);
  for (const id of FIRST_SCREEN) await inView(page, id, 900);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  // no chart sits empty without saying what it will show: the text stands in the chart's own area
  for (const chart of ['loss-chart', 'epoch-chart']) {
    const empty = page.getByTestId(`${chart}-empty`);
    await expect(empty).toBeVisible();
    await expect(empty).not.toHaveText('');
    await inView(page, `${chart}-empty`, 900);
    const [area, text] = [await page.getByTestId(chart).boundingBox(), await empty.boundingBox()];
    const inside = text.y >= area.y && text.y + text.height <= area.y + area.height;
    expect(inside, `${chart}: the text over its own area`).toBe(true);
  }
  await expect(page.getByTestId('lr-chart-empty')).toBeVisible();
  await expect(page.getByTestId('eval-empty')).toBeVisible();
  for (const panel of await page.locator('main > section.panel:not(.caps-panel)').all())
    await expect(panel.locator('.hint'), 'each panel says what to do in one line').toHaveCount(1);
  await expect(page.getByTestId('caps-summary')).toContainText('This browser: 2 threads');
  await expect(page.getByTestId('isolated')).toBeHidden();          // folded until asked for
  await page.screenshot({ path: 'test-results/screenshots/layout-1440x900.png' });
});

test('laptop 1280x800: the design bar, the draw pad, Train and the live loss on the first screen', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await waitForData(page);
  await designBarShowsTheReferenceNet(page);
  for (const id of ['design-spec', 'design-params', 'design-macs', 'design-edit', 'draw-canvas', 'prediction', 'train',
    'loss-chart']) await inView(page, id, 800);
  await page.screenshot({ path: 'test-results/screenshots/layout-1280x800.png' });
});

// every panel below the first screen is one action away: its link at the top (or, for the
// editor, the design bar's Edit) opens it if folded, brings it into view and moves the focus there
for (const [name, viewport] of [['laptop', { width: 1440, height: 900 }], ['phone', { width: 360, height: 740 }]]) {
  test(`every other panel one link away (${name})`, async ({ browser }) => {
    const phone = name === 'phone';
    const context = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone, serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('design-params')).toHaveText('15,122', { timeout: 30_000 });
    await inView(page, 'rooms', viewport.height);
    const links = page.getByTestId('rooms').locator('a');
    const targets = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(1)));
    expect(targets, 'the editor, the runs, models, evaluation, the inside view, teaching, this browser').toEqual(
      ['architecture', 'runs', 'models-panel', 'eval-panel', 'inside', 'mine-panel', 'caps-panel']);
    const arrive = async (target) => {
      const where = page.locator(`#${target}`);
      const shown = () => where.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top < innerHeight && r.bottom > 0;
      });
      await expect.poll(shown, `${target} in view`).toBe(true);
      expect(await where.evaluate((el) => el.tagName !== 'DETAILS' || el.open), `${target} open`).toBe(true);
      expect(await where.evaluate((el) => el.contains(document.activeElement)), `the focus in ${target}`).toBe(true);
    };
    for (let i = 0; i < targets.length; i++) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await (phone ? links.nth(i).tap() : links.nth(i).click());
      await arrive(targets[i]);
    }
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) d.open = false;
      window.scrollTo(0, 0);
    });
    await (phone ? page.getByTestId('design-edit').tap() : page.getByTestId('design-edit').click());
    await arrive('architecture');
    await expect(page.getByTestId('arch-params')).toHaveText('15,122');
    await context.close();
  });
}

test('phone 360x740: the design bar, the whole pad and its reading, then Train and the charts; 44 px; MNIST on tap',
  async ({ browser }) => {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  await designBarShowsTheReferenceNet(page);
  for (const id of PHONE_FIRST_SCREEN) await inView(page, id, 740);
  // the rest of the exercise follows in that order: Train, its readouts, the live loss, the accuracy
  const order = ['design-spec', 'draw-canvas', 'prediction', 'train', 'loss', 'test-accuracy', 'loss-chart',
    'epoch-chart'];
  const tops = [];
  for (const id of order) tops.push(await top(page, id));
  expect(tops, order.join(' < ')).toEqual([...tops].sort((a, b) => a - b));
  await page.screenshot({ path: 'test-results/screenshots/layout-360x740.png' });
  // MNIST waits for a tap; the draw pad works without it
  await expect(page.getByTestId('load-data')).toBeVisible();
  await expect(page.getByTestId('train-count')).toHaveText('–');
  const tooSmall = () => page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, select, input, summary, label.button, a')) {
      if (el.offsetParent === null && el.type !== 'file') continue;                      // hidden
      const target = el.type === 'checkbox' || el.type === 'radio' ? el.closest('label') : el.type === 'file' ? document.querySelector(`label[for="${el.id}"]`) : el;
      if (!target || target.offsetParent === null) { if (!target) out.push(`${el.dataset.testid || el.id}: no label to touch`); continue; }
      const r = target.getBoundingClientRect();
      if (r.height < 44 || r.width < 44) out.push(`${el.dataset.testid || el.id || el.textContent.trim()}: ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
    }
    return out;
  });
  expect(await tooSmall(), 'touch targets under 44 px').toEqual([]);
  // the exercise's panels open: the layer editor and the runs table are touch-sized too
  await page.getByTestId('architecture').locator('summary').tap();
  await page.getByTestId('runs').locator('summary').tap();
  await expect(page.getByTestId('arch-params')).toHaveText('15,122');
  expect(await tooSmall(), 'touch targets under 44 px, the design editor open').toEqual([]);
  await page.getByTestId('architecture').screenshot({ path: 'test-results/screenshots/architecture-360.png' });
  for (const id of ['architecture', 'runs']) await page.getByTestId(id).locator('summary').tap();
  await page.getByTestId('load-data').tap();
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
  await context.close();
});

test('320x640: no horizontal scroll', async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  await page.goto('/');
  await waitForData(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await page.screenshot({ path: 'test-results/screenshots/layout-320x640.png', fullPage: true });
});

const EMPTY_STATES = ['loss-chart-empty', 'epoch-chart-empty', 'lr-chart-empty', 'eval-empty'];

test('charts: titled axes, accuracy zoomed, latest values shown without hovering, empty-state texts until '
  + 'data; texts agree',
  async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  for (const id of EMPTY_STATES) await expect(page.getByTestId(id), id).toBeVisible();
  await configure(page, { subset: 1280, batch: 64, epochs: 2 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('model-status')).toContainText('Training from new random weights');
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  for (const id of EMPTY_STATES) await expect(page.getByTestId(id), `${id} once the data is there`).toBeHidden();
  await expect(page.getByTestId('model-status')).toContainText('trained here is in use');
  await expect(page.getByTestId('model-source')).not.toContainText('pretrained');
  // uPlot draws axes on its canvas: their titles and ranges are read from the chart objects
  const axes = await page.evaluate(() => { const c = window.mnistApp.charts; return [...c.loss.axes, ...c.epoch.axes].map((a) => a.label); });
  for (const title of ['step', 'loss', 'epoch', 'test loss', 'accuracy %']) expect(axes, title).toContain(title);
  const legend = await page.locator('#epoch-chart .u-legend .u-value').allTextContents();
  expect(legend.join(' '), 'the last epoch in the legend, no hover').toMatch(/2 .*\d+\.\d\d %/);
  const { lowest, data } = await page.evaluate(() => ({ lowest: window.mnistApp.charts.epoch.scales.acc.min, data: window.mnistApp.charts.testAcc }));
  expect(lowest, `the accuracy axis starts at the data (${data}), not at 0`).toBeGreaterThanOrEqual(Math.min(95, Math.floor(Math.min(...data) - 0.5)));
  expect(lowest).toBeGreaterThan(0);
  await page.getByTestId('reset').click();                                 // the run's data gone: the texts come back
  for (const id of EMPTY_STATES) await expect(page.getByTestId(id), `${id} after Reset`).toBeVisible();
});

// the README's screenshots (docs/images/first-screen-*.png): the first screen after a short run
// with a digit read, on a laptop, and on a phone with a digit read by the pretrained model
test("the README's screenshots: the first screen at 1440x900 after a short run, and at 360x740",
  async ({ page, browser }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await configure(page, { subset: 6400, batch: 64, epochs: 3 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('test-accuracy')).toHaveAttribute('data-epoch', '3');
  await draw(page, DIGITS[3]);
  for (const id of FIRST_SCREEN) await inView(page, id, 900);
  for (const id of ['loss-chart-empty', 'epoch-chart-empty']) await expect(page.getByTestId(id)).toBeHidden();
  await page.screenshot({ path: 'test-results/screenshots/first-screen-1440x900.png' });

  const context = await phoneContext(browser);
  const phone = await context.newPage();
  await phone.goto('/');
  await expect(phone.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  await expect(phone.getByTestId('design-params')).toHaveText('15,122');
  await draw(phone, DIGITS[3]);
  await expect(phone.getByTestId('prediction')).toHaveText('3');
  await phone.evaluate(() => window.scrollTo(0, 0));
  for (const id of PHONE_FIRST_SCREEN) await inView(phone, id, 740);
  await phone.screenshot({ path: 'test-results/screenshots/first-screen-360x740.png' });
  await context.close();
});

test('Train can fine-tune the current model instead of starting from scratch', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  await configure(page, { subset: 640, batch: 64, epochs: 1, lr: 0.001 });
  await page.getByTestId('start-current').check();
  await page.getByTestId('train').click();
  await expect(page.getByTestId('model-status')).toContainText('Fine-tuning the current model');
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  // ten steps from scratch reach nowhere near this: the pretrained weights were kept
  expect(parseFloat(await page.getByTestId('test-accuracy').textContent())).toBeGreaterThan(98);
});

// the browser's offer (beforeinstallprompt: Chromium, when the app is installable and the
// profile not off the record) is stood in for by a dispatched event with a prompt()
test('Install the app shows only when the browser offers it, and asks the browser', async ({ page }) => {
  await page.goto('/');
  const install = page.getByTestId('install');
  await expect(install).toBeHidden();
  await page.evaluate(() => {
    const offer = new Event('beforeinstallprompt', { cancelable: true });
    offer.prompt = () => { window.promptedToInstall = true; return Promise.resolve({ outcome: 'accepted' }); };
    window.dispatchEvent(offer);
    window.offerPrevented = offer.defaultPrevented;
  });
  await expect(install).toBeVisible();
  expect(await page.evaluate(() => window.offerPrevented), 'no mini-infobar: the button is the offer').toBe(true);
  await install.click();
  expect(await page.evaluate(() => window.promptedToInstall)).toBe(true);
  await expect(install).toBeHidden();
});
