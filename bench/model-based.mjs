// The model-based test of the library (tests/e2e/model-based.spec.mjs) at length: many more
// sequences than `npm test` draws, from a seed of its own, in Chromium. Records the count, the
// seed, how long it took and the outcome (on a failure: the replay path, the shrunk command
// sequence and what was violated; the calls' outcomes by kind) in bench/results/model-based.json.
// Usage: node bench/model-based.mjs [--runs 200] [--seed N (default: from the clock)] [--commands 20]
//        (MNIST_PORT_OFFSET moves its server as it does the spec's)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './browser.mjs';
import { machine } from './machine.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const runs = arg('--runs', Number(process.env.MODEL_RUNS || 200)), seed = arg('--seed', Date.now() % 2 ** 31);
const commands = arg('--commands', 20);
const scratch = path.join(root, 'build/model-based-result.json');
rmSync(scratch, { force: true });

console.error(`[model-based] ${runs} sequences of up to ${commands} calls, seed ${seed}`);
const env = { ...process.env, CI: '1', MODEL_RUNS: String(runs), MODEL_SEED: String(seed),
  MODEL_COMMANDS: String(commands), MODEL_RESULT: scratch,
  MODEL_BUDGET_MS: String(Math.max(30 * 60_000, runs * 60_000)) };
const spec = ['playwright', 'test', 'tests/e2e/model-based.spec.mjs', '--reporter=line'];
const run = spawnSync('npx', spec, { cwd: root, env, stdio: 'inherit' });
let outcome;
try {
  outcome = JSON.parse(readFileSync(scratch, 'utf8'));
} catch {
  outcome = { error: `no result: the spec ended with status ${run.status}` };
}

const result = { benchmark: 'model-based', date: new Date().toISOString(), machine: machine(),
  requested: { runs, seed, commands }, passed: run.status === 0 && outcome.failed === false, ...outcome };
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/model-based.json'), `${JSON.stringify(result, null, 1)}\n`);
const shrunk = outcome.counterexample ? `\nshrunk sequence: ${outcome.counterexample}\n${outcome.error}` : '';
console.log(`${result.passed ? 'passed' : 'FAILED'}: ${outcome.numRuns ?? 0} of ${runs} sequences, seed ${seed}, `
  + `${outcome.seconds ?? '?'} s${shrunk}`);
process.exit(result.passed ? 0 : 1);
