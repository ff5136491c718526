// Soak (a benchmark, not a test): the app in headless Chromium trains continuously for a while
// with a drawing read every second, and samples every 10 s the page's JS heap and DOM node and
// event-listener counts (CDP Performance.getMetrics) and the bytes the wasm allocator has handed
// out (test builds' api_heap_used, read in the worker). A leak shows as growth after the first
// epoch; the summary gives that growth (last minus first-epoch value, and the largest excess).
// Runs the full MNIST set at the default recipe, starting a new run when one ends.
// Usage: node bench/soak.mjs [--minutes 60] [--epochs N: stop after N epochs instead]
// Writes bench/results/soak.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';
import { DIGITS } from '../tests/e2e/digits.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const minutes = arg('--minutes', 60), maxEpochs = arg('--epochs', Infinity);
const log = (...a) => console.error('[soak]', ...a);

const result = await withAppInChromium(5196, async (browser, url) => {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120_000 });
  const worker = () => page.workers().find((w) => w.url().includes('worker'));
  const box = await page.getByTestId('draw-canvas').boundingBox();
  const drawOnce = async (d) => {
    await page.getByTestId('clear').click();
    for (const stroke of DIGITS[d]) {
      await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 2 });
      await page.mouse.up();
    }
  };
  const samples = [], started = Date.now();
  let epochs = 0, runs = 0, nextSample = 0, digit = 0;
  page.on('console', () => {});
  await page.exposeFunction('soakEpoch', () => { epochs++; });
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="test-accuracy"]');
    new MutationObserver(() => window.soakEpoch()).observe(el, { childList: true, characterData: true, subtree: true });
  });
  while ((Date.now() - started) / 60_000 < minutes && epochs < maxEpochs) {
    const status = (await page.getByTestId('status').textContent()).trim();
    if (status === 'idle' || status === 'done') { await page.getByTestId('train').click(); runs++; }
    await drawOnce(digit++ % 10);                                   // a reading every second
    await page.waitForTimeout(1000);
    if (Date.now() - started >= nextSample) {
      nextSample += 10_000;
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      const wasmHeap = await worker()?.evaluate(() => self.__mnistWorker?.M?._api_heap_used?.() ?? null).catch(() => null);
      const sample = { t_s: Math.round((Date.now() - started) / 1000), epochs, runs, js_heap_bytes: m.JSHeapUsedSize, dom_nodes: m.Nodes,
        listeners: m.JSEventListeners, wasm_heap_bytes: wasmHeap };
      samples.push(sample);
      log(JSON.stringify(sample));
    }
  }
  await page.getByTestId('stop').click().catch(() => {});
  return { samples, epochs, runs };
});

// growth after the first epoch: the value once the first epoch has ended, against the last and the largest after it
const after = result.samples.filter((s) => s.epochs >= 1);
const growth = (key) => {
  const v = after.map((s) => s[key]).filter((x) => Number.isFinite(x));
  if (v.length < 2) return null;
  return { first_epoch: v[0], last: v.at(-1), max: Math.max(...v), last_minus_first: v.at(-1) - v[0], max_minus_first: Math.max(...v) - v[0] };
};
const summary = { minutes: +((result.samples.at(-1)?.t_s ?? 0) / 60).toFixed(1), epochs: result.epochs, runs: result.runs,
  js_heap_bytes: growth('js_heap_bytes'), dom_nodes: growth('dom_nodes'), listeners: growth('listeners'), wasm_heap_bytes: growth('wasm_heap_bytes') };
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'soak.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), summary, samples: result.samples }, null, 2) + '\n');
console.log(JSON.stringify(summary, null, 2));
