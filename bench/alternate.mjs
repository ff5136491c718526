// The reference net's training speed of two checkouts in one run, alternating old, new, old,
// new, ...: natively (mnist-bench, batch 128) and in Chromium (the page's worker, a separate
// module instance of the test build), each at 1 and 2 threads. For a change that must not cost
// speed: the figures of one build are compared only with the other's from the same run.
//   node bench/alternate.mjs --old OTHER_CHECKOUT [--rounds 2] [--reps 5]
// (both checkouts built: ./run.sh build, or cmake for build/native and build/wasm plus
// scripts/prepare-data.mjs). Writes bench/results/alternate.json and prints a table.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';

const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback; };
const old = path.resolve(arg('--old', ''));
if (!arg('--old', '')) { console.error('usage: node bench/alternate.mjs --old OTHER_CHECKOUT [--rounds '
  + '2] [--reps 5]'); process.exit(2); }
const rounds = Number(arg('--rounds', '2')), reps = Number(arg('--reps', '5'));
const commit = (dir) => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
const trees = [{ label: 'old', dir: old, commit: commit(old) }, { label: 'new', dir: root, commit: commit(root) }];

const native = (dir, threads) => JSON.parse(execFileSync(path.join(dir, 'build', 'native', 'mnist-bench'),
  ['--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8' })).train_images_per_s;

async function chromiumBench(dir, port) {
  return withAppInChromium(port, async (browser, url) => {
    const page = await browser.newPage();
    await page.goto(`${url}/?nosw`);
    await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
    const out = {};
    for (const t of [1, 2]) out[t] = (await page.evaluate((opts) => window.mnistApp.bench(opts), { threads: t, reps })).train_images_per_s;
    return { ...out, browser: browser.version() };
  }, dir);
}

const samples = [];
for (let r = 1; r <= rounds; r++) {
  for (const t of trees) {
    const s = { round: r, tree: t.label, commit: t.commit, native_1: native(t.dir, 1), native_2: native(t.dir, 2) };
    Object.assign(s, await chromiumBench(t.dir, 5195).then((c) => ({ chromium_1: c[1], chromium_2: c[2], browser: c.browser })));
    samples.push(s);
    console.error(`round ${r} ${t.label} (${t.commit}): native ${Math.round(s.native_1)} / ${Math.round(s.native_2)}, Chromium ${Math.round(s.chromium_1)} / ${Math.round(s.chromium_2)} training images/s at 1 / 2 threads`);
  }
}
writeFileSync(path.join(root, 'bench', 'results', 'alternate.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), reps, samples }, null, 2) + '\n');
const col = (key) => trees.map((t) => samples.filter((s) => s.tree === t.label).map((s) => Math.round(s[key]).toLocaleString('en-US')).join(' / ')).join(' | ');
console.log(`| training images/s (reference net, `
  + `batch 128) | ${trees.map((t) => `${t.label} (${t.commit}), rounds 1-${rounds}`).join(' | ')} |`);
console.log('|---|---|---|');
for (const [key, what] of [['native_1', 'native, 1 thread'], ['native_2', 'native, 2 threads'], ['chromium_1', 'Chromium, 1 thread'], ['chromium_2', 'Chromium, 2 threads']])
  console.log(`| ${what} | ${col(key)} |`);
