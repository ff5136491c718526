// The app's core scenario in three browser engines, each driven the way that works for it:
// Chromium by Playwright, Firefox ESR by puppeteer-core over WebDriver BiDi, WebKitGTK (Safari's
// engine) by selenium-webdriver through WebKitWebDriver (run this under xvfb-run). The scenario:
// load; the capability text is consistent (threaded with 2+ threads, or single-threaded with
// the reason); the pretrained model reads a 7 drawn with the engine's own pointer input; a short
// training run on a subset; save and load give the same predictions. Each engine gets the build
// it should: the threaded build with relaxed SIMD's multiply-add where the engine validates it
// (Chromium, Firefox), the plain single-threaded one in WebKitGTK (no SharedArrayBuffer, no
// relaxed SIMD). Then the same loss to the printed digits in every engine of the same kernels
// (the same wasm arithmetic, whatever the thread count).
// Usage: node tests/engines/run.mjs [--only chromium,firefox,webkit] [--bench]
// --bench also trains on the full set at the defaults for ~15 s in each engine and writes the
// images/s to bench/results/engines.json and the engine table of docs/deploy.md (a measurement, not
// a test: it depends on the machine).
// Prints one line per engine and "engines: N passed, M failed"; exits 1 on a failure.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIGITS } from '../../scripts/digits.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
const only = (arg('--only') || 'chromium,firefox,webkit').split(',');
const PORT = 5180, URL_ = `http://127.0.0.1:${PORT}/`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MINIBROWSER = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  '/usr/libexec/webkit2gtk-4.1/MiniBrowser'].find(existsSync);

// ---------- one interface over the three drivers ----------

async function chromium() {
  const { chromium: pw } = await import('@playwright/test');
  const browser = await pw.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  return { name: 'Chromium', version: browser.version(), goto: (u) => page.goto(u), eval: (fn, a) => page.evaluate(fn, a),
    stroke: async (pts) => { await page.mouse.move(...pts[0]); await page.mouse.down(); for (const p of pts.slice(1)) await page.mouse.move(...p, { steps: 4 }); await page.mouse.up(); },
    close: () => browser.close() };
}

async function firefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  return { name: 'Firefox ESR', version: (await browser.version()).replace(/^firefox\//, ''), goto: (u) => page.goto(u),
    eval: (fn, a) => page.evaluate(fn, a),
    stroke: async (pts) => { await page.mouse.move(...pts[0]); await page.mouse.down(); for (const p of pts.slice(1)) await page.mouse.move(...p, { steps: 4 }); await page.mouse.up(); },
    close: () => browser.close() };
}

async function webkit() {
  const { Builder } = await import('selenium-webdriver');
  const driverPort = 4445;
  const server = spawn('WebKitWebDriver', [`--port=${driverPort}`], { stdio: 'ignore' });
  await sleep(1500);
  const d = await new Builder().usingServer(`http://127.0.0.1:${driverPort}`).withCapabilities({ browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } }).build();
  await d.manage().window().setRect({ width: 1280, height: 900 });
  const version = (await d.getCapabilities()).get('browserVersion');
  return { name: 'WebKitGTK', version, goto: (u) => d.get(u),
    // an async function run in the page: its result comes back through the callback
    eval: (fn, a) => d.executeAsyncScript(`const done = arguments[arguments.length - 1];
      Promise.resolve((${fn})(arguments[0])).then(done, (e) => done({ __error: String(e) }));`, a),
    stroke: async (pts) => {
      let act = d.actions({ async: true }).move({ x: Math.round(pts[0][0]), y: Math.round(pts[0][1]), origin: 'viewport' }).press();
      for (const p of pts.slice(1)) act = act.move({ x: Math.round(p[0]), y: Math.round(p[1]), origin: 'viewport', duration: 30 });
      await act.release().perform();
    },
    close: async () => { await d.quit(); server.kill(); } };
}

// ---------- the scenario ----------

