// A model-based (stateful) test of the library (issue 31): fast-check draws sequences of calls
// across the whole API of the packed npm package — hostile and crafted model files, bad
// arguments, designs valid and not, tiny runs on small own data with pause / resume / stop at any
// moment and abort signals, evaluations (two at once too), readings, save / load / export,
// my-digits files, fine-tunes, terminate and start again, a wasm trap through the test hooks —
// and checks the invariants of tests/e2e/model-based/commands.mjs after every call. The package
// is the one scripts/build-lib.mjs makes, with the test hooks kept (--test-hooks: debugTrap and
// the test wasm modules), installed into a plain page served with the isolation headers.
// Fixed seed here; MODEL_RUNS, MODEL_SEED and MODEL_COMMANDS make a longer run
// (bench/model-based.mjs), MODEL_RESULT names a JSON file for its outcome. A failure prints the
// seed, the replay path and the shrunk command sequence.
import { test, expect } from '@playwright/test';
import fc from 'fast-check';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Real, SetData, initialModel, commandArbitraries, drainAll, ignored, coverage }
  from './model-based/commands.mjs';

const root = path.resolve('.'), site = path.join(root, 'build/model-run');
const port = 5187 + Number(process.env.MNIST_PORT_OFFSET || 0);
const RUNS = Number(process.env.MODEL_RUNS || 30), SEED = Number(process.env.MODEL_SEED || 31);
const COMMANDS = Number(process.env.MODEL_COMMANDS || 20);
// a bound on the whole check, shrinking included (it never ends a passing run early: see below)
const BUDGET_MS = Number(process.env.MODEL_BUDGET_MS || 20 * 60_000);
let server;

test.beforeAll(() => {
  const made = execFileSync('node', ['scripts/build-lib.mjs', '--test-hooks'], { cwd: root, encoding: 'utf8' });
  const tgz = made.trim().split('\n').pop();
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  writeFileSync(path.join(site, 'package.json'), '{ "private": true }\n');
  const quiet = ['--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];
  execFileSync('npm', ['install', ...quiet, tgz], { cwd: site });
  copyFileSync(path.join(root, 'tests/e2e/model-based/harness.mjs'), path.join(site, 'harness.mjs'));
  writeFileSync(path.join(site, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<title>model-based</title>
<script type="importmap">{ "imports": { "mnist-in-a-tab": "./node_modules/mnist-in-a-tab/index.js" } }</script>
<script type="module">import { Harness } from './harness.mjs'; window.H = new Harness();</script>`);
  const serve = [path.join(root, 'scripts/static-server.mjs'), site, '--port', String(port), '--isolated'];
  server = spawn('node', serve, { stdio: 'ignore' });
});
test.afterAll(() => server?.kill());

async function open(page) {
  for (let i = 0; i < 50; i++) {
    try { await page.goto(`http://127.0.0.1:${port}/index.html`); break; } catch { await page.waitForTimeout(200); }
  }
  await page.waitForFunction(() => window.H);
}

// One property: a fresh trainer (with small data of its own three times in four), the drawn
// commands, then every call settles (drainAll).
function property(page, stats, fields) {
  const arbitraries = commandArbitraries(fields);
  const withData = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
  return fc.asyncProperty(withData, fc.commands(arbitraries, { maxCommands: COMMANDS }), async (data, cmds) => {
    stats.sequences++;
    const real = new Real(page), model = initialModel();
    const { outcome } = await real.h('start', true);
    if (outcome?.status !== 'resolved') throw new Error(`start() did not resolve: ${JSON.stringify(outcome)}`);
    const setup = data ? [new SetData({ spec: { train: 200, test: 500, seed: 1 } })] : [];
    await fc.asyncModelRun(() => ({ model, real }), [...setup, ...cmds]);
    await drainAll(model, real);
  });
}

test('the library keeps its word in any order of calls (fast-check, model-based)', async ({ page }) => {
  test.setTimeout(Math.max(600_000, RUNS * 120_000));
  await open(page);
  // the recipe fields and their ranges as the package has them (the core's contract)
  const fields = await page.evaluate(async () => {
    const c = await import('./node_modules/mnist-in-a-tab/generated/contract.js');
    return [...c.CONFIG_FIELDS, ...c.RUN_FIELDS];
  });
  const stats = { sequences: 0 }, t0 = Date.now();
  const details = await fc.check(property(page, stats, fields),
    { seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(BUDGET_MS)] });
  const [withData, sequence] = details.counterexample ?? [];
  const error = details.errorInstance;
  const outcome = {
    seed: SEED, runs: RUNS, maxCommands: COMMANDS, sequences: stats.sequences,
    seconds: Math.round((Date.now() - t0) / 1000),
    failed: details.failed, interrupted: details.interrupted, numRuns: details.numRuns, numShrinks: details.numShrinks,
    path: details.counterexamplePath,
    counterexample: details.counterexample ? `${withData ? 'with data' : 'no data'}: ${sequence}` : null,
    ignored: Object.fromEntries(ignored),
    coverage: Object.fromEntries([...coverage].sort()),
    error: error ? String(error.message ?? error).slice(0, 2000) : null,
  };
  if (process.env.MODEL_RESULT) writeFileSync(process.env.MODEL_RESULT, `${JSON.stringify(outcome, null, 1)}\n`);
  const report = `seed ${SEED}, path ${details.counterexamplePath} (${details.numShrinks} shrinks)\n`
    + `shrunk sequence: ${outcome.counterexample}\n${outcome.error}`;
  if (details.failed) console.log(`model-based test failed: ${report}`);
  expect(details.failed, report).toBe(false);
  // an interrupted check is not a pass: every drawn sequence ran
  expect(details.numRuns, 'sequences run').toBe(RUNS);
});
