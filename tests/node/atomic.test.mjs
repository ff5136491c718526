// Refusals that change nothing, in the wasm build in Node (issue 31):
// - a design whose memory plan is above the limit (c16k3 m2 c16k3 m2 c256k3 c400k3 gap fc10, ~600
//   MB of a 384 MB heap) is refused by api_describe and api_set_design with the parts;
// - a design switch that fails for memory (the heap filled here) leaves the design, the weights,
//   the run and the data as they were, and a later reset (api_create with no design asked for)
//   makes the design in use, not the refused one;
// - a design switch never has two thread pools holding pthreads (the pthreads come from a fixed
//   set): the process's thread count stays the same over switches by api_create, by a file of
//   another design and a pipeline probe with another thread count;
// - new training files during a fine-tune are refused (the session reads them), nothing changes;
// - an unknown export format is refused with the reason (it was written as safetensors).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadWasm, stopThreads } from '../../scripts/load-wasm.mjs';
import { LIMITS } from '../../web/generated/contract.js';

const modules = [];
after(() => modules.forEach(stopThreads));

function idxImages(n, seed) {
  const b = new Uint8Array(16 + n * 784), v = new DataView(b.buffer);
  v.setUint32(0, 0x803); v.setUint32(4, n); v.setUint32(8, 28); v.setUint32(12, 28);
  let s = seed;
  for (let i = 16; i < b.length; i++) b[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
}
function idxLabels(n) {
  const b = new Uint8Array(8 + n), v = new DataView(b.buffer);
  v.setUint32(0, 0x801); v.setUint32(4, n);
  for (let i = 0; i < n; i++) b[8 + i] = i % 10;
  return b;
}

function api(M) {
  const err = () => M.UTF8ToString(M._api_error());
  const copyIn = (bytes) => { const p = M._api_malloc(bytes.length + 1); M.HEAPU8.set(bytes, p); return p; };
  const text = (s, fn) => { const p = copyIn(new TextEncoder().encode(`${s}\0`)); try { return fn(p); } finally { M._api_free(p); } };
  return {
    err,
    give: (which, bytes) => M._api_set_data(which, copyIn(bytes), bytes.length),   // C takes the buffer
    setDesign: (s) => text(s, (p) => M._api_set_design(p)),
    describe: (s) => text(s, (p) => M._api_describe(p)),
    design: () => M.UTF8ToString(M._api_design()),
    save: (withRun) => { const n = M._api_save(withRun); return M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n); },
    load: (bytes, withRun) => { const p = copyIn(bytes); try { return M._api_load(p, bytes.length, withRun); } finally { M._api_free(p); } },
    progress: () => {
      const p = M._api_malloc(64);
      M._api_progress(p);
      const v = Array.from(new Float64Array(M.HEAPF64.buffer, p, 8));
      M._api_free(p);
      return v;
    },
  };
}

test('a design over the memory plan is refused by describe and set_design, with the parts', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  const a = api(M);
  const big = 'c16k3 m2 c16k3 m2 c256k3 c400k3 gap fc10';
  assert.equal(a.describe(big), 0, 'described');
  assert.match(a.err(), /needs \d+ MB at a batch of 256, more than the limit of 150 MB \(.*per-chunk weight gradients/);
  assert.equal(a.setDesign(big), 1, 'set');
  assert.match(a.err(), /more than the limit of 150 MB/);
  assert.notEqual(a.describe('no-transitions'), 0, `the largest named design: ${a.err()}`);
});

test('a design switch refused for memory changes nothing; a later reset makes the design in use', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  const a = api(M);
  assert.equal(a.give(0, idxImages(512, 1)), 0, a.err());
  assert.equal(a.give(1, idxLabels(512)), 0, a.err());
  assert.equal(M._api_create(1, 7, 0), 0, a.err());
  M._api_config_reset();
  assert.equal(M._api_config_set(1, 64), 0, a.err());               // batch 64
  assert.equal(M._api_configure(), 0, a.err());
  assert.equal(M._api_train_steps(2), 2);
  const design = a.design(), weights = a.save(1), step = a.progress()[0];
  // fill the heap, then give back less than the new design needs
  const hog = [];
  for (let p; (p = M._api_malloc(8 << 20)) !== 0;) hog.push(p);
  for (let i = 0; i < 6; i++) M._api_free(hog.pop());               // 48 MB free: the reference net needs ~114
  assert.equal(a.setDesign('no-transitions'), 0, a.err());
  assert.equal(M._api_create(1, 9, 0), 1, 'made with the heap full');
  assert.match(a.err(), /MB|memory/);
  assert.equal(a.design(), design, 'the design in use');
  assert.deepEqual(a.save(1), weights, 'the weights and the run, byte for byte');
  assert.equal(a.progress()[0], step, 'the run\'s step');
  assert.equal(M._api_data_count(0), 512, 'the data');
  hog.forEach((p) => M._api_free(p));
  assert.equal(M._api_train_steps(1), 1, `the run goes on: ${a.err()}`);
  // a reset: the design in use, with fresh weights; the refused design is not remembered
  assert.equal(M._api_create(1, 7, 0), 0, a.err());
  assert.equal(a.design(), design, 'a reset after a refused switch makes the design in use');
  assert.equal(M._api_param_count(), 15122);
});

const threadCount = () => readdirSync('/proc/self/task').length;

