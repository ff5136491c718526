// The built app on a plain static host (scripts/static-server.mjs: no isolation headers, no
// CSP) under a sub-path, as people deploy it (GitHub Pages, a university web folder): every URL
// stays under the sub-path; the page becomes cross-origin isolated through its own service
// worker and trains with 2 threads; it draws, trains, saves and loads; it works offline from
// the first visit of a fresh profile; and a second deploy never mixes versions.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { configure, draw, waitForData } from './helpers.mjs';
import { heldHost } from './held-host.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const root = path.resolve('.');
const deploy = (build) => execFileSync('ln', ['-sfn', build, path.join(root, 'build', 'deploy')]);

async function loaded(page) {
  // the first visit reloads once, through the service worker, to become isolated
  await expect(page.getByTestId('isolated')).toHaveText('yes', { timeout: 90_000 });
  await waitForData(page);
}

test('a plain static host under a sub-path: isolated by the service worker, threads, draw, train, '
  + 'save and load', async ({ page, baseURL, request }, info) => {
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

test('a second deploy never mixes versions: a page runs on one build, the next '
  + 'one on the new', async ({ browser, baseURL }) => {
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

// The service worker answers MNIST as it arrives and caches a copy beside it. Here the host sends
// each file's first half and holds the rest: the page's progress moves meanwhile (a worker that
// answers only once the whole file is in its cache shows none until the end). The host then cuts
// the files short: the download fails, and the next visit downloads them whole instead of
// reading a truncated copy from the cache.
test('MNIST through the service worker: progress while it downloads; cut short, nothing '
  + 'truncated kept', async ({ page, baseURL }) => {
  const host = await heldHost(baseURL);
  try {
    await page.goto(host.url);
    await host.dataHeld;
    await expect(page.getByTestId('isolated')).toHaveText('yes');
    const progress = () => page.getByTestId('data-progress').evaluate((bar) => bar.value);
    await expect.poll(progress, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('data-status')).toContainText('Downloading MNIST');
    expect(host.completed(), 'no MNIST file was sent in full').toBe(0);
    expect(host.held(), 'the four files are on their way').toBe(4);
    host.cut();
    await expect(page.getByTestId('error')).toContainText('MNIST could not be loaded');
    await page.reload();
    await waitForData(page);
    expect(host.answersFor('train-images-idx3-ubyte.gz.bin'), 'downloaded again, not read from the cache').toBe(2);
  } finally {
    await host.close();
  }
});

// Storage too small for MNIST (the origin's quota set just above what the app's files take once
// they are cached): the service worker cannot keep a copy, and the app gets MNIST all the same
// and trains (a worker that answers through cache.put fails the download). The next visit, with
// room again, downloads it again and keeps it for offline use.
test('storage too small for MNIST: the app still gets it and trains; a later '
  + 'visit keeps it', async ({ page, baseURL }) => {
  const host = await heldHost(baseURL, { firstPart: () => 0 });
  const origin = new URL(host.url).origin;
  const cdp = await page.context().newCDPSession(page);
  const cached = (file) => page.evaluate(async (f) => !!(await caches.match(`data/${f}`)), file);
  try {
    await page.goto(host.url);
    await host.dataHeld;                            // the app's files are cached; MNIST is asked for
    const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 100_000 });
    host.release();
    await configure(page, { subset: 256, batch: 32, epochs: 1 });
    await page.getByTestId('train').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
    expect(await cached('train-images-idx3-ubyte.gz.bin'), 'the quota kept MNIST out of the cache').toBe(false);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await page.reload();
    await waitForData(page);
    await expect(page.getByTestId('offline')).toHaveText('yes', { timeout: 60_000 });
    expect(await cached('train-images-idx3-ubyte.gz.bin')).toBe(true);
    expect(host.answersFor('train-images-idx3-ubyte.gz.bin'), 'downloaded again on the next visit').toBe(2);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin }).catch(() => {});
    await host.close();
  }
});
