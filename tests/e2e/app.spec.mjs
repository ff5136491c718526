// The training app: a short run on a subset makes the plotted loss fall and fills every
// readout, the worker trains while the page handles input and reads drawings, Pause/Resume/Stop work, the
// evaluation appears after an epoch, models save and load (identical predictions after a
// reload), a corrupt model is refused, a reload mid-training offers to resume, a diverging run
// is stopped with a plain message, and the layout holds at 360 px.
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkpointed, classifyBlob, configure, draw, waitForData, probabilities } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const step = async (page) => Number(await page.getByTestId('step').textContent());

test('a few hundred steps: the loss falls, readouts and evaluation update', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 2560, batch: 64, epochs: 8 });    // 40 steps an epoch, 320 in all
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText(/training|evaluating/);
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  expect(await step(page)).toBe(320);
  const loss = await page.evaluate(() => window.mnistApp.charts.raw);
  expect(loss.length).toBe(320);
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
  expect(mean(loss.slice(-40))).toBeLessThan(0.3 * mean(loss.slice(0, 20)));
  for (const id of ['images-per-second', 'lr', 'elapsed', 'loss']) await expect(page.getByTestId(id)).not.toHaveText('–');
  expect(Number(await page.getByTestId('images-per-second').textContent())).toBeGreaterThan(0);
  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+\.\d\d %$/);
  expect(parseFloat(await page.getByTestId('test-accuracy').textContent())).toBeGreaterThan(90);
  await expect(page.getByTestId('per-class').locator('tr')).toHaveCount(11);
  await expect(page.getByTestId('confusion').locator('tr')).toHaveCount(11);
  await expect.poll(() => page.getByTestId('gallery').locator('figure').count()).toBeGreaterThan(0);
  const epochs = await page.evaluate(() => window.mnistApp.charts.testAcc.length);
  expect(epochs).toBe(8);
  await page.screenshot({ path: 'test-results/screenshots/trained.png', fullPage: true });
  // the run report
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(report.epochs).toHaveLength(8);
  expect(report.hyperparameters.subset).toBe(2560);
  expect(report.final_test_acc ?? report.final_test_accuracy).toBeGreaterThan(90);
  expect(report.browser).toContain('Chrome');
});

// What keeps the page smooth, checked as what the page controls rather than as a frame time
// (frame gaps and input delay depend on what else the machine runs; bench/responsiveness.mjs
// measures them): the page's main thread never compiles or runs WebAssembly, every step
// reaches the chart exactly once through the slice messages, and while the worker trains a
// click is handled, a prediction is answered and the draw pad reads with the weights being trained.
test('the worker does the training; the page handles input and reads drawings while it trains', async ({ page }) => {
  await page.addInitScript(() => {
    window.__pageWasmCalls = 0;
    for (const name of ['compile', 'compileStreaming', 'instantiate', 'instantiateStreaming']) {
      const original = WebAssembly[name];
      if (original) WebAssembly[name] = function counted(...args) { window.__pageWasmCalls++; return original.apply(this, args); };
    }
  });
  await page.goto('/');
  await configure(page, { subset: 0, batch: 128, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('training');
  await expect.poll(() => step(page)).toBeGreaterThan(2);
  // a control responds mid-training: the log-scale switch rebuilds the charts
  await page.getByTestId('log-scale').check();
  expect(await page.evaluate(() => window.mnistApp.charts.logScale)).toBe(true);
  await page.getByTestId('log-scale').uncheck();
  // the worker answers a prediction between training slices
  const probs = await page.evaluate(classifyBlob);
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  // the draw pad reads with the weights being trained, mid-training
  await draw(page, DIGITS[1]);
  await expect(page.getByTestId('prediction')).not.toHaveText('–');
  await expect(page.getByTestId('model-source')).toHaveText('Using the weights being trained.');
  expect(['training', 'evaluating']).toContain(await page.getByTestId('status').textContent());
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveText('paused');
  // every step reached the chart once, in order, through the slice messages
  const steps = await page.evaluate(() => window.mnistApp.charts.steps);
  expect(steps.length).toBe(await step(page));
  expect(steps.every((s, i) => s === i + 1)).toBe(true);
  expect(await page.evaluate(() => window.__pageWasmCalls)).toBe(0);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
});

test('pause stops the step counter, resume continues it, stop ends the run', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 60000, batch: 32, epochs: 1 });
  await page.getByTestId('train').click();
  await expect.poll(() => step(page)).toBeGreaterThan(3);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveText('paused');
  const paused = await step(page);
  await page.waitForTimeout(1000);
  expect(await step(page)).toBe(paused);
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('status')).toHaveText('training');
  await expect.poll(() => step(page)).toBeGreaterThan(paused + 3);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
  const stopped = await step(page);
  await page.waitForTimeout(500);
  expect(await step(page)).toBe(stopped);
  await expect(page.getByTestId('train')).toBeEnabled();
});

