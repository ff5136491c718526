// The build path: the wasm builds (threaded and single-threaded) load in Node, their SIMD and
// 2-thread functions agree with the native build's, and the threads are really distinct.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadWasm, stopThreads, root } from '../../scripts/load-wasm.mjs';

const nativeDir = process.env.NATIVE_TEST_DIR || path.join(root, 'build', 'native', 'tests');
const N = 100003;
const modules = [];
after(() => modules.forEach(stopThreads));

function fill(M) {
  const a = M._api_malloc(4 * N), b = M._api_malloc(4 * N);
  const A = new Float32Array(M.HEAPF32.buffer, a, N), B = new Float32Array(M.HEAPF32.buffer, b, N);
  for (let i = 0; i < N; i++) { A[i] = Math.fround(((i * 37) % 101) / 101) - 0.5; B[i] = ((i * 53) % 97) / 97; }
  return [a, b];
}

const native = JSON.parse(execFileSync(path.join(nativeDir, 'probe_print'), [String(N)], { encoding: 'utf8' }));

test('threaded wasm build: SIMD and 2 pthreads agree with native', async () => {
  const M = await loadWasm('mt');
  modules.push(M);
  assert.equal(M._api_simd(), 1, 'compiled with SIMD128');
  assert.equal(M._api_threads_compiled(), 1, 'compiled with pthreads');
  const [a, b] = fill(M);
  const scalar = M._api_probe_dot_scalar(a, b, N), simd = M._api_probe_dot_simd(a, b, N);
  assert.equal(simd, scalar, 'SIMD lanes sum like the scalar reference, to the bit');
  assert.equal(Math.fround(native.simd), simd, 'wasm SIMD == native');
  const ids = M._api_malloc(64), nIds = M._api_malloc(4);
  let mt = 0, count = 0;
  for (let tries = 0; tries < 20 && count < 2; tries++) {
    mt = M._api_probe_dot_mt(a, b, N, 2, 64, ids, nIds);
    count = M.HEAP32[nIds >> 2];
  }
  assert.equal(count, 2, 'two threads each ran part of the work');
  const tid = new Uint32Array(M.HEAPU32.buffer, ids, 2);
  assert.notEqual(tid[0], tid[1], 'distinct pthread ids');
  assert.equal(Math.fround(native.mt), mt, 'wasm 2-thread result == native 2-thread result');
});

test('wasm SIMD kernels agree with their scalar references inside the wasm build', async () => {
  const M = await loadWasm('mt-test');
  modules.push(M);
  const gemm = M._api_check_kernels(0);
  assert.equal(gemm, 0, `gemm wasmsimd vs scalar: ${M.UTF8ToString(M._api_check_report())}`);
  const elt = M._api_check_kernels(1);
  assert.equal(elt, 0, `eltwise vec vs scalar: ${M.UTF8ToString(M._api_check_report())}`);
  const wino = M._api_check_kernels(2);
  assert.equal(wino, 0, `winograd vs the direct convolution: ${M.UTF8ToString(M._api_check_report())}`);
});

test('the operator table inside the wasm build: every layer op x conv method x the SIMD and scalar GEMMs x 1 '
  + 'and 3 threads', async () => {
  const M = await loadWasm('mt-test');
  modules.push(M);
  const fails = M._api_check_ops();
  assert.equal(fails, 0, `op table: ${M.UTF8ToString(M._api_check_report())}`);
});

test('the app\'s modules carry no test hooks; the test modules do', async () => {
  const hooks = ['_api_debug_trap_at', '_api_check_kernels', '_api_check_ops', '_api_check_report', '_api_peak_gflops'];
  for (const variant of ['mt', 'st']) {
    const M = await loadWasm(variant), T = await loadWasm(`${variant}-test`);
    modules.push(M, T);
    for (const h of hooks) {
      assert.equal(typeof M[h], 'undefined', `${h} in the app's ${variant} module`);
      assert.equal(typeof T[h], 'function', `${h} missing from the ${variant}-test module`);
    }
  }
});

test('single-threaded fallback build: SIMD on, no threads, same result', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  assert.equal(M._api_simd(), 1);
  assert.equal(M._api_threads_compiled(), 0);
  const [a, b] = fill(M);
  assert.equal(Math.fround(native.simd), M._api_probe_dot_simd(a, b, N));
  const ids = M._api_malloc(64), nIds = M._api_malloc(4);
  const mt = M._api_probe_dot_mt(a, b, N, 2, 64, ids, nIds);
  assert.equal(M.HEAP32[nIds >> 2], 1, 'without pthreads the pool runs inline');
  assert.equal(Math.fround(native.mt), mt);
});
