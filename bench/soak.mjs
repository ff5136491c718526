// Soak (a benchmark, not a test): the app in headless Chromium trains continuously for a while
// (the full MNIST set at the default recipe, a new run when one ends) with a drawing read every
// second, and every 10 s, right after a forced garbage collection in the page and in the
// training worker (so each figure is what is kept, not garbage yet to be collected), samples:
//   js_heap_bytes         the page's JS heap (CDP Performance.getMetrics JSHeapUsedSize)
//   worker_js_heap_bytes  the training worker's JS heap (CDP Runtime.getHeapUsage in the worker's
//                         own session: a dedicated worker is an isolate of its own, which the
//                         page's metrics do not count; see worker-sessions.mjs)
//   wasm_heap_bytes       the bytes the wasm allocator has handed out (test builds' api_heap_used)
//   dom_nodes, listeners  the page's DOM nodes and event listeners (Performance.getMetrics)
// A leak shows as growth after the first epoch. The summary gives each series' trend over the
// samples after the first epoch (bench/trend.mjs): the least-squares slope per hour (with its
// standard error) and the median of the first quarter against that of the last. docs/soak.md
// says how to read it.
// Usage: node bench/soak.mjs [--minutes 60] [--epochs N: stop after N epochs instead]
//        [--port 5196: the dev server's] [--out bench/results/soak.json]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';
import { trend } from './trend.mjs';
import { workerSessions } from './worker-sessions.mjs';
import { DIGITS } from '../scripts/digits.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const minutes = Number(arg('--minutes', 60)), maxEpochs = Number(arg('--epochs', Infinity));
const port = Number(arg('--port', 5196));
const out = path.resolve(arg('--out', path.join(root, 'bench', 'results', 'soak.json')));
const SERIES = ['js_heap_bytes', 'worker_js_heap_bytes', 'wasm_heap_bytes', 'dom_nodes', 'listeners'];
const log = (...a) => console.error('[soak]', ...a);

const trainingWorker = (page) => page.workers().find((w) => w.url().includes('worker'));

// one sample of every series; the training worker's session is the newest of the URL of
// Playwright's worker (the one whose wasm heap is read)
async function sampleMemory(page, cdp, workers) {
  const worker = trainingWorker(page);
  const session = worker && workers.list().findLast((s) => s.url === worker.url());
  let workerHeap = null;
  if (session) {
    await workers.send(session.sessionId, 'HeapProfiler.collectGarbage');
    workerHeap = (await workers.send(session.sessionId, 'Runtime.getHeapUsage')).usedSize;
  }
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const wasmHeap = await worker?.evaluate(() => self.__mnistWorker?.M?._api_heap_used?.() ?? null).catch(() => null);
  return { js_heap_bytes: m.JSHeapUsedSize, worker_js_heap_bytes: workerHeap, wasm_heap_bytes: wasmHeap ?? null,
    dom_nodes: m.Nodes, listeners: m.JSEventListeners, workers: workers.list().length };
}

// Before the soak: every figure can be read, and worker_js_heap_bytes is the training worker's:
// about 30 MB of objects made in the worker must raise it, not the page's, and go once dropped.
async function checkWorkerHeap(page, cdp, workers) {
  const before = await sampleMemory(page, cdp, workers);
  if (before.wasm_heap_bytes === null) {
    throw new Error("the wasm allocator's use cannot be read (self.__mnistWorker.M._api_heap_used of a test build)");
  }
  const worker = trainingWorker(page);
  await worker.evaluate(() => { self.soakBallast = Array.from({ length: 1e6 }, (_, i) => ({ i })); });
  const held = await sampleMemory(page, cdp, workers);
  await worker.evaluate(() => { delete self.soakBallast; });
  const dropped = await sampleMemory(page, cdp, workers);
  const check = { worker_before: before.worker_js_heap_bytes, worker_with_ballast: held.worker_js_heap_bytes,
    worker_after: dropped.worker_js_heap_bytes,
    page_before: before.js_heap_bytes, page_with_ballast: held.js_heap_bytes };
  const rise = check.worker_with_ballast - check.worker_before;
  if (!(rise > 10 * 2 ** 20 && Math.abs(check.page_with_ballast - check.page_before) < rise / 4
    && check.worker_after - check.worker_before < rise / 4)) {
    throw new Error(`the worker's heap figure does not follow the worker: ${JSON.stringify(check)}`);
  }
  log('worker heap check', JSON.stringify(check));
  return check;
}

