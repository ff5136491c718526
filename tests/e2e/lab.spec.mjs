// The exercise in the tab: design a network in the Architecture panel (reached from the design
// bar's Edit on the first screen) with the mouse and the keyboard (no test hooks for the
// editing), with the core's counts and refusals; the design bar follows the network in use and
// the budget; train designs and compare the runs (kept over a reload, overlaid, exported);
// share a design by link; groups on a convolution.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configure, classifyBlob, draw, checkpointed, waitForData } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const describe = (spec) => JSON.parse(execFileSync(path.resolve('build/native/mnist-train'), ['--arch', spec, '--describe'], { encoding: 'utf8' }));
const digits = async (locator) => Number((await locator.textContent()).replace(/\D/g, ''));

// the way a visitor opens the editor: Edit on the design bar of the first screen
async function openEditor(page) {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  await expect(page.getByTestId('architecture')).toHaveJSProperty('open', false);
  await page.getByTestId('design-edit').click();
  await expect(page.getByTestId('architecture')).toHaveJSProperty('open', true);
  await expect(page.getByTestId('arch-params')).toHaveText('15,122');
}

// the design bar: the network in use, as the core counts it
async function designBarShows(page, name) {
  const core = describe(name);
  await expect(page.getByTestId('design-spec')).toHaveText(core.arch);
  await expect(page.getByTestId('design-name')).toContainText(name === 'reference' ? 'the reference net' : name);
  await expect.poll(() => digits(page.getByTestId('design-params'))).toBe(core.params);
  await expect.poll(() => digits(page.getByTestId('design-macs'))).toBe(core.macs);
}

test('the focused control keeps the focus when the core\'s counts arrive and the rows '
  + 'are made anew', async ({ page }) => {
  await openEditor(page);
  const kernel = page.getByLabel('Layer 2 kernel');
  await kernel.focus();
  // 3x3 -> 5x5: the core describes it again
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('arch-macs')).not.toHaveText('3,375,424');
  await expect(page.getByLabel('Layer 2 kernel')).toBeFocused();
  // the keyboard goes on where it was
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Layer 2 kernel')).toHaveValue('7');
});

