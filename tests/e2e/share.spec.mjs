// Links between fresh browser contexts (issue 33, parts 4 and 5): a run's design link (design, recipe, seed,
// build) repeats the run to the bit in another context of the same build; its result link carries the trained
// weights, and the receiving context shows the design and its own evaluation of them (equal to the sender's
// evaluation of the same weights); a crafted or damaged result link is refused with the reason, and the model in
// use stays. Runs are kept short: a design of 7,722 parameters, 1,920 images, one epoch (60 steps: it learns, ~83 %).
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configure, waitForData } from './helpers.mjs';

const native = path.resolve('build/native/mnist-train');
const describe = (spec) => JSON.parse(execFileSync(native, ['--arch', spec, '--describe'], { encoding: 'utf8' }));
const SMALL = describe('small').arch;
// deflate-raw both ways, as the page's codec does (web/share-codec.js, tested in tests/node/share-codec.test.mjs)
const through = async (bytes, stream) =>
  new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
const lastRun = (page) => page.getByTestId('runs-table').locator('tbody tr').last();

async function runRow(page) {
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  await expect(page.getByTestId('runs-table').locator('tbody tr')).toHaveCount(1);
  const row = lastRun(page);
  const names = ['data-spec', 'data-seed', 'data-final-loss', 'data-final-acc', 'data-build', 'data-params'];
  return Object.fromEntries(await Promise.all(names.map(async (a) => [a, await row.getAttribute(a)])));
}

