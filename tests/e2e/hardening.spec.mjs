// Hardening in the page (the dev server, vite preview, and a plain static host under a sub-path,
// where the service worker adds the headers): every request stays on the page's origin (load,
// training, drawing, save/load), the Content-Security-Policy is sent and nothing violates it, text from files
// never becomes markup, and a crashed worker (a forced WebAssembly trap) is reported with a
// restart that offers to resume from the checkpoint in IndexedDB (traps during training, evaluation
// and prediction).
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { checkpointed, configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

test('only same-origin requests, CSP sent and respected, file names never '
  + 'become markup', async ({ page, context, baseURL }, info) => {
  const urls = [], violations = [];
  context.on('request', (r) => urls.push(r.url()));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
  let response = await page.goto('./');
  if (info.project.name === 'static') {
    // a plain static host sends no headers: the service worker does, once it controls the page
    // (the first visit reloads once through it to become isolated)
    await expect(page.getByTestId('isolated')).toHaveText('yes', { timeout: 90_000 });
    response = await page.reload();
  }
  const csp = response.headers()['content-security-policy'];
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toMatch(/[\s;]'unsafe-eval'/);
  expect(response.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  await draw(page, DIGITS[4]);
  await expect(page.getByTestId('prediction')).not.toHaveText('–');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-model').click()]);
  const saved = info.outputPath('m.bin');
  await download.saveAs(saved);
  await page.getByTestId('load-model').setInputFiles(saved);
  await expect(page.getByTestId('model-status')).toContainText('Loaded');
  // a hostile file name and content: shown as text, never parsed as HTML
  const name = '<img src=x onerror="window.__pwned=1">.bin';
  await page.getByTestId('load-model').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from('<script>window.__pwned=1</script>') });
  await expect(page.getByTestId('error')).toContainText(name);
  expect(await page.locator('#error img').count()).toBe(0);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();

  const origin = new URL(baseURL).origin;
  const foreign = urls.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'));
  expect(urls.length).toBeGreaterThan(10);
  expect(foreign).toEqual([]);
  expect(violations).toEqual([]);
});

// A trap is armed in the wasm code at one of three places and reached by the page's own use:
// the page must name the trap itself (not a follow-on error of code that touched the dead
// module), the crashed worker must say nothing more, and Restart must give a working worker.
async function expectCrashReported(page) {
  await expect(page.getByTestId('status')).toHaveText('crashed', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toContainText('The training worker crashed (RuntimeError: unreachable');
  await expect(page.getByTestId('error')).not.toContainText('TypeError');
  await expect(page.getByTestId('train')).toBeDisabled();
}
async function restart(page) {
  // anything the dead worker still sent would have been counted while the assertions above ran
  await expect(page.getByTestId('error')).toHaveAttribute('data-late', '0');
  await page.getByTestId('restart').click();
  await waitForData(page);
  await expect(page.getByTestId('error')).toBeHidden();
}

test('a trap during training is reported as itself, the worker restarts, and the '
  + 'checkpoint is offered', async ({ page }) => {
  await page.goto('./');
  await configure(page, { subset: 1280, batch: 64, epochs: 20 });
  await page.getByTestId('train').click();
  await checkpointed(page, 20);                                   // epoch 1 is in IndexedDB
  await page.evaluate(() => window.mnistApp.debugTrap('train'));
  await expectCrashReported(page);
  await page.screenshot({ path: 'test-results/screenshots/crashed.png' });
  await restart(page);
  await expect(page.getByTestId('banner-text')).toContainText('interrupted at step');
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('status')).toHaveText(/training|evaluating/);
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('status')).toHaveText('idle');
  await draw(page, DIGITS[7]);
  await expect(page.getByTestId('prediction')).not.toHaveText('–');
});

test('a trap during the evaluation is reported as itself and the worker restarts', async ({ page }) => {
  await page.goto('./');
  await configure(page, { subset: 640, batch: 64, epochs: 2 });
  await page.evaluate(() => window.mnistApp.debugTrap('evaluation'));   // the first evaluation traps
  await page.getByTestId('train').click();
  await expectCrashReported(page);
  await expect(page.getByTestId('test-accuracy')).toHaveText('–');
  await restart(page);
  await draw(page, DIGITS[4]);
  await expect(page.getByTestId('prediction')).toHaveText('4');
});

// Two steps an epoch, then 40 evaluation slices: the prediction mostly lands while the evaluation
// awaits its next slice, the path where the old worker touched the dead module afterwards.
test('a trap in a prediction while the worker trains is reported as itself and the '
  + 'worker restarts', async ({ page }) => {
  await page.goto('./');
  await configure(page, { subset: 128, batch: 64, epochs: 100 });
  await page.getByTestId('train').click();
  await expect.poll(async () => Number(await page.getByTestId('step').textContent())).toBeGreaterThan(2);
  await page.evaluate(() => window.mnistApp.debugTrap('prediction'));
  await draw(page, DIGITS[1]);
  await expectCrashReported(page);
  await restart(page);
  await page.getByTestId('load-pretrained').click();
  await page.getByTestId('clear').click();
  await draw(page, DIGITS[1]);
  await expect(page.getByTestId('prediction')).toHaveText('1');
});

test('an oversized model file is refused before it is read', async ({ page }, info) => {
  await page.goto('./');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const big = info.outputPath('huge.bin');
  writeFileSync(big, Buffer.alloc(65 * 2 ** 20));
  await page.getByTestId('load-model').setInputFiles(big);
  await expect(page.getByTestId('error')).toContainText('far too large');
  await expect(page.getByTestId('model-status')).toContainText('pretrained');
});

// A crash in the middle of a fine-tune: after Restart the teaching panel is usable again (it
// stayed locked: nothing cleared its "running" flag).
test('a trap during a fine-tune leaves the teaching panel usable after Restart', async ({ page }) => {
  await page.goto('./');
  await waitForData(page);
  await draw(page, DIGITS[3]);
  await expect(page.getByTestId('prediction')).not.toHaveText('–');
  await page.getByTestId('teach-3').click();
  await expect(page.getByTestId('my-digits-count')).toHaveText('1');
  await page.evaluate(() => window.mnistApp.debugTrap('train'));
  await page.getByTestId('finetune').click();
  await expectCrashReported(page);
  await restart(page);
  await expect(page.getByTestId('finetune')).toBeEnabled();
  await expect(page.getByTestId('clear-my-digits')).toBeEnabled();
});
