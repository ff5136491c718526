// Responsiveness while the worker trains (a benchmark, not a test: these are wall-clock figures
// that depend on what else the machine runs). Opens the app in headless Chromium, trains on the
// full set at the defaults, and measures over a few windows of steady training: the gaps between
// animation frames, the delay from a click to its handler, and the round trip of a drawing
// page -> worker -> page. Writes bench/results/responsiveness.json and the table between the
// responsiveness markers in docs/testing.md. Usage: node bench/responsiveness.mjs [--windows N] [--busy K]
// --busy K runs K CPU-bound processes (`yes > /dev/null`) beside it, as a loaded machine would
// (results: responsiveness-busy.json and the responsiveness-busy markers).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const windows = Number(arg('--windows', 5)), busy = Number(arg('--busy', 0));
const name = busy ? 'responsiveness-busy' : 'responsiveness';
const hogs = Array.from({ length: busy }, () => spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' }));
process.on('exit', () => hogs.forEach((h) => h.kill()));
const median = (a) => {
  const b = a.slice().sort((x, y) => x - y);
  return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};

const result = await withAppInChromium(5197, async (browser, url) => {
  const page = await browser.newPage();
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
  await page.getByTestId('epochs').fill('2');
  await page.getByTestId('train').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=step]').textContent) > 5);
  await page.evaluate(() => {
    window.__inputDelay = [];
    document.getElementById('log-scale').addEventListener('pointerdown',
      (e) => window.__inputDelay.push(performance.now() - e.timeStamp));
  });
  const rows = [];
  for (let w = 0; w < windows; w++) {
    const gaps = await page.evaluate(() => new Promise((resolve) => {
      const times = [];
      const tick = (t) => {
        times.push(t);
        if (t - times[0] < 3000) requestAnimationFrame(tick);
        else resolve(times.slice(1).map((x, i) => x - times[i]));
      };
      requestAnimationFrame(tick);
    }));
    await page.getByTestId('log-scale').click();
    const roundTrip = await page.evaluate(async () => {
      const w = 280, h = 280, ink = new Float32Array(w * h);
      for (let y = 40; y < 240; y++) for (let x = 130; x < 150; x++) ink[y * w + x] = 1;
      const t0 = performance.now();
      await window.mnistApp.classifyInk(ink, w, h);
      return performance.now() - t0;
    });
    const status = await page.getByTestId('status').textContent();
    rows.push({ status, frames: gaps.length + 1, longest_frame_gap_ms: Math.max(...gaps),
      median_frame_gap_ms: median(gaps), prediction_round_trip_ms: roundTrip });
    console.error(`[responsiveness] window ${w + 1}: ${JSON.stringify(rows[rows.length - 1])}`);
  }
  const delays = await page.evaluate(() => window.__inputDelay);
  await page.getByTestId('stop').click();
  return { browser: browser.version(), windows: rows, click_to_handler_ms: delays };
});

const summary = {
  longest_frame_gap_ms_median: median(result.windows.map((r) => r.longest_frame_gap_ms)),
  longest_frame_gap_ms_max: Math.max(...result.windows.map((r) => r.longest_frame_gap_ms)),
  median_frame_gap_ms: median(result.windows.map((r) => r.median_frame_gap_ms)),
  click_to_handler_ms_median: median(result.click_to_handler_ms),
  click_to_handler_ms_max: Math.max(...result.click_to_handler_ms),
  prediction_round_trip_ms_median: median(result.windows.map((r) => r.prediction_round_trip_ms)),
};
hogs.forEach((h) => h.kill());
const out = {
  date: new Date().toISOString(), machine: machine(), cpu_bound_processes_beside: busy, ...result, summary,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, `bench/results/${name}.json`), JSON.stringify(out, null, 2) + '\n');

const f = (x) => x.toFixed(1);
const table = `| while training (2 threads, full `
  + `set, batch 128)${busy ? `, with ${busy} CPU-bound processes beside it` : ''} `
  + `| median over ${windows} windows of 3 s | worst |
|---|---|---|
| longest gap between animation frames (ms) | ${f(summary.longest_frame_gap_ms_median)} `
  + `| ${f(summary.longest_frame_gap_ms_max)} |
| typical gap between animation frames (ms) | ${f(summary.median_frame_gap_ms)} | |
| click to its handler (ms) | ${f(summary.click_to_handler_ms_median)} | ${f(summary.click_to_handler_ms_max)} |
| drawing page → worker → page, preprocessing included (ms) | ${f(summary.prediction_round_trip_ms_median)} | |

Headless Chromium ${result.browser}, ${out.machine.cpu} (${out.machine.vector_flags.join(' ')}), `
  + `${out.machine.cores} cores, load average ${out.machine.loadavg_at_start.toFixed(2)} at the start; `
  + `commit ${out.machine.commit}; from \`bench/results/${name}.json\` `
  + `(\`node bench/responsiveness.mjs${busy ? ` --busy ${busy}` : ''}\`).
`;
const docPath = path.join(root, 'docs', 'testing.md');
const doc = readFileSync(docPath, 'utf8');
const re = new RegExp(`(<!-- ${name}:begin -->\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
if (re.test(doc)) writeFileSync(docPath, doc.replace(re, `$1${table}$2`));
console.log(table);