test('a run\'s design link repeats it to the bit in a fresh context; its result link is evaluated by the receiver',
  async ({ page, browser }, info) => {
  test.setTimeout(240_000);
  // the sender: a design from a link, a short run with a seed of its own
  await page.goto(`/?arch=${encodeURIComponent(SMALL)}`);
  await configure(page, { subset: 1920, batch: 32, epochs: 1 });
  await page.getByTestId('seed').fill('7');
  await page.getByTestId('train').click();
  const sent = await runRow(page);
  expect(sent['data-spec']).toBe(SMALL);
  expect(sent['data-seed']).toBe('7');
  expect(sent['data-final-loss']).toMatch(/^\d+\.\d{6,}/);             // every digit of the double, not a rounding
  const build = await page.getByTestId('build-in-use').getAttribute('data-build');
  expect(sent['data-build']).toBe(build);
  const href = await page.getByTestId('share-link').getAttribute('href');
  const query = new URLSearchParams(href.split('?')[1]);
  expect(Object.fromEntries(query))
    .toMatchObject({ arch: SMALL, recipe: 'fast', epochs: '1', batch: '32', subset: '1920', seed: '7', build });

  // the receiver of the design link: the design, the recipe and the seed filled in; Train gives the same bits
  const second = await browser.newContext();
  const other = await second.newPage();
  await other.goto(href);
  await waitForData(other);
  await expect(other.getByTestId('arch-spec')).toHaveValue(SMALL);
  await expect(other.getByTestId('link-note')).toContainText('seed 7');
  await expect(other.getByTestId('link-note')).not.toHaveAttribute('data-build-differs', 'yes');
  for (const [id, v] of [['seed', '7'], ['subset', '1920'], ['epochs', '1'], ['batch-size', '32']])
    await expect(other.getByTestId(id)).toHaveValue(v);
  await other.getByTestId('train').click();
  expect(await runRow(other)).toEqual(sent);
  await second.close();

  // the sender shares the result: a link and a file of the same bytes (the weights only)
  const senderAcc = (await page.evaluate(() => window.mnistApp.trainer.evaluate())).testAcc;
  expect(senderAcc.toFixed(2)).toBe(sent['data-final-acc']);              // the epoch's evaluation was of these weights
  const [withTraining, weightsOnly] = await page.evaluate(async () => {
    const t = window.mnistApp.trainer;
    return [(await t.save()).length, (await t.save({ training: false })).length];
  });
  expect(weightsOnly).toBeLessThan(withTraining);                         // no optimiser state in a shared result
  await page.getByTestId('make-result').click();
  await expect(page.getByTestId('result-share')).toBeVisible();
  for (const id of ['share-result', 'share-result-file']) {                // touch targets, as every control
    const box = await page.getByTestId(id).boundingBox();
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(44);
  }
  const resultHref = await page.getByTestId('share-result').getAttribute('href');
  expect(resultHref).toMatch(/#result=d\.[A-Za-z0-9_-]+$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('share-result-file').click()]);
  const file = info.outputPath('mnist-result.bin');
  await download.saveAs(file);
  const bytes = new Uint8Array(readFileSync(file));
  expect(bytes.length).toBe(weightsOnly);
  const fragment = resultHref.split('#result=d.')[1];
  expect(await through(Buffer.from(fragment, 'base64url'), new DecompressionStream('deflate-raw'))).toEqual(bytes);
  const sizes = `${resultHref.length} characters, a ${bytes.length}-byte model file`;
  info.annotations.push({ type: 'result link', description: sizes });

  // the receiver of the result link: the design, and the accuracy its own tab measures
  const third = await browser.newContext();
  const receiver = await third.newPage();
  await receiver.goto(resultHref);
  const verified = receiver.getByTestId('verified-accuracy');
  await expect(verified).toHaveAttribute('data-state', 'done', { timeout: 90_000 });
  await expect(receiver.getByTestId('arch-spec')).toHaveValue(SMALL);
  await expect(receiver.getByTestId('design-spec')).toHaveText(SMALL);
  const shown = Number(await verified.getAttribute('data-acc'));
  const own = (await receiver.evaluate(() => window.mnistApp.trainer.evaluate())).testAcc;
  expect(shown).toBe(own);
  expect(shown).toBe(senderAcc);
  await expect(verified).toContainText(`${own.toFixed(2)} % of 10,000 test images`);
  await third.close();

  // a crafted result link: well-formed, but a byte of the weights changed; the core refuses it, the model stays
  const crafted = bytes.slice();
  crafted[crafted.length - 40] ^= 0x10;
  const packed = Buffer.from(await through(crafted, new CompressionStream('deflate-raw')));
  const fourth = await browser.newContext();
  const victim = await fourth.newPage();
  await victim.goto(`/#result=d.${packed.toString('base64url')}`);
  await expect(victim.getByTestId('verified-accuracy')).toHaveAttribute('data-state', 'refused', { timeout: 90_000 });
  await expect(victim.getByTestId('error')).toContainText('The result link was not loaded: ');
  await expect(victim.getByTestId('error')).toContainText('CRC32 mismatch');              // the core's own reason
  await expect(victim.getByTestId('error')).toContainText('The current model is unchanged');
  await expect(victim.getByTestId('model-status')).toContainText('pretrained');
  await expect(victim.getByTestId('verified-accuracy')).not.toHaveAttribute('data-acc', /./);
  // a damaged one, opened in the same tab: refused before anything reaches the worker
  await victim.evaluate(() => { location.hash = '#result=d.not*base64'; });
  await expect(victim.getByTestId('error'))
    .toContainText('The result link was not loaded: its text is damaged (not base64url)');
  await expect(victim.getByTestId('model-status')).toContainText('pretrained');
  // a design link from another build: filled in all the same, with a note that the bits will differ; a recipe
  // this app does not know: refused with the reason, the form keeps its defaults
  const otherBuild = build === 'single' ? 'simd' : 'single';
  await victim.goto(href.replace(`build=${build}`, `build=${otherBuild}`));
  await expect(victim.getByTestId('link-note')).toHaveAttribute('data-build-differs', 'yes');
  await expect(victim.getByTestId('link-note')).toContainText('may round differently');
  await expect(victim.getByTestId('seed')).toHaveValue('7');
  await victim.goto(href.replace('recipe=fast', 'recipe=turbo'));
  await expect(victim.getByTestId('error'))
    .toContainText('The recipe in the link was not used: "turbo" is not a recipe');
  await expect(victim.getByTestId('seed')).toHaveValue('1');
  await expect(victim.getByTestId('link-note')).toBeHidden();
  await fourth.close();
  info.annotations.push({ type: 'run', description: JSON.stringify(sent) });
});
