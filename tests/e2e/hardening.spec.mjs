// Hardening in the page: every request stays on the page's origin (load, training, drawing,
// save/load), the Content-Security-Policy is sent and nothing violates it, text from files
// never becomes markup, and a crashed worker (a forced WebAssembly trap) is reported with a
// restart that offers to resume from the checkpoint in IndexedDB.
import { test, expect } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from './digits.mjs';

test('only same-origin requests, CSP sent and respected, file names never become markup', async ({ page, context, baseURL }, info) => {
  const urls = [], violations = [];
  context.on('request', (r) => urls.push(r.url()));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text()); });
  const response = await page.goto('/');
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

test('a crashed worker is reported, restarts, and the checkpoint is offered', async ({ page }) => {
  await page.goto('/');
  await configure(page, { subset: 1280, batch: 64, epochs: 20 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('test-accuracy')).not.toHaveText('–', { timeout: 60_000 });   // epoch 1 checkpointed
  await page.waitForTimeout(300);
  await page.evaluate(() => window.mnistApp.debugTrap());
  await expect(page.getByTestId('error')).toContainText('The training worker crashed');
  await expect(page.getByTestId('error')).toContainText('RuntimeError');
  await expect(page.getByTestId('status')).toHaveText('crashed');
  await page.screenshot({ path: 'test-results/screenshots/crashed.png' });
  // the page itself still works: controls respond, nothing is blank
  await expect(page.getByTestId('train')).toBeDisabled();
  await page.getByTestId('restart').click();
  await waitForData(page);
  await expect(page.getByTestId('error')).toBeHidden();
  await expect(page.getByTestId('banner-text')).toContainText('interrupted at step');
  await page.getByTestId('resume-checkpoint').click();
  await expect(page.getByTestId('status')).toHaveText(/training|evaluating/);
  await page.getByTestId('stop').click();
  await draw(page, DIGITS[7]);
  await expect(page.getByTestId('prediction')).not.toHaveText('–');
});

test('an oversized model file is refused before it is read', async ({ page }, info) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const big = info.outputPath('huge.bin');
  writeFileSync(big, Buffer.alloc(65 * 2 ** 20));
  await page.getByTestId('load-model').setInputFiles(big);
  await expect(page.getByTestId('error')).toContainText('far too large');
  await expect(page.getByTestId('model-status')).toContainText('pretrained');
});
