// The build path in a real browser: the page is cross-origin isolated, the threaded SIMD build
// (with relaxed SIMD's multiply-add: Chromium has it) runs in the worker with 2+ threads that
// each did work, and MNIST arrives and is validated. Without relaxed SIMD (the detection forced
// off) the plain threaded build loads, and nothing alarming is said.
// A damaged data file gives a clear message while the rest of the page keeps working.
import { test, expect } from '@playwright/test';
import { draw } from './helpers.mjs';

test('page is isolated, SIMD on, threads work, MNIST counts shown', async ({ page }) => {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/');
  await expect(page.getByTestId('isolated')).toHaveText('yes');
  await expect(page.getByTestId('simd')).toHaveText('yes');
  await expect(page.getByTestId('build')).toHaveText('threaded (wasmrelaxed kernels)');
  await expect(page.getByTestId('selftest')).toContainText('agrees with scalar');
  const distinct = Number(await page.getByTestId('selftest').getAttribute('data-threads'));
  expect(distinct).toBeGreaterThanOrEqual(2);
  expect(Number(await page.getByTestId('threads-in-use').textContent())).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('threads-reason')).toBeHidden();
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
  await expect(page.getByTestId('test-count')).toHaveText('10000');
  await expect(page.getByTestId('error')).toBeHidden();
  expect(errors).toEqual([]);
  await page.screenshot({ path: 'test-results/screenshots/loaded.png', fullPage: true });
});

test('a browser without relaxed SIMD gets the plain threaded build, and the page says '
  + 'nothing alarming', async ({ page }) => {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/?noRelaxed');
  await expect(page.getByTestId('build')).toHaveText('threaded (wasmsimd kernels)');
  expect(Number(await page.getByTestId('selftest').getAttribute('data-threads'))).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
  await draw(page, [[[0.5, 0.15], [0.5, 0.85]]]);
  await expect(page.getByTestId('prediction')).toHaveText('1');
  await expect(page.getByTestId('threads-reason')).toBeHidden();
  await expect(page.getByTestId('error')).toBeHidden();
  expect(errors).toEqual([]);
});

test('a damaged MNIST file gives a clear message and the page keeps working', async ({ page }) => {
  await page.route('**/data/t10k-labels-idx1-ubyte.gz.bin', (route) =>
    route.fulfill({ status: 200, contentType: 'application/gzip', body: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }));
  await page.goto('/');
  await expect(page.getByTestId('error')).toContainText('t10k-labels-idx1-ubyte.gz.bin is damaged', { timeout: 60_000 });
  await expect(page.getByTestId('train')).toBeDisabled();
  // the rest still works: the draw pad reads a stroke with the pretrained model
  await draw(page, [[[0.5, 0.15], [0.5, 0.85]]]);
  await expect(page.getByTestId('prediction')).toHaveText('1');
});

test('a file with a valid gzip but a wrong header is refused with the reason', async ({ page }) => {
  const { gzipSync } = await import('node:zlib');
  const bad = Buffer.alloc(10008);
  bad.writeUInt32BE(0x00000803, 0);   // an image magic in the label file
  await page.route('**/data/t10k-labels-idx1-ubyte.gz.bin', (route) => route.fulfill({ status: 200, body: gzipSync(bad) }));
  await page.goto('/');
  await expect(page.getByTestId('error')).toContainText('not a label file', { timeout: 60_000 });
});

test('a worker that does not start in time is replaced, and after a second stall runs '
  + 'without threads', async ({ page }) => {
  await page.goto('/?stall=1&startupLimit=3000');
  await expect(page.getByTestId('error')).toContainText('did not start within 3 s; it was restarted');
  await expect(page.getByTestId('build')).toContainText('threaded');
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
  await page.goto('/?stall=2&startupLimit=3000');
  await expect(page.getByTestId('error')).toContainText('restarted without threads', { timeout: 30_000 });
  await expect(page.getByTestId('build')).toContainText('single-threaded');
  await expect(page.getByTestId('threads-reason')).toContainText('stalled twice');
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
});

// A worker that cannot start here says why once, and stays stopped: the watchdog must not replace
// the reason with "stalled" every 45 s (test builds: ?noSimd makes the worker find no SIMD, and
// ?startupLimit shortens the watchdog so that a restart would show within the test).
test('a worker that cannot start here says why, and is not restarted over and over', async ({ page }) => {
  await page.goto('/?noSimd=1&startupLimit=1500');
  await expect(page.getByTestId('error')).toContainText('does not support WebAssembly SIMD');
  await expect(page.getByTestId('status')).toHaveText('failed');
  await page.waitForTimeout(4000);                               // over two watchdog periods
  await expect(page.getByTestId('error')).toContainText('does not support WebAssembly SIMD');
  await expect(page.getByTestId('error')).not.toContainText('did not start');
  await expect(page.getByTestId('train')).toBeDisabled();
});