async function drawer(page) {
  const box = await page.getByTestId('draw-canvas').boundingBox();
  return async (d) => {
    await page.getByTestId('clear').click();
    for (const stroke of DIGITS[d]) {
      await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) {
        await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 2 });
      }
      await page.mouse.up();
    }
  };
}

const result = await withAppInChromium(port, async (browser, url) => {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const workers = await workerSessions(cdp);
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120_000 });
  const workerHeapCheck = await checkWorkerHeap(page, cdp, workers);
  const drawOnce = await drawer(page);
  const samples = [], started = Date.now();
  let epochs = 0, runs = 0, nextSample = 0, digit = 0;
  page.on('console', () => {});
  // an epoch ends: the test accuracy is written with the epoch it is of (data-epoch), once per epoch
  await page.exposeFunction('soakEpochs', (n) => { epochs += n; });
  await page.evaluate(() => {
    const accuracy = document.querySelector('[data-testid="test-accuracy"]');
    new MutationObserver((records) => window.soakEpochs(records.length))
      .observe(accuracy, { attributes: true, attributeFilter: ['data-epoch'] });
  });
  while ((Date.now() - started) / 60_000 < minutes && epochs < maxEpochs) {
    const status = (await page.getByTestId('status').textContent()).trim();
    if (status === 'idle' || status === 'done') { await page.getByTestId('train').click(); runs++; }
    await drawOnce(digit++ % 10);                                   // a reading every second
    await page.waitForTimeout(1000);
    if (Date.now() - started >= nextSample) {
      nextSample += 10_000;
      const t = Math.round((Date.now() - started) / 1000);
      const sample = { t_s: t, epochs, runs, ...await sampleMemory(page, cdp, workers) };
      samples.push(sample);
      log(JSON.stringify(sample));
    }
  }
  await page.getByTestId('stop').click().catch(() => {});
  const workerUrls = workers.list().map((s) => s.url);
  return { samples, epochs, runs, browser: browser.version(), workerUrls, workerHeapCheck };
});

// each series' trend after the first epoch (the first epoch fills the caches, pools and charts)
const after = result.samples.filter((s) => s.epochs >= 1);
const summary = { minutes: +((result.samples.at(-1)?.t_s ?? 0) / 60).toFixed(1), epochs: result.epochs,
  runs: result.runs, first_sample_after_first_epoch_s: after[0]?.t_s ?? null,
  ...Object.fromEntries(SERIES.map((k) => [k, trend(after, k)])) };
mkdirSync(path.dirname(out), { recursive: true });
const record = { date: new Date().toISOString(), machine: machine(), browser: result.browser,
  worker_urls: result.workerUrls, worker_heap_check: result.workerHeapCheck, summary, samples: result.samples };
writeFileSync(out, JSON.stringify(record, null, 2) + '\n');
console.log(JSON.stringify(summary, null, 2));
const mb = (x) => (x / 2 ** 20).toFixed(2);
for (const k of SERIES) {
  const t = summary[k], bytes = k.endsWith('bytes');
  if (!t) { console.log(`${k}: too few samples after the first epoch`); continue; }
  const f = bytes ? (x) => `${mb(x)} MB` : String;
  console.log(`${k}: median ${f(t.median)} (${f(t.min)}..${f(t.max)}); `
    + `slope ${f(t.slope_per_hour)}/h ± ${f(t.slope_se_per_hour)}; `
    + `quarters ${f(t.first_quarter_median)} -> ${f(t.last_quarter_median)} (${t.quarter_change_percent} %)`);
}
log(`written to ${path.relative(process.cwd(), out)}`);
