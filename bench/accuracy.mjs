// Accuracy benchmark (not part of the test command): trains the reference net with the default
// recipe (mnist-train's defaults: SGD Nesterov, OneCycle peak 0.1, batch 128, rotation +-10
// deg, shift +-1.4 px, 10 epochs) for seeds 1, 2, 3, writes bench/results/accuracy.json and the
// table between the accuracy markers in docs/performance.md. Seed 1's final weights become the app's
// pretrained model public/models/reference.bin (+ reference.json describing how it was made).
// Usage: node bench/accuracy.mjs [--epochs N] [--seeds 1,2,3] [--threads N]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine as machineInfo } from './machine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const epochs = Number(arg('--epochs', 10));
const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
const threads = Number(arg('--threads', os.cpus().length));
const trainer = path.join(root, 'build', 'native', 'mnist-train');
const modelPath = path.join(root, 'public', 'models', 'reference.bin');

function run(seed) {
  return new Promise((resolve, reject) => {
    const args = ['--json', '--epochs', String(epochs), '--seed', String(seed), '--threads', String(threads)];
    if (seed === seeds[0]) args.push('--export', path.relative(root, modelPath));
    const started = Date.now();
    const p = spawn(trainer, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; process.stdout.write(`seed ${seed}: ${d}`); });
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`mnist-train seed ${seed} exited ${code}`));
      const lines = out.trim().split('\n').map((l) => JSON.parse(l));
      resolve({ seed, command: `build/native/mnist-train ${args.join(' ')}`, epochs: lines.filter((l) => 'epoch' in l),
        summary: lines.find((l) => 'params' in l), wall_seconds: (Date.now() - started) / 1000 });
    });
  });
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch { return 'unknown'; }
})();
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, `
  + `${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
const runs = [];
for (const s of seeds) runs.push(await run(s));   // one at a time: each uses every core
const result = {
  date: new Date().toISOString(), commit, machine, cpu: machineInfo(), threads, epochs, recipe: 'mnist-train defaults',
  runs,
};
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(root, 'bench', 'results', 'accuracy.json'), JSON.stringify(result, null, 2) + '\n');

const s0 = runs[0];
writeFileSync(path.join(root, 'public', 'models', 'reference.json'), JSON.stringify({
  file: 'reference.bin', made_by: s0.command, seed: s0.seed, epochs, git_commit: commit, date: result.date,
  test_accuracy: s0.summary.final_test_acc, best_test_accuracy: s0.summary.best_test_acc, params: s0.summary.params,
  machine,
}, null, 2) + '\n');

const header = `| epoch | ${runs.map((r) => `seed ${r.seed}`).join(' | ')} |\n`
  + `|---|${runs.map(() => '---|').join('')}\n`;
let table = header;
for (let e = 0; e < epochs; e++) {
  table += `| ${e + 1} | ${runs.map((r) => r.epochs[e].test_acc.toFixed(2)).join(' | ')} |\n`;
}
table += `| best | ${runs.map((r) => r.summary.best_test_acc.toFixed(2)).join(' | ')} |\n`;
table += `| final | ${runs.map((r) => `**${r.summary.final_test_acc.toFixed(2)}**`).join(' | ')} |\n`;
table += `| wall time (s) | ${runs.map((r) => r.wall_seconds.toFixed(0)).join(' | ')} |\n`;
table += `\nTest accuracy (%) on the 10,000 MNIST test images after `
  + `each epoch; ${machine}; ${threads} threads; commit ${commit}; from \`bench/results/accuracy.json\` (\`node `
    + `bench/accuracy.mjs\`).\n`;
const docPath = path.join(root, 'docs', 'performance.md');
const doc = readFileSync(docPath, 'utf8');
const re = /(<!-- accuracy:begin -->\n)[\s\S]*?(<!-- accuracy:end -->)/;
if (re.test(doc)) writeFileSync(docPath, doc.replace(re, `$1${table}$2`));
console.log(table);