test('save, reload, load: identical predictions; a corrupt file is refused', async ({ page }, info) => {
  await page.goto('/');
  await configure(page, { subset: 2560, batch: 64, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  const before = await page.evaluate(classifyBlob);
  expect(before.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-model').click()]);
  const saved = info.outputPath('model.bin');
  await download.saveAs(saved);

  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const pretrainedProbs = await page.evaluate(classifyBlob);
  expect(pretrainedProbs).not.toEqual(before);
  await page.getByTestId('load-model').setInputFiles(saved);
  await expect(page.getByTestId('model-status')).toContainText('Loaded model.bin');
  expect(await page.evaluate(classifyBlob)).toEqual(before);

  const corrupt = readFileSync(saved);
  corrupt[corrupt.length >> 1] ^= 0xff;
  const bad = info.outputPath('corrupt.bin');
  writeFileSync(bad, corrupt);
  await page.getByTestId('load-model').setInputFiles(bad);
  await expect(page.getByTestId('error')).toContainText('corrupt.bin was not loaded');
  await expect(page.getByTestId('error')).toContainText('CRC32');
  expect(await page.evaluate(classifyBlob)).toEqual(before);     // the model in memory is unchanged
  const notModel = info.outputPath('notes.txt');
  writeFileSync(notModel, 'hello');
  await page.getByTestId('load-model').setInputFiles(notModel);
  await expect(page.getByTestId('error')).toContainText('not a model file');
  await page.getByTestId('load-pretrained').click();
  await expect(page.getByTestId('model-status')).toContainText('pretrained');
});

test('a reload during training offers to resume, and resuming continues the run', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 1280, batch: 64, epochs: 20 });   // 20 steps an epoch
  await page.getByTestId('train').click();
  await checkpointed(page, 20);                                   // one epoch done and in IndexedDB
  await page.reload();
  await waitForData(page);
  await expect(page.getByTestId('banner-text')).toContainText('interrupted at step', { timeout: 10_000 });
  const text = await page.getByTestId('banner-text').textContent();
  const savedStep = Number(text.match(/step (\d+)/)[1]);
  expect(savedStep).toBeGreaterThanOrEqual(20);
  await page.screenshot({ path: 'test-results/screenshots/resume-offer.png' });
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('status')).toHaveText(/training|evaluating/);
  await expect.poll(() => step(page)).toBeGreaterThan(savedStep);
  await expect.poll(() => page.evaluate(() => window.mnistApp.charts.testAcc.length)).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('banner-text')).toBeHidden();
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
});

// The resume offer stays in view while a new run trains. Pausing that run (during its
// end-of-epoch evaluation when the timing allows) and then pressing Resume on the offer must not
// start the old run over the paused one: the old evaluation scored the new weights and wrote
// its epoch into the new run's history. The offer is refused with the reason instead; the
// paused run goes on when Resume is pressed, its own epochs only.
test('Resume on the offer while another run is paused is refused with the reason, and the '
  + 'paused run goes on', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 1280, batch: 64, epochs: 20 });
  await page.getByTestId('train').click();
  await checkpointed(page, 20);
  await page.reload();
  await configure(page, { subset: 640, batch: 64, epochs: 20 });   // 10 steps an epoch: evaluations come often
  await expect(page.getByTestId('banner-text')).toContainText('interrupted at step', { timeout: 10_000 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('evaluating', { timeout: 60_000 });
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveText('paused');
  const paused = await step(page);
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('error')).toContainText('stop it first');
  await expect(page.getByTestId('status')).toHaveText('paused');
  expect(await step(page)).toBe(paused);
  await page.getByTestId('resume').click();
  await expect.poll(() => step(page)).toBeGreaterThan(paused + 10);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
  // every epoch charted is one of this run's: 1, 2, 3 ... in order, none twice
  const epochs = await page.evaluate(() => window.mnistApp.charts.epochs.slice());
  expect(epochs.length).toBeGreaterThanOrEqual(1);
  expect(epochs).toEqual(epochs.map((_, i) => i + 1));
});

