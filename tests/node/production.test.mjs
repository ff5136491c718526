// The production build (`vite build` without MNIST_TEST_HOOKS, as `npm run build` makes it)
// carries no test hooks: no window.mnistApp, no armed trap, no in-page benchmark, no wasm
// module with test exports. Built into a temporary folder and searched byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../../scripts/load-wasm.mjs';

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('a production build has no test hooks, and still has the app', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'mnist-dist-'));
  try {
    const env = { ...process.env };
    delete env.MNIST_TEST_HOOKS;
    execFileSync('npx', ['vite', 'build', '--config', 'vite.config.mjs', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'],
      { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const all = files(out).filter((f) => !f.includes(`${path.sep}data${path.sep}`));   // MNIST itself is not code
    const code = all.filter((f) => /\.(js|mjs|html|wasm)$/.test(f));
    assert.ok(code.some((f) => f.endsWith('mnist-mt.wasm')) && code.some((f) => f.endsWith('mnist-st.wasm')), 'the app\'s wasm modules are there');
    const text = Buffer.concat(code.map((f) => readFileSync(f)));
    assert.ok(text.includes('api_config_set'), 'the build holds the app\'s code (the search would pass '
      + 'vacuously otherwise)');
    for (const hook of ['mnistApp', 'debug-trap', 'bench-result', 'api_debug_trap_at', 'api_check_kernels', 'api_check_ops', 'api_peak_gflops',
      'wasm-test', '__TEST_HOOKS__', '__mnistWorker', 'api_heap_used', 'startupLimit', 'noSimd', 'testNoSimd', 'testStall', 'noRelaxed'])
      assert.ok(!text.includes(hook), `"${hook}" is in the production build`);
    // a link's ?data= must not choose where the app's MNIST comes from (the tests' damaged files only)
    const js = text.toString('latin1');
    assert.ok(!/\.(get|has)\(\s*["'`]data["'`]\s*\)/.test(js), 'the production build reads ?data= from the page\'s URL');
    assert.ok(!all.some((f) => f.includes('-test.')), 'a test module was copied into the build');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