async function waitFor(b, fn, arg, what, ms = 90_000) {
  const t0 = Date.now();
  for (;;) {
    const v = await b.eval(fn, arg);
    if (v && !v.__error) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what} (${JSON.stringify(await b.eval(() => ({ error: document.querySelector('#error').textContent, status: document.querySelector('[data-testid=status]').textContent })))})`);
    await sleep(250);
  }
}

async function scenario(b, query = '') {
  await b.goto(URL_ + query);
  await waitFor(b, (t) => document.querySelector('[data-testid="train-count"]').textContent === '60000' && document.querySelector('[data-testid="model-status"]').textContent.includes('pretrained'), null, 'MNIST and the pretrained model');
  const caps = await b.eval(() => {
    const t = (id) => document.querySelector(`[data-testid="${id}"]`).textContent;
    return { isolated: t('isolated'), simd: t('simd'), build: t('build'), threads: Number(t('threads-in-use')),
      reason: document.querySelector('[data-testid="threads-reason"]').hidden ? '' : t('threads-reason'), error: document.querySelector('#error').hidden ? '' : t('error') };
  });
  if (caps.simd !== 'yes') throw new Error(`SIMD: ${caps.simd}`);
  // The app's start-up watchdog replaced a worker that did not report in time (Firefox ESR
  // stalls now and then while creating the pthread pool, more often on a loaded machine) and
  // the new worker went on to load everything: the app did what it promises, and the line
  // says so. Any other error, or a second stall (which drops the threads), fails.
  const restarted = caps.error.includes('did not start within') && caps.error.includes('it was restarted');
  if (caps.error && !restarted) throw new Error(`an error is shown: ${caps.error}`);
  if (caps.build.startsWith('threaded') ? caps.threads < 2 || caps.reason : caps.threads !== 1 || !caps.reason)
    throw new Error(`inconsistent capability text: ${JSON.stringify(caps)}`);
  if (caps.isolated === 'yes' && caps.reason.includes('not cross-origin isolated')) throw new Error(`contradiction: ${JSON.stringify(caps)}`);

  // draw a 7 with the engine's own pointer input
  const box = await b.eval(() => { const c = document.querySelector('[data-testid="draw-canvas"]'); c.scrollIntoView({ block: 'center' }); const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
  for (const s of DIGITS[7]) await b.stroke(s.map(([x, y]) => [box.x + x * box.w, box.y + y * box.h]));
  const read = await waitFor(b, () => { const p = document.querySelector('[data-testid="prediction"]'); return p.dataset.settled === 'yes' && p.textContent !== '–' && p.textContent; }, null, 'a reading');
  if (read !== '7') throw new Error(`the pretrained model read the drawn 7 as ${read}`);

  // a short run on a subset: the same seed, the same steps
  await b.eval((cfg) => {
    for (const [id, v] of Object.entries(cfg)) { const el = document.querySelector(`[data-testid="${id}"]`); el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }
    document.querySelector('[data-testid="train"]').click();
  }, { subset: 512, 'batch-size': 32, epochs: 1, seed: 1 });
  await waitFor(b, () => document.querySelector('[data-testid="status"]').textContent === 'done', null, 'the training run', 180_000);
  const run = await b.eval(() => ({ loss: document.querySelector('[data-testid="loss"]').textContent, step: document.querySelector('[data-testid="step"]').textContent,
    acc: document.querySelector('[data-testid="test-accuracy"]').textContent, ips: Number(document.querySelector('[data-testid="images-per-second"]').textContent) }));
  if (run.step !== '16') throw new Error(`the run took ${run.step} steps, not 16`);

  // save, then load the saved file: the same predictions
  const same = await b.eval(async () => {
    const app = window.mnistApp;
    const blob = () => { const w = 100, h = 100, ink = new Float32Array(w * h); for (let y = 10; y < 90; y++) for (let x = 0; x < w; x++) if (Math.abs(x - 30 - y * 0.4) < 6) ink[y * w + x] = 1; return app.classifyInk(ink, w, h); };
    const before = await blob();
    app.lastDownload = null;
    document.querySelector('[data-testid="save-model"]').click();
    for (let i = 0; i < 200 && !app.lastDownload; i++) await new Promise((r) => setTimeout(r, 50));
    if (!app.lastDownload) return 'no download';
    document.querySelector('[data-testid="load-pretrained"]').click();
    for (let i = 0; i < 200 && !document.querySelector('[data-testid="model-status"]').textContent.includes('pretrained'); i++) await new Promise((r) => setTimeout(r, 50));
    const dt = new DataTransfer();
    dt.items.add(new File([app.lastDownload.blob], 'saved.bin'));
    const input = document.querySelector('[data-testid="load-model"]');
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    for (let i = 0; i < 200 && !document.querySelector('[data-testid="model-status"]').textContent.includes('Loaded saved.bin'); i++) await new Promise((r) => setTimeout(r, 50));
    const after = await blob();
    return JSON.stringify(before) === JSON.stringify(after) ? 'same' : `differ: ${before} vs ${after}`;
  });
  if (same !== 'same') throw new Error(`save and load: ${same}`);
  const kernels = (caps.build.match(/\((\w+) kernels\)/) || [])[1];
  const expected = b.name.startsWith('WebKit') || query.includes('noRelaxed') ? 'wasmsimd' : caps.build.startsWith('threaded') ? 'wasmrelaxed' : 'wasmsimd';
  if (kernels !== expected) throw new Error(`${b.name} runs the ${kernels} kernels, not ${expected}: ${caps.build}`);
  const result = { build: caps.build.split(' ')[0], kernels, threads: caps.threads, loss: run.loss, test_accuracy: run.acc, startup_restarts: restarted ? 1 : 0 };
  if (process.argv.includes('--bench')) {
    await b.eval((cfg) => {
      for (const [id, v] of Object.entries(cfg)) { const el = document.querySelector(`[data-testid="${id}"]`); el.value = String(v); el.dispatchEvent(new Event('input', { bubbles: true })); }
      document.querySelector('[data-testid="train"]').click();
    }, { subset: 0, 'batch-size': 128, epochs: 1 });
    await sleep(15_000);
    result.images_per_s = await b.eval(() => Number(document.querySelector('[data-testid="images-per-second"]').textContent));
    await b.eval(() => document.querySelector('[data-testid="stop"]').click());
  }
  return result;
}

// ---------- run ----------

const server = spawn('npx', ['vite', '--config', 'vite.config.mjs', '--port', String(PORT), '--strictPort'],
  { cwd: root, stdio: 'ignore', detached: true, env: { ...process.env, MNIST_TEST_HOOKS: '1' } });
let passed = 0, failed = 0;
const results = [];
try {
  for (let i = 0; i < 100; i++) { try { if ((await fetch(URL_)).ok) break; } catch { /* not up yet */ } await sleep(200); }
  // Chromium once more with relaxed SIMD's detection forced off: the plain build, whose loss must
  // be WebKitGTK's (the same arithmetic on one thread or two)
  for (const [key, make, query] of [['chromium', chromium], ['firefox', firefox], ['webkit', webkit], ['chromium', chromium, '?noRelaxed']]) {
    if (!only.includes(key)) continue;
    let b = null;
    const t0 = Date.now();
    try {
      b = await make();
      const r = await scenario(b, query);
      if (query) b.name += ` (${query.slice(1)})`;
      results.push({ engine: b.name, version: b.version, ...r });
      console.log(`ok   ${b.name} ${b.version}: ${r.build} (${r.kernels}), ${r.threads} thread${r.threads > 1 ? 's' : ''}, loss ${r.loss} after 16 steps${r.images_per_s ? `, ${r.images_per_s} images/s` : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)${r.startup_restarts ? '; the start-up watchdog restarted the worker once' : ''}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${b?.name || key}: ${e.message}`);
      failed++;
    } finally {
      await b?.close().catch(() => {});
    }
  }
  for (const kernels of new Set(results.map((r) => r.kernels))) {
    const same = results.filter((r) => r.kernels === kernels), losses = new Set(same.map((r) => r.loss));
    if (same.length < 2) continue;
    if (losses.size === 1) { console.log(`ok   the same loss to the printed digits in ${same.length} engines on the ${kernels} kernels: ${[...losses][0]}`); passed++; }
    else { console.log(`FAIL the losses differ between `
      + `engines on the ${kernels} kernels: ${same.map((r) => `${r.engine} ${r.loss}`).join(', ')}`); failed++; }
  }
  if (process.argv.includes('--bench') && results.length) {
    const { machine } = await import('../../bench/machine.mjs');
    const m = machine();
    writeFileSync(path.join(root, 'bench/results/engines.json'), JSON.stringify({ date: new Date().toISOString(), machine: m, results }, null, 2) + '\n');
    const table = `| engine | version | build | threads | training images/s (full set, batch 128) `
      + `|\n|---|---|---|---|---|\n${
      results.map((r) => `| ${r.engine} | ${r.version} | ${r.build} | ${r.threads} | ${r.images_per_s.toLocaleString('en-US')} |`).join('\n')}\n\n`
      + `Headless (WebKitGTK under Xvfb), one `
        + `after another on ${m.cpu}, ${m.cores} cores (${m.vector_flags.join(' ')}); commit ${m.commit}; the images/s readout after ~15 s of training; `
      + 'from `bench/results/engines.json` (`xvfb-run -a node tests/engines/run.mjs --bench`).\n';
    const docPath = path.join(root, 'docs', 'deploy.md');
    const doc = readFileSync(docPath, 'utf8');
    const re = /(<!-- engines:begin -->\n)[\s\S]*?(<!-- engines:end -->)/;
    if (re.test(doc)) writeFileSync(docPath, doc.replace(re, `$1${table}$2`));
    console.log(table);
  }
} finally {
  try { process.kill(-server.pid); } catch { /* gone */ }
}
console.log(`engines: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