test('an absurd learning rate is stopped with a plain message and the weights restored', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 6400, batch: 64, epochs: 3, lr: 100 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('error')).toContainText('learning rate', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toContainText('too high');
  await expect(page.getByTestId('status')).toHaveText('idle');
  // restored weights are usable ones: a fixed drawing gets a proper distribution (NaN weights
  // would give NaN, and an empty pad all zeros), and the pad reads a digit
  const probs = await page.evaluate(classifyBlob);
  expect(probs.every(Number.isFinite)).toBe(true);
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  await draw(page, DIGITS[1]);
  await expect(page.getByTestId('prediction')).toHaveText(/^\d$/);
  const p = await probabilities(page);
  expect(p.every(Number.isFinite)).toBe(true);
  expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
});

// The form is built from the core's contract (generated from src/runtime/contract.h): its defaults and
// ranges are the core's, a value out of range is refused with the range, and a 64-bit seed
// reaches the run whole.
test('the training form takes its defaults and ranges from the core, and a 64-bit seed', async ({ page }) => {
  await page.goto('/');
  await waitForData(page);
  // the form shows the default recipe (the core's first preset); another preset fills it in
  const [fast, reference] = await page.evaluate(() => window.mnistApp.presets);     // the core's, as the page has them
  await expect(page.getByTestId('preset')).toHaveValue(fast.name);
  await expect(page.getByTestId('epochs')).toHaveValue(String(fast.config.epochs));
  await expect(page.getByTestId('batch-size')).toHaveValue(String(fast.config.batch));
  await expect(page.getByTestId('batch-size')).toHaveAttribute('max', '256');
  await expect(page.getByTestId('learning-rate')).toHaveValue(String(fast.config.lr));
  await page.getByTestId('preset').selectOption(reference.name);
  await expect(page.getByTestId('epochs')).toHaveValue(String(reference.config.epochs));
  await expect(page.getByTestId('learning-rate')).toHaveValue(String(reference.config.lr));
  await expect(page.getByTestId('augment')).toBeChecked();
  await expect(page.getByTestId('seed')).toHaveValue('1');
  await page.getByTestId('batch-size').fill('300');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('error')).toHaveText('Batch size must be a whole number from 1 to 256 images.');
  await expect(page.getByTestId('status')).toHaveText('idle');
  await page.getByTestId('seed').fill('18446744073709551616');
  await page.getByTestId('batch-size').fill('64');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('error')).toContainText('18446744073709551615');
  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('seed').fill('18446744073709551615');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
  expect(report.hyperparameters.seed).toBe('18446744073709551615');
  expect(report.hyperparameters.preset).toBe(reference.name);
  expect(report.hyperparameters.labelSmoothing).toBe(reference.config.labelSmoothing);
});

test('usable at 360 px wide, every control labelled', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto('/');
  await waitForData(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(overflow).toBeLessThanOrEqual(360);
  for (const id of ['train', 'pause', 'resume', 'stop', 'reset', 'epochs', 'batch-size', 'learning-rate', 'threads', 'optimizer',
    'seed', 'subset', 'augment', 'clear', 'undo', 'save-model', 'load-model', 'load-pretrained', 'draw-canvas', 'log-scale', 'download-report']) {
    await expect(page.getByTestId(id), id).toHaveAccessibleName(/\S/);
  }
  await page.screenshot({ path: 'test-results/screenshots/narrow.png', fullPage: true });
  // every control is reachable with the keyboard
  await page.setViewportSize({ width: 1280, height: 900 });
  const reached = new Set();
  await page.locator('body').focus();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.dataset?.testid || document.activeElement?.id || '');
    if (id) reached.add(id);
  }
  for (const id of ['train', 'epochs', 'batch-size', 'learning-rate', 'optimizer', 'augment', 'seed', 'threads', 'subset',
    'clear', 'undo', 'save-model', 'load-model', 'load-pretrained', 'log-scale', 'reset']) expect([...reached], id).toContain(id);
});
