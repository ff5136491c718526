// The built app on a plain static host (scripts/static-server.mjs: no isolation headers, no
// CSP) under a sub-path, as people deploy it (GitHub Pages, a university web folder): every URL
// stays under the sub-path; the page becomes cross-origin isolated through its own service
// worker and trains with 2 threads; it draws, trains, saves and loads; it works offline from
// the first visit of a fresh profile; and a second deploy never mixes versions.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from './digits.mjs';

const root = path.resolve('.');
const deploy = (build) => execFileSync('ln', ['-sfn', build, path.join(root, 'build', 'deploy')]);

async function loaded(page) {
  // the first visit reloads once, through the service worker, to become isolated
  await expect(page.getByTestId('isolated')).toHaveText('yes', { timeout: 90_000 });
  await waitForData(page);
}

test('a plain static host under a sub-path: isolated by the service worker, threads, draw, train, save and load', async ({ page, baseURL, request }, info) => {
  const head = await request.get(baseURL);
  expect(head.headers()['cross-origin-opener-policy'], 'the host itself sends no isolation headers').toBeUndefined();
  const urls = [];
  page.context().on('request', (r) => urls.push(r.url()));
  await page.goto('./');
  await loaded(page);
  await expect(page.getByTestId('build')).toContainText('threaded');
  expect(Number(await page.getByTestId('selftest').getAttribute('data-threads'))).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('threads-reason')).toBeHidden();
  // the host sends no Content-Security-Policy; the service worker does: an inline script is refused
  expect(head.headers()['content-security-policy'], 'the host itself sends no CSP').toBeUndefined();
  const inline = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(`refused by ${e.violatedDirective}`), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
    setTimeout(() => resolve(window.__inlineRan ? 'ran' : 'not run'), 2000);
  }));
  expect(inline).toMatch(/^refused by script-src/);
  await draw(page, DIGITS[7]);
  await expect(page.getByTestId('prediction')).toHaveText('7');
  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('threads').fill('2');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 90_000 });
  expect(Number(await page.getByTestId('threads-in-use').textContent())).toBe(2);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-model').click()]);
  const saved = info.outputPath('model.bin');
  await download.saveAs(saved);
  await page.getByTestId('load-model').setInputFiles(saved);
  await expect(page.getByTestId('model-status')).toContainText('Loaded model.bin');
  const outside = urls.filter((u) => !u.startsWith(baseURL) && !u.startsWith('data:') && !u.startsWith('blob:'));
  expect(outside, 'every request stays under the sub-path').toEqual([]);
  await page.screenshot({ path: 'test-results/screenshots/static-host.png' });
});

test('offline from the first visit of a fresh profile', async ({ page, context }) => {
  await page.goto('./');
  await loaded(page);
  await expect(page.getByTestId('offline')).toHaveText('yes', { timeout: 60_000 });
  await context.setOffline(true);
  await page.reload();
  await loaded(page);
  await configure(page, { subset: 256, batch: 32, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  expect(Number(await page.getByTestId('step').textContent())).toBe(8);
  await page.getByTestId('load-pretrained').click();
  await expect(page.getByTestId('model-status')).toContainText('pretrained');
  await draw(page, DIGITS[2]);
  await expect(page.getByTestId('prediction')).toHaveText('2');
  await context.setOffline(false);
});

test('a second deploy never mixes versions: a page runs on one build, the next one on the new', async ({ browser, baseURL }) => {
  execFileSync('npx', ['vite', 'build', '--config', 'vite.config.mjs', '--outDir', '../build/dist-b', '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: root, env: { ...process.env, MNIST_TEST_HOOKS: '1', MNIST_BUILD_ID: 'deploy-b' }, stdio: 'inherit' });
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const open = async () => {
    const page = await context.newPage();
    await page.goto(baseURL);
    await loaded(page);
    await expect(page.getByTestId('model-status')).toContainText('pretrained');
    // the page checks that its worker is of its own build, and says so when not
    await expect(page.getByTestId('error')).toBeHidden();
    return { page, build: await page.getByTestId('build-id').textContent() };
  };
  try {
    let { page, build } = await open();
    expect(build).toBe('deploy-a');
    await expect(page.getByTestId('offline')).toHaveText('yes', { timeout: 60_000 });
    deploy('dist-b');
    await page.reload();                      // still version a, from its cache, while b installs beside it
    await loaded(page);
    await expect(page.getByTestId('error')).toBeHidden();
    await expect(page.getByTestId('build-id')).toHaveText('deploy-a');
    await page.close();
    // with no page of a open, b takes over once its cache is complete
    await expect.poll(async () => {
      ({ page, build } = await open());
      await page.close();
      return build;
    }, { timeout: 120_000, intervals: [1000] }).toBe('deploy-b');
  } finally {
    deploy('dist-a');
    await context.close();
  }
});