test('a design built with the mouse and the keyboard, counted as the core counts it; an impossible one refused '
  + 'with the reason', async ({ page }) => {
  await openEditor(page);
  await expect(page.getByTestId('arch-macs')).toHaveText('3,375,424');
  await page.getByRole('button', { name: 'Remove layer 9', exact: true }).click();         // mouse
  await page.getByRole('button', { name: 'Move layer 5 up', exact: true }).focus();        // keyboard
  await page.keyboard.press('Enter');
  await page.getByLabel('Layer 2 kernel').focus();
  await page.keyboard.press('ArrowDown');                                                   // 3x3 -> 5x5
  await page.getByLabel('Layer 1 same padding').focus();
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Add a layer after layer 1', exact: true }).click();
  await page.getByLabel('Layer 2 dropout (empty: the recipe\'s)').focus();
  await page.keyboard.type('0.05');
  await page.keyboard.press('Tab');
  const spec = 'c8k3:same c16k3:d0.05 c16k5 c32k3 c8k1 m2 c16k3 c32k3 c16k1 gap fc10';
  await expect(page.getByTestId('arch-spec')).toHaveValue(spec);
  const core = describe(spec);
  await expect(page.getByTestId('arch-error')).toHaveText('');
  // the core's answer arrives later
  await expect.poll(() => digits(page.getByTestId('arch-params'))).toBe(core.params);
  await expect.poll(() => digits(page.getByTestId('arch-macs'))).toBe(core.macs);
  await expect(page.getByTestId('arch-info-3')).toContainText(`→ ${core.layers[2].out.join('×')}`);
  // 19,218 of the 20,000 budget
  await expect(page.getByTestId('arch-over')).toBeHidden();
  await expect(page.getByTestId('design-over')).toBeHidden();
  await page.getByTestId('arch-budget').fill('15000');
  await expect(page.getByTestId('arch-over')).toBeVisible();                                // shown, not forbidden
  await expect(page.getByTestId('arch-apply')).toBeEnabled();
  // the design bar keeps showing the network in use (not the draft), against the same budget
  await designBarShows(page, 'reference');
  await expect(page.getByTestId('design-budget')).toHaveText('15,000');
  await expect(page.getByTestId('design-over')).toBeVisible();                              // 15,122 of 15,000

  await page.getByLabel('Layer 1 output channels').fill('600');
  await page.getByLabel('Layer 1 output channels').press('Enter');
  await expect(page.getByTestId('arch-error')).toHaveText(/^layer 1 \(c600k3:same\): 600 output channels; a convolution has 1 to 512/);
  await expect(page.getByTestId('arch-layer-1')).toHaveClass(/fault/);
  await expect(page.getByTestId('arch-apply')).toBeDisabled();
  await page.getByTestId('arch-spec').fill('c8k3 c16k4 gap fc10');
  await page.getByTestId('arch-spec').press('Enter');
  await expect(page.getByTestId('arch-error')).toHaveText(/^layer 2 \(c16k4\): kernel 4; a convolution's kernel is 1, 3, 5 or 7/);
  await page.getByTestId('arch-spec').fill('c8k3 m2 c16k5:same flat fc10');
  await page.getByTestId('arch-spec').press('Enter');
  await expect(page.getByTestId('arch-error')).toHaveText('');
  await expect(page.getByTestId('arch-layer-4')).toContainText('→ 2704×1×1');
});

test('groups on a convolution: :g<G> in the text, the core\'s counts; a refused count, an unknown token: its message',
  async ({ page }) => {
  await openEditor(page);
  await expect(page.getByLabel('Layer 3 groups')).toHaveValue('1');  // c32k3 on 16 channels: plain
  await expect(page.getByLabel('Layer 3 groups')).toHaveAttribute('max', '16');  // at most its input channels
  await page.getByLabel('Layer 3 groups').fill('4');
  await page.getByLabel('Layer 3 groups').press('Enter');
  const spec = 'c8k3 c16k3 c32k3:g4 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10';
  await expect(page.getByTestId('arch-spec')).toHaveValue(spec);
  const core = describe(spec);
  await expect(page.getByTestId('arch-error')).toHaveText('');
  await expect.poll(() => digits(page.getByTestId('arch-params'))).toBe(core.params);
  const nf = (x) => x.toLocaleString('en-US');
  await expect(page.getByTestId('arch-info-3')).toContainText(`${nf(core.layers[2].params)} parameters`);
  await expect(page.getByLabel('Layer 3 groups')).toBeFocused();

  await page.getByLabel('Layer 3 groups').fill('3');  // 3 divides neither 16 nor 32
  await page.getByLabel('Layer 3 groups').press('Enter');
  await expect(page.getByTestId('arch-spec')).toHaveValue(spec.replace(':g4', ':g3'));
  await expect(page.getByTestId('arch-error')).toHaveText(new RegExp('^layer 3 \\(c32k3:g3\\): 3 groups; '
    + 'the group count \\(1 to \\d+\\) divides the input channels \\(16\\) and the output channels \\(32\\)'));
  await expect(page.getByTestId('arch-layer-3')).toHaveClass(/fault/);
  await expect(page.getByTestId('arch-apply')).toBeDisabled();

  await page.getByTestId('arch-spec').fill('c8k3 c8k3:g8 gap fc10');  // typed: the rows are the core's layers
  await page.getByTestId('arch-spec').press('Enter');
  await expect(page.getByTestId('arch-error')).toHaveText('');
  await expect(page.getByLabel('Layer 2 groups')).toHaveValue('8');
  await expect(page.getByTestId('arch-params')).toHaveText(nf(describe('c8k3 c8k3:g8 gap fc10').params));
  await page.getByTestId('arch-spec').fill('c8k3 bogus gap fc10');  // an unknown token is an error
  await page.getByTestId('arch-spec').press('Enter');
  await expect(page.getByTestId('arch-error')).toHaveText(/^layer 2 \("bogus"\): unknown layer/);
  await expect(page.getByTestId('arch-layers').locator('li')).toHaveCount(4);  // the rows stay as they were
  await expect(page.getByLabel('Layer 2 kind')).toHaveValue('conv');
  await expect(page.getByTestId('arch-apply')).toBeDisabled();
});

test('designs trained and compared: the runs table, the overlay, kept over a reload; the '
  + 'design exported', async ({ page }, info) => {
  // two trainings, downloads, a reload and a second profile: over 3 minutes on a busy machine
  test.setTimeout(420_000);
  await openEditor(page);
  await page.evaluate(() => localStorage.removeItem('mnist-in-a-tab-runs'));
  await configure(page, { subset: 1280, batch: 64, epochs: 1 });
  // the reference net, from scratch
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  await page.getByTestId('arch-named').selectOption('small');
  await expect(page.getByTestId('arch-params')).toHaveText('7,722');
  await designBarShows(page, 'reference');                                   // a draft is not the network in use
  await page.getByTestId('arch-apply').click();
  await expect(page.getByTestId('model-status')).toContainText('The new design is loaded, untrained');
  await designBarShows(page, 'small');                                       // Use this design: now it is
  // a few epochs of the design
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  await page.getByTestId('runs').locator('summary').click();
  const rows = page.getByTestId('runs-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  const small = describe('small').arch;
  await expect(page.locator(`[data-testid=runs-table] tr[data-spec="${small}"]`)).toHaveAttribute('data-params', '7722');
  await expect(page.locator('[data-testid=runs-table] tr[data-spec^="c8k3 '
    + 'c16k3 c32k3"]')).toHaveAttribute('data-params', '15122');
  for (const n of [1, 2]) await page.getByLabel(`Compare run ${n}`).check();
  await expect(page.getByTestId('runs-chart').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('runs-chart')).toContainText('run 2 accuracy %');

  for (const [id, name] of [['export-pytorch', 'mnist_model.py'], ['export-safetensors', 'mnist-model.safetensors'], ['export-onnx', 'mnist-model.onnx']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
    expect(download.suggestedFilename()).toBe(name);
    const file = info.outputPath(name);
    await download.saveAs(file);
    const text = readFileSync(file).toString('latin1');
    expect(text).toContain(id === 'export-onnx' ? small : id === 'export-pytorch' ? `SPEC = "${small}"` : `"architecture":"${small}"`);
  }
  // the inside view shows the design's seven convolutions and its channels
  await draw(page, DIGITS[3]);
  await page.getByTestId('inside').locator('summary').click();
  await expect(page.locator('#inside-layers > div')).toHaveCount(7);
  for (const [i, k] of [8, 12, 16, 8, 12, 16, 14].entries()) await expect(page.getByTestId(`inside-layer-${i + 1}`).locator('canvas')).toHaveCount(k);

  await page.reload();
  await page.getByTestId('runs').locator('summary').click();
  await expect(page.getByTestId('runs-table').locator('tbody tr')).toHaveCount(2);
  // export the history; into a fresh profile it imports whole; a foreign file is refused
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('runs-export').click()]);
  const history = info.outputPath('mnist-runs.json');
  await saved.saveAs(history);
  const fresh = await page.context().browser().newContext();
  const other = await fresh.newPage();
  await other.goto('/');
  await other.getByTestId('runs').locator('summary').click();
  await other.getByTestId('runs-import').setInputFiles(info.outputPath('mnist_model.py'));
  await expect(other.getByTestId('error')).toContainText('mnist_model.py was not imported');
  await other.getByTestId('runs-import').setInputFiles(history);
  await expect(other.getByTestId('runs-table').locator('tbody tr')).toHaveCount(2);
  await expect(other.locator(`[data-testid=runs-table] tr[data-spec="${small}"]`)).toHaveCount(1);
  await fresh.close();
});

test('a shared link opens its design, untrained; a malformed or oversized one is refused and the '
  + 'reference net stays', async ({ page, browser }) => {
  await openEditor(page);
  await page.getByTestId('arch-named').selectOption('no-dropout');
  const href = await page.getByTestId('share-link').getAttribute('href');
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(href);
  await expect(other.getByTestId('model-status')).toContainText('The design from the link is loaded, untrained', { timeout: 30_000 });
  await expect(other.getByTestId('arch-spec')).toHaveValue(describe('no-dropout').arch);
  await designBarShows(other, 'no-dropout');
  await fresh.close();
  for (const [arch, why] of [['c8k3 c16k4 gap fc10', 'kernel 4'], ['c8k3 gap fc10 '.repeat(60), 'more than'], ['c512k7:same c512k7:same gap fc10', 'activations need']]) {
    await page.goto(`/?arch=${encodeURIComponent(arch)}`);
    await expect(page.getByTestId('error')).toContainText('The design in the link was not used', { timeout: 30_000 });
    await expect(page.getByTestId('error')).toContainText(why);
    await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
    await designBarShows(page, 'reference');
    const probs = await page.evaluate(classifyBlob);
    expect(probs).toHaveLength(10);
  }
});

test('a run of a design, interrupted by a reload, resumes as that design', async ({ page }) => {
  test.setTimeout(300_000);
  await openEditor(page);
  await page.getByTestId('arch-named').selectOption('small');
  await page.getByTestId('arch-apply').click();
  await expect(page.getByTestId('model-status')).toContainText('The new design is loaded, untrained');
  await configure(page, { subset: 1280, batch: 64, epochs: 20 });          // 20 steps an epoch
  await page.getByTestId('train').click();
  await checkpointed(page, 20);
  // the page starts with the reference net again
  await page.reload();
  await waitForData(page);
  await expect(page.getByTestId('banner-text')).toContainText('interrupted at step', { timeout: 10_000 });
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('status')).toHaveText(/training|evaluating/);
  await expect(page.getByTestId('model-status')).toContainText('The run resumes with its own design');
  await expect(page.getByTestId('arch-spec')).toHaveValue(describe('small').arch);
  await designBarShows(page, 'small');
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
  await page.getByTestId('runs').locator('summary').click();
  await expect(page.locator(`[data-testid=runs-table] tr[data-spec="${describe('small').arch}"]`)).toHaveCount(1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-pytorch').click()]);
  // the network is the design's
  expect(readFileSync(await download.path(), 'utf8')).toContain(`SPEC = "${describe('small').arch}"`);
});
