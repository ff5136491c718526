// Speed benchmark (npm run bench; not part of the tests). Measures, one after another in ONE
// run on this machine, the reference net at batch 128: native C (1 thread, all threads), the
// wasm build in Node (same threads), the wasm builds in headless Chromium through the real page
// and its worker (the plain SIMD128 build and the relaxed-SIMD one, alternating: plain, relaxed,
// plain, relaxed; each figure the mean of its two rounds' medians), PyTorch (system python3-torch, same threads), the arithmetic peak of one core
// (native AVX2-FMA, wasm SIMD128), and the page's single-digit latency. Medians of >= 5 reps.
// Writes bench/results/speed.json and the table between the speed markers in docs/performance.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWasm, stopThreads } from '../scripts/load-wasm.mjs';
import { runWasmBench } from '../scripts/wasm-bench.mjs';
import { machine } from './machine.mjs';
import { root, withAppInChromium } from './browser.mjs';

const cores = os.cpus().length;
const reps = 7;
const median = (a) => { const b = a.slice().sort((x, y) => x - y); return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
const log = (...a) => console.error('[bench]', ...a);
// forward + backward per image: ~3 x the 3.38 M forward multiply-adds (docs/network.md)
const MFLOP_PER_TRAIN_IMAGE = 20.25;

function native(threads) {
  return JSON.parse(execFileSync(path.join(root, 'build/native/mnist-bench'), ['--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8' }));
}
function pytorch(threads) {
  return JSON.parse(execFileSync('/usr/bin/python3', [path.join(root, 'bench/torch_speed.py'), '--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8' }));
}

async function wasmNode() {
  const M = await loadWasm('mt-test');
  M._api_create(cores, 1, 0);
  const out = {};
  for (const t of [1, cores]) out[`threads_${t}`] = runWasmBench(M, { threads: t, reps });
  stopThreads(M);
  return out;
}

async function wasmChromium() {
  return withAppInChromium(5199, async (browser, url) => {
    const page = await browser.newPage();
    await page.goto(`${url}/?nosw`);
    await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
    const out = { browser: browser.version() }, rounds = { plain: [], relaxed: [] };
    for (let round = 0; round < 2; round++)
      for (const build of ['plain', 'relaxed']) {
        const r = {};
        for (const t of [1, cores]) r[`threads_${t}`] = await page.evaluate((opts) => window.mnistApp.bench(opts), { threads: t, reps, relaxed: build === 'relaxed' });
        rounds[build].push(r);
      }
    for (const build of ['plain', 'relaxed']) {
      out[build] = {};
      for (const t of [1, cores]) {
        const [a, b] = rounds[build].map((r) => r[`threads_${t}`]);
        out[build][`threads_${t}`] = { ...b, train_images_per_s: (a.train_images_per_s + b.train_images_per_s) / 2,
          infer_images_per_s: (a.infer_images_per_s + b.infer_images_per_s) / 2, rounds_train_images_per_s: [a.train_images_per_s, b.train_images_per_s] };
      }
    }
    Object.assign(out, out.relaxed);              // the build the app runs in Chromium
    await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
    // the page's single-digit latency: a drawing from the page to the worker and back, preprocessing included
    out.page_digit_ms = await page.evaluate(async () => {
      const w = 280, h = 280, ink = new Float32Array(w * h);
      for (let y = 40; y < 240; y++) for (let x = 130; x < 150; x++) ink[y * w + x] = 1;
      const times = [];
      for (let i = 0; i < 40; i++) { const t0 = performance.now(); await window.mnistApp.classifyInk(ink, w, h); times.push(performance.now() - t0); }
      times.sort((a, b) => a - b);
      return times[times.length >> 1];
    });
    return out;
  });
}

log(`native, 1 and ${cores} threads`);
const nat = { threads_1: native(1), [`threads_${cores}`]: native(cores) };
log('wasm in Node');
const node = await wasmNode();
log('wasm in Chromium (page + worker)');
const chrome = await wasmChromium();
log('PyTorch');
const torch = { threads_1: pytorch(1), [`threads_${cores}`]: pytorch(cores) };

const all = `threads_${cores}`;
const tr = (x) => x[all].train_images_per_s;
const result = {
  date: new Date().toISOString(),
  commit: (() => { try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })(),
  machine: machine(),          // CPU model and vector flags, cores, memory, load, commit
  batch: 128, reps, native: nat, wasm_node: node, wasm_chromium: chrome, pytorch: torch,
  peak_gflops: { native_avx2_fma_1core: nat.threads_1.peak_gflops_1core, wasm_simd128_1core_node: node.threads_1.peak_gflops_1core,
    wasm_simd128_1core_chromium: chrome.plain.threads_1.peak_gflops_1core, wasm_relaxed_fma_1core_chromium: chrome.relaxed.threads_1.peak_gflops_1core },
  ratios: {
    chromium_vs_pytorch: tr(chrome) / tr(torch),
    native_vs_pytorch: tr(nat) / tr(torch),
    chromium_vs_native: tr(chrome) / tr(nat),
    threads_2_vs_1: tr(chrome) / chrome.threads_1.train_images_per_s,
    threads_2_vs_1_native: tr(nat) / nat.threads_1.train_images_per_s,
    chromium_fraction_of_wasm_peak: (tr(chrome) * MFLOP_PER_TRAIN_IMAGE * 1e6) / (chrome.threads_1.peak_gflops_1core * 1e9 * cores),
    chromium_relaxed_vs_plain: tr(chrome.relaxed) / tr(chrome.plain),
    chromium_relaxed_vs_plain_1_thread: chrome.relaxed.threads_1.train_images_per_s / chrome.plain.threads_1.train_images_per_s,
    chromium_plain_vs_pytorch: tr(chrome.plain) / tr(torch),
    threads_2_vs_1_plain: tr(chrome.plain) / chrome.plain.threads_1.train_images_per_s,
  },
  derived: {
    chromium_epoch_seconds: 60000 / tr(chrome),
    chromium_single_digit_ms_in_worker: chrome.threads_1.single_image_ms,
    page_single_digit_ms_round_trip: chrome.page_digit_ms,
  },
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/speed.json'), JSON.stringify(result, null, 2) + '\n');

const f0 = (v) => Math.round(v).toLocaleString('en-US');
const r2 = (v) => v.toFixed(2);
let table = `| | training images/s, 1 thread | `
  + `training images/s, ${cores} threads | inference images/s, ${cores} threads |\n|---|---|---|---|\n`;
for (const [name, x] of [[`native C (${nat.threads_1.gemm === 'avx512' ? 'AVX-512' : nat.threads_1.gemm === 'avx2' ? 'AVX2' : nat.threads_1.gemm})`, nat], ['wasm SIMD128, Node (the plain build)', node],
  ['wasm SIMD128, Chromium page + worker (the plain '
    + 'build: mnist-mt)', chrome.plain], ['wasm relaxed SIMD (FMA), Chromium page + worker (mnist-mt-relaxed: what '
      + 'Chromium and Firefox run)', chrome.relaxed],
  [`PyTorch ${torch.threads_1.version}`, torch]])
  table += `| ${name} | ${f0(x.threads_1.train_images_per_s)} | ${f0(x[all].train_images_per_s)} | ${f0(x[all].infer_images_per_s)} |\n`;
const R = result.ratios, D = result.derived;
table += `\n| target | measured | met |\n|---|---|---|\n`;
table += `| wasm in Chromium ≥ 2.5× PyTorch (training, ${cores} threads; the relaxed build) | ${r2(R.chromium_vs_pytorch)}× (plain build ${r2(R.chromium_plain_vs_pytorch)}×) | ${R.chromium_vs_pytorch >= 2.5 ? 'yes' : 'no'} |\n`;
table += `| relaxed SIMD over plain SIMD128 in Chromium, `
  + `training, 1 / ${cores} threads | ${r2(R.chromium_relaxed_vs_plain_1_thread)}× / ${r2(R.chromium_relaxed_vs_plain)}× | – |\n`;
table += `| native ≥ 4× PyTorch | ${r2(R.native_vs_pytorch)}× | ${R.native_vs_pytorch >= 4 ? 'yes' : 'no'} |\n`;
table += `| 2 threads ≥ 1.85× 1 thread (Chromium, `
  + `relaxed build) | ${r2(R.threads_2_vs_1)}× (plain build ${r2(R.threads_2_vs_1_plain)}×, native ${r2(R.threads_2_vs_1_native)}×) | ${R.threads_2_vs_1 >= 1.85 ? 'yes' : 'no'} |\n`;
table += `| Chromium ≥ 75 % of the wasm peak (the relaxed build against its FMA peak; in direct-convolution FLOPs: `
  + `Winograd counts at the FLOPs it `
    + `replaces) | ${(100 * R.chromium_fraction_of_wasm_peak).toFixed(1)} % of ${r2(chrome.threads_1.peak_gflops_1core)} GFLOP/s × ${cores} cores (SIMD128 mul + add peak ${r2(chrome.plain.threads_1.peak_gflops_1core)}) | ${R.chromium_fraction_of_wasm_peak >= 0.75 ? 'yes' : 'no'} |\n`;
table += `| single-digit inference < 1 ms in the page (a 280×280 drawing, page → worker → page, preprocessing `
  + `included) | ${D.page_single_digit_ms_round_trip.toFixed(2)} ms (the forward pass alone, in `
    + `the worker: ${D.chromium_single_digit_ms_in_worker.toFixed(2)} ms) | ${D.page_single_digit_ms_round_trip < 1 ? 'yes' : 'no'} |\n`;
table += `| one epoch of 60,000 images ≤ 25 s `
  + `in the tab | ${D.chromium_epoch_seconds.toFixed(1)} s | ${D.chromium_epoch_seconds <= 25 ? 'yes' : 'no'} |\n`;
table += `\nMedians of ${reps} repetitions at batch 128, measured one after another `
  + `in one run on ${result.machine.cpu}, ${cores} cores (${result.machine.vector_flags.filter((f) => /^(avx2|avx512f|avx512bw|avx512vl)$/.test(f)).join(', ')}), commit ${result.commit}, from \`bench/results/speed.json\` (\`npm run bench\`). Native AVX2-FMA peak ${r2(nat.threads_1.peak_gflops_1core)} GFLOP/s per core.\n`;
const docPath = path.join(root, 'docs', 'performance.md');
const doc = readFileSync(docPath, 'utf8');
const re = /(<!-- speed:begin -->\n)[\s\S]*?(<!-- speed:end -->)/;
if (re.test(doc)) writeFileSync(docPath, doc.replace(re, `$1${table}$2`));
console.log(table);