test('a design switch never holds two pools of pthreads', async () => {
  const M = await loadWasm('mt');
  modules.push(M);
  const a = api(M);
  // as many threads as the module's pthread pool holds (wasm/CMakeLists.txt PTHREAD_POOL_SIZE)
  const pool = Math.min(Math.max(globalThis.navigator?.hardwareConcurrency || 4, 2), LIMITS.MAX_THREADS);
  assert.equal(M._api_create(pool, 1, 0), 0, a.err());
  assert.equal(M._api_threads(), pool);
  const reference = a.save(0), before = threadCount();
  assert.equal(a.setDesign('small'), 0, a.err());
  assert.equal(M._api_create(pool, 2, 0), 0, a.err());
  assert.equal(threadCount(), before, 'threads after a switch by api_create');
  assert.equal(M._api_threads(), pool);
  assert.equal(a.load(reference, 0), 0, a.err());                  // a file of another design
  assert.equal(a.design(), 'c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10');
  assert.equal(threadCount(), before, 'threads after a switch by a file');
  assert.equal(M._api_create(pool, 3, 0), 0, a.err());              // a reset
  assert.equal(threadCount(), before, 'threads after a reset');
  const n = 4099, x = M._api_malloc(4 * n), y = M._api_malloc(4 * n), ids = M._api_malloc(64), count = M._api_malloc(4);
  M._api_probe_dot_mt(x, y, n, 2, 8, ids, count);                 // a pool of another size beside the network's
  assert.equal(threadCount(), before, 'threads after a probe with another thread count');
  assert.equal(M._api_threads(), pool, 'the network keeps its threads');
  [x, y, ids, count].forEach((p) => M._api_free(p));
  const img = M._api_malloc(784 * 4), probs = M._api_malloc(40);
  assert.equal(M._api_classify28(img, probs), 0, 'the network runs on its pool');
  M._api_free(img); M._api_free(probs);
});

test('new training files during a fine-tune are refused, and nothing changes', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  const a = api(M);
  assert.equal(a.give(0, idxImages(300, 3)), 0, a.err());
  assert.equal(a.give(1, idxLabels(300)), 0, a.err());
  assert.equal(M._api_create(1, 1, 0), 0, a.err());
  const n = 30, labels = Uint8Array.from({ length: n }, (_, i) => i % 10), pixels = idxImages(n, 5).subarray(16);
  const l = M._api_malloc(n), p = M._api_malloc(n * 784);
  M.HEAPU8.set(labels, l); M.HEAPU8.set(pixels, p);
  assert.equal(M._api_teach_digits(l, p, n), 0, a.err());
  M._api_free(l); M._api_free(p);
  M._api_teach_config_reset();
  assert.equal(M._api_teach_set(0, 4), 0, a.err());                // steps
  assert.equal(M._api_teach_begin(), 0, a.err());
  assert.equal(M._api_teach_steps(1), 1, a.err());
  assert.equal(a.give(0, idxImages(200, 4)), 1, 'training images during a fine-tune');
  assert.match(a.err(), /fine-tune/);
  assert.equal(a.give(1, idxLabels(200)), 1, 'training labels during a fine-tune');
  assert.equal(M._api_data_count(0), 300, 'the images the session reads');
  assert.ok(M._api_teach_steps(10) > 0, a.err());
  assert.equal(a.give(2, idxImages(100, 6)), 0, `test images (the session does not read them): ${a.err()}`);
  M._api_teach_end(0);
  assert.equal(a.give(0, idxImages(300, 4)), 0, `after the fine-tune: ${a.err()}`);
});

test('an unknown export format is refused with the reason', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  const a = api(M);
  assert.equal(M._api_create(1, 1, 0), 0, a.err());
  assert.equal(M._api_export(7), 0, 'export format 7');
  assert.match(a.err(), /export format 7/);
  assert.ok(M._api_export(1) > 0, a.err());
});

test('a data set of another size replaces the one in use at once; a set refused by the core leaves it', async () => {
  const M = await loadWasm('st');
  modules.push(M);
  const a = api(M), copyIn = (bytes) => { const p = M._api_malloc(bytes.length + 1); M.HEAPU8.set(bytes, p); return p; };
  const all = (files) => M._api_set_data_all(...files.flatMap((b) => [copyIn(b), b.length]));   // C takes all four
  const counts = () => [0, 1, 2, 3].map((i) => M._api_data_count(i));
  assert.equal(all([idxImages(64, 1), idxLabels(64), idxImages(32, 2), idxLabels(32)]), 0, a.err());
  assert.deepEqual(counts(), [64, 64, 32, 32]);
  assert.equal(all([idxImages(100, 3), idxLabels(100), idxImages(50, 4), idxLabels(50)]), 0, a.err());
  assert.deepEqual(counts(), [100, 100, 50, 50], 'another size, both pairs at once');
  const badLabels = idxLabels(20);
  badLabels[8 + 19] = 12;
  assert.equal(all([idxImages(30, 5), idxLabels(30), idxImages(20, 6), badLabels]), 1);
  assert.match(a.err(), /test labels/);
  assert.deepEqual(counts(), [100, 100, 50, 50], 'the last file refused: none of the four replaced the data');
  assert.equal(all([idxImages(30, 5), idxLabels(31), idxImages(20, 6), idxLabels(20)]), 1);
  assert.match(a.err(), /30 training images but 31 training labels; nothing changed/);
  assert.deepEqual(counts(), [100, 100, 50, 50]);
  assert.equal(M._api_create(1, 7, 0), 0, a.err());
  M._api_config_reset();
  assert.equal(M._api_config_set(1, 25), 0, a.err());               // batch 25
  assert.equal(M._api_configure(), 0, a.err());
  assert.equal(M._api_train_steps(4), 4, 'a run trains on the set handed over last');
});
