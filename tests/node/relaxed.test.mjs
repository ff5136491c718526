// The relaxed-SIMD build (mnist-mt-relaxed: the GEMM's multiply-add is f32x4.relaxed_madd,
// written in by scripts/relax-wasm.mjs after Emscripten's link): it holds the standard opcode
// and no prototype one, picks the relaxed GEMM, its kernel check and operator table pass inside
// it (the relaxed GEMM within the FMA bound of the scalar reference, the plain SIMD GEMM still to
// the bit), threads stay bit-identical, and a short run on synthetic data ends near the plain
// build's (rounding only). Node 20's V8 has relaxed SIMD behind a flag, set before any compile.
import v8 from 'node:v8';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadWasm, stopThreads, wasmDir } from '../../scripts/load-wasm.mjs';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const modules = [];
after(() => modules.forEach(stopThreads));
const load = async (variant) => { const M = await loadWasm(variant); modules.push(M); return M; };

// a module whose one function is f32x4.relaxed_madd: what the app's worker validates to choose
const PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

test('the relaxed module holds the standard relaxed_madd and validates; the plain ones hold none', () => {
  assert.ok(WebAssembly.validate(PROBE), 'this V8 validates relaxed SIMD');
  const count = (bytes, a, b, c) => { let n = 0; for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === a && bytes[i + 1] === b && bytes[i + 2] === c) n++; return n; };
  const relaxed = readFileSync(path.join(wasmDir, 'mnist-mt-relaxed.wasm'));
  assert.ok(count(relaxed, 0xfd, 0x85, 0x02) >= 15, 'the 15 multiply-adds of the GEMM tiles are relaxed_madd');
  assert.equal(count(relaxed, 0xfd, 0xaf, 0x01), 0, 'no prototype opcode is left');
  assert.ok(WebAssembly.validate(relaxed));
  for (const plain of ['mnist-mt.wasm', 'mnist-st.wasm'])
    assert.equal(count(readFileSync(path.join(wasmDir, plain)), 0xfd, 0x85, 0x02), 0, `${plain} must load where relaxed SIMD does not`);
});

test('inside the relaxed build: its GEMM is chosen, kernels and the operator table pass', async () => {
  const M = await load('mt-relaxed-test');
  assert.equal(M.UTF8ToString(M._api_gemm_variant()), 'wasmrelaxed');
  for (const [which, what] of [[3, 'gemm wasmrelaxed (FMA bound)'], [0, 'gemm wasmsimd (to the bit)'], [1, 'eltwise'], [2, 'winograd']])
    assert.equal(M._api_check_kernels(which), 0, `${what}: ${M.UTF8ToString(M._api_check_report())}`);
  assert.equal(M._api_check_ops(), 0, `op table: ${M.UTF8ToString(M._api_check_report())}`);
});

// 24 steps on synthetic digits through the API; the losses per step
async function run(variant, threads) {
  const M = await load(variant);
  const n = 512, images = new Uint8Array(16 + n * 784), labels = new Uint8Array(8 + n);
  const iv = new DataView(images.buffer), lv = new DataView(labels.buffer);
  iv.setUint32(0, 0x803); iv.setUint32(4, n); iv.setUint32(8, 28); iv.setUint32(12, 28);
  lv.setUint32(0, 0x801); lv.setUint32(4, n);
  for (let i = 0; i < n; i++) {
    const d = i % 10;
    labels[8 + i] = d;
    for (let y = 4; y < 24; y++) for (let x = 4; x < 24; x++) if ((x + y * d) % 11 < 3 + (d % 4)) images[16 + i * 784 + y * 28 + x] = 200 + ((i * 7 + x) % 55);
  }
  for (const [slot, bytes] of [[0, images], [1, labels], [2, images], [3, labels]]) {
    const p = M._api_malloc(bytes.length);
    M.HEAPU8.set(bytes, p);
    assert.equal(M._api_set_data(slot, p, bytes.length), 0, M.UTF8ToString(M._api_error()));
  }
  assert.equal(M._api_create(threads, 7, 0), 0);
  M._api_config_reset();
  assert.equal(M._api_configure(), 0, M.UTF8ToString(M._api_error()));
  M._api_init_params(7, 0);
  const out = M._api_malloc(8 * 16), losses = [];
  for (let s = 0; s < 24; s++) {
    assert.equal(M._api_train_steps(1), 1, M.UTF8ToString(M._api_error()));
    M._api_progress(out);
    losses.push(M.HEAPF64[(out >> 3) + 4]);
  }
  return losses;
}

test('threads bit-identical within the relaxed build; the run differs from the plain build by '
  + 'rounding only', async () => {
  const one = await run('mt-relaxed', 1), two = await run('mt-relaxed', 2), plain = await run('mt', 2);
  assert.deepEqual(two, one, '1 and 2 threads give the same bits');
  assert.notDeepEqual(one, plain, 'the relaxed build rounds differently (were its multiply-adds fused?)');
  // the first steps agree closely; then, as in any two roundings of one run, the runs drift apart
  for (let s = 0; s < 5; s++) assert.ok(Math.abs(one[s] - plain[s]) < 1e-4 * plain[s], `step ${s}: ${one[s]} vs ${plain[s]}`);
  assert.ok(Math.abs(one.at(-1) - plain.at(-1)) < 0.1 * plain.at(-1), `last step: ${one.at(-1)} vs ${plain.at(-1)}`);
  assert.ok(one.at(-1) < one[0], 'it learns');
});
