// Thread-scaling benchmark (not part of the tests): how much a second thread adds, natively,
// in the wasm build under Node and in the page's worker in headless Chromium (plain SIMD128 and
// relaxed builds), and where a 2-thread step's time goes (the pool's profile: parallel regions
// per step, the caller's and the workers' work, the caller waiting for the workers after its
// share, sleeps on the condition variable, the serial rest; and how much more work the same
// step is when two threads run it at once than one thread alone). Rounds alternate 1 and N
// threads in every environment, so a busy moment of the shared machine hits both sides of a
// ratio; each ratio is the median over rounds.
// Writes bench/results/threads.json and prints a table.   node bench/threads.mjs [--rounds 3]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { loadWasm, stopThreads } from '../scripts/load-wasm.mjs';
import { runWasmBench } from '../scripts/wasm-bench.mjs';
import { machine } from './machine.mjs';
import { root, withAppInChromium } from './browser.mjs';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');   // Node 20's V8 has relaxed SIMD behind a flag
const cores = os.cpus().length;
const reps = 7, steps = 10;   // steps: runWasmBench's and mnist-bench's default per rep, which their profile also runs
const argi = process.argv.indexOf('--rounds');
const rounds = argi > 0 ? Number(process.argv[argi + 1]) : 3;
const median = (a) => {
  const b = a.slice().sort((x, y) => x - y);
  return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const log = (...a) => console.error('[threads]', ...a);

const native = (threads) => JSON.parse(execFileSync(path.join(root, 'build/native/mnist-bench'),
  ['--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8' }));

const samples = {};           // env -> [{ t1, tN, profile }]
// work_inflation: the threads' summed task time of an N-thread step over a 1-thread step's time
const add = (env, t1, tN) => (samples[env] ??= []).push({ t1: t1.train_images_per_s, tN: tN.train_images_per_s,
  profile: tN.profile_per_step, step_ms_1: t1.profile_per_step.wall_ms,
  work_inflation: (tN.profile_per_step.caller_work_ms + tN.profile_per_step.worker_work_ms)
    / t1.profile_per_step.wall_ms });

const nodeModules = {};
for (const build of ['mt-test', 'mt-relaxed-test']) {
  const M = await loadWasm(build);
  M._api_create(cores, 1, 0);
  nodeModules[build] = M;
}

await withAppInChromium(5198, async (browser, url) => {
  const page = await browser.newPage();
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
  const chromium = (threads, relaxed) =>
    page.evaluate((opts) => window.mnistApp.bench(opts), { threads, reps, relaxed });
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1} of ${rounds}`);
    add('native', native(1), native(cores));
    for (const [env, build] of [['node plain', 'mt-test'], ['node relaxed', 'mt-relaxed-test']]) {
      const M = nodeModules[build];
      add(env, runWasmBench(M, { threads: 1, reps }), runWasmBench(M, { threads: cores, reps }));
    }
    for (const relaxed of [false, true])
      add(`chromium ${relaxed ? 'relaxed' : 'plain'}`, await chromium(1, relaxed), await chromium(cores, relaxed));
  }
});
Object.values(nodeModules).forEach(stopThreads);

const summary = {};
for (const [env, s] of Object.entries(samples)) {
  const prof = {};
  for (const k of Object.keys(s[0].profile ?? {})) prof[k] = median(s.map((x) => x.profile[k]));
  summary[env] = { images_per_s_1: median(s.map((x) => x.t1)), images_per_s_n: median(s.map((x) => x.tN)),
    ratio: median(s.map((x) => x.tN / x.t1)), ratios: s.map((x) => +(x.tN / x.t1).toFixed(3)),
    profile_per_step_n_threads: prof,
    step_ms_1: median(s.map((x) => x.step_ms_1)), work_inflation: median(s.map((x) => x.work_inflation)) };
}
const result = { date: new Date().toISOString(), machine: machine(), cores, reps, rounds, summary, samples };
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/threads.json'), JSON.stringify(result, null, 2) + '\n');

const f1 = (v) => (v ?? NaN).toFixed(2);
let table = `| ${cores} threads vs 1 | images/s 1 → ${cores} | ratio (median; rounds) | `
  + `step ms, 1 → ${cores} threads | serial ms | parallel regions | caller waits ms | sleeps (workers / caller) | `
  + `task ms (caller + workers) | work inflation |\n|---|---|---|---|---|---|---|---|---|---|\n`;
for (const [env, s] of Object.entries(summary)) {
  const p = s.profile_per_step_n_threads;
  table += `| ${env} | ${Math.round(s.images_per_s_1)} → ${Math.round(s.images_per_s_n)} | `
    + `${s.ratio.toFixed(2)} (${s.ratios.map((x) => x.toFixed(2)).join(', ')}) | `
    + `${f1(s.step_ms_1)} → ${f1(p.wall_ms)} | ${f1(p.serial_ms)} | ${f1(p.runs)} | ${f1(p.caller_wait_ms)} | `
    + `${f1(p.worker_sleeps)} / ${f1(p.caller_sleeps)} | ${f1(p.caller_work_ms)} + ${f1(p.worker_work_ms)} | `
    + `${s.work_inflation.toFixed(3)} |\n`;
}
table += `\n${result.machine.cpu}, ${cores} cores, ${rounds} rounds of ${reps} reps at batch 128, `
  + `\`node bench/threads.mjs\` (bench/results/threads.json). Per training step, medians over rounds; `
  + `the profile is of ${cores} threads over ${steps} steps after the timed reps `
  + `(work inflation: the threads' summed task time over the 1-thread step).\n`;
console.log(table);
