// The training API of the wasm build, in Node, on synthetic IDX data made here: data is
// validated, the recipe crosses field by field (ids, types and ranges from the generated
// contract) and out-of-range values are refused with the field's name, training runs in
// bounded calls and lowers the loss, evaluation counts, a model saves and loads back
// bit-exactly, damaged models are refused without touching the weights, a run keeping a weight
// average resumes exactly and predicts with the average, and a 64-bit seed reaches the core whole.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadWasm, stopThreads } from '../../scripts/load-wasm.mjs';
import { CONFIG_FIELDS, PROGRESS_FIELDS, EVAL_FIELDS, LIMITS } from '../../web/generated/contract.js';

let M;
after(() => stopThreads(M));

function idxImages(n, fill) {
  const b = new Uint8Array(16 + n * 784), v = new DataView(b.buffer);
  v.setUint32(0, 0x803); v.setUint32(4, n); v.setUint32(8, 28); v.setUint32(12, 28);
  for (let i = 0; i < n; i++) fill(b.subarray(16 + i * 784, 16 + (i + 1) * 784), i);
  return b;
}
function idxLabels(n, label) {
  const b = new Uint8Array(8 + n), v = new DataView(b.buffer);
  v.setUint32(0, 0x801); v.setUint32(4, n);
  for (let i = 0; i < n; i++) b[8 + i] = label(i);
  return b;
}
// two easy classes: a vertical bar (label 1) or a horizontal bar (label 7), at random offsets
const make = (n, seed) => {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) / 16777216;
  const labels = Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 7));
  const images = idxImages(n, (px, i) => {
    const o = 8 + Math.floor(rnd() * 12);
    for (let a = 4; a < 24; a++) for (let w = 0; w < 3; w++) px[labels[i] === 1 ? a * 28 + o + w : (o + w) * 28 + a] = 255;
  });
  return [images, idxLabels(n, (i) => labels[i])];
};

function give(which, bytes) {
  const p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  return M._api_set_data(which, p, bytes.length);
}
const err = () => M.UTF8ToString(M._api_error());
const fieldId = (name) => CONFIG_FIELDS.find((f) => f.name === name).id;
function setRecipe(values) {
  M._api_config_reset();
  for (const [name, v] of Object.entries(values)) assert.equal(M._api_config_set(fieldId(name), v), 0, err());
}
function progress() {
  const p = M._api_malloc(8 * PROGRESS_FIELDS.length);
  M._api_progress(p);
  const v = new Float64Array(M.HEAPF64.buffer, p, PROGRESS_FIELDS.length).slice();
  M._api_free(p);
  return Object.fromEntries(PROGRESS_FIELDS.map((n, i) => [n, v[i]]));
}
function classify() {
  const img = M._api_malloc(784 * 4), probs = M._api_malloc(40);
  const a = new Float32Array(M.HEAPF32.buffer, img, 784);
  a.fill(0);
  for (let y = 4; y < 24; y++) a[y * 28 + 13] = a[y * 28 + 14] = 1;
  M._api_classify28(img, probs);
  const out = new Float32Array(M.HEAPF32.buffer, probs, 10).slice();
  M._api_free(img); M._api_free(probs);
  return out;
}

test('train, evaluate, save and load through the wasm API', async () => {
  M = await loadWasm('mt');
  assert.equal(M._api_create(2, 1, 0), 0);
  assert.equal(M._api_param_count(), 15122);
  const [trainX, trainY] = make(512, 1), [testX, testY] = make(200, 2);
  const bad = trainY.slice(); bad[3] = 0x03;
  assert.notEqual(give(1, bad), 0);
  assert.match(err(), /label/);
  assert.equal(give(0, trainX), 0, err());
  assert.equal(give(1, trainY), 0, err());
  assert.equal(give(2, testX), 0, err());
  assert.equal(give(3, testY), 0, err());
  // out of range, or not of the field's type: refused by the core with the field's name
  M._api_config_reset();
  assert.notEqual(M._api_config_set(fieldId('batch'), 0), 0);
  assert.match(err(), /batch 0 is outside 1\.\.4096/);
  assert.notEqual(M._api_config_set(fieldId('epochs'), 2.5), 0);
  assert.match(err(), /epochs/);
  assert.notEqual(M._api_config_set(fieldId('dropout'), NaN), 0);
  assert.notEqual(M._api_config_set(CONFIG_FIELDS.length, 1), 0, 'an id past the table');
  // a batch the app's network was not created for: refused when the trainer is made
  assert.equal(M._api_config_set(fieldId('batch'), LIMITS.MAX_BATCH + 1), 0);
  assert.notEqual(M._api_configure(), 0);
  assert.match(err(), /larger than the 256/);
  setRecipe({ epochs: 3, batch: 32, lr: 0.05, optimizer: 0, augment: 0, seed: 7 });
  assert.equal(M._api_configure(), 0, err());
  const losses = [];
  let steps = 0;
  for (let i = 0; i < 100 && steps < 48; i++) {
    const n = M._api_train_steps(5);
    assert.ok(n >= 0 && n <= 5, 'a call runs at most the steps asked for');
    steps += n;
    losses.push(progress().loss);
  }
  assert.equal(steps, 48, '3 epochs of 16 steps');
  assert.ok(losses.at(-1) < 0.5 * losses[0], `loss fell: ${losses[0]} -> ${losses.at(-1)}`);
  M._api_eval_reset();
  assert.equal(M._api_eval(0, 200), 200);
  const nEval = EVAL_FIELDS.length + LIMITS.CLASSES ** 2, r = M._api_malloc(8 * nEval);
  M._api_eval_result(r);
  const res = new Float64Array(M.HEAPF64.buffer, r, nEval).slice();
  const ev = Object.fromEntries(EVAL_FIELDS.map((n, i) => [n, res[i]]));
  assert.equal(ev.count, 200);
  assert.ok(ev.correct >= 190, `test accuracy on the easy set: ${ev.correct} / 200`);
  assert.equal(ev.misclassified, 200 - ev.correct, 'every misread image is listed (fewer than the gallery limit)');
  assert.equal(res.slice(EVAL_FIELDS.length).reduce((a, b) => a + b, 0), 200, 'confusion matrix counts every image');

  const before = classify();
  const n = M._api_save(1);
  const saved = M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n);
  const load = (bytes) => { const p = M._api_malloc(bytes.length); M.HEAPU8.set(bytes, p); const rc = M._api_load(p, bytes.length, 0); M._api_free(p); return rc; };
  M._api_init_params(99, 0);
  assert.notDeepEqual(classify(), before);
  const corrupt = saved.slice(); corrupt[100] ^= 1;
  const untouched = classify();
  assert.notEqual(load(corrupt), 0);
  assert.match(err(), /CRC32/);
  assert.deepEqual(classify(), untouched, 'a refused file leaves the weights alone');
  assert.notEqual(load(saved.slice(0, n - 10)), 0);
  assert.equal(load(saved), 0, err());
  assert.deepEqual(classify(), before, 'save -> load gives identical predictions');
});

// The weight average (recipe fields ema, ema_start) in the wasm build: a run saved with its
// training state mid-way and resumed ends exactly where the uninterrupted run ends, model and
// predictions alike; the pad reads the average; weights loaded from outside mid-run are what
// the run goes on from.
test('with a weight average, a saved run resumes exactly and predictions use the average', async () => {
  setRecipe({ epochs: 2, batch: 32, lr: 0.05, optimizer: 0, augment: 1, seed: 5, ema: 0.9, ema_start: 0.25, augment_ease: 0.5 });
  M._api_init_params(5, 0);
  assert.equal(M._api_configure(), 0, err());
  const runTo = (step) => { while (progress().step < step) assert.ok(M._api_train_steps(step - progress().step) > 0, err()); };
  const save = () => { const n = M._api_save(1); return M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n); };
  const loadRun = (bytes) => { const p = M._api_malloc(bytes.length); M.HEAPU8.set(bytes, p); const rc = M._api_load(p, bytes.length, 1); M._api_free(p); return rc; };
  runTo(20);
  const mid = save(), midPrediction = classify();
  runTo(32);
  const end = classify(), endFile = save();
  // the file's weights are the average: loaded alone, they read the drawing as the finished run does
  const p = M._api_malloc(endFile.length); M.HEAPU8.set(endFile, p);
  M._api_init_params(77, 0);
  assert.equal(M._api_load(p, endFile.length, 0), 0, err()); M._api_free(p);
  assert.deepEqual(classify(), end, 'weights-only load of the finished run = the average the run predicts with');
  // resume from step 20 into a freshly configured trainer of another recipe
  setRecipe({ epochs: 2, batch: 32, seed: 1 });
  M._api_init_params(3, 0);
  assert.equal(M._api_configure(), 0, err());
  assert.equal(loadRun(mid), 0, err());
  assert.equal(progress().step, 20);
  assert.deepEqual(classify(), midPrediction, 'the resumed run predicts as the saved one did');
  runTo(32);
  assert.deepEqual(classify(), end, 'resumed at step 20, the run ends exactly where the uninterrupted one did');
  // weights loaded from outside into a run with an average begun: the run goes on from them
  M._api_init_params(9, 0);
  const fresh = classify();
  setRecipe({ epochs: 2, batch: 32, lr: 0.05, optimizer: 0, augment: 0, seed: 5, ema: 0.9 });
  assert.equal(M._api_configure(), 0, err());
  assert.equal(loadRun(mid), 0, err());
  const q = M._api_malloc(endFile.length); M.HEAPU8.set(endFile, q);
  assert.equal(M._api_load(q, endFile.length, 0), 0, err()); M._api_free(q);
  assert.deepEqual(classify(), end, 'the loaded weights are the model');
  // ... and the weights being trained (optim.weights: parameters, then running statistics)
  const t = tensors(save());
  const model = [...Object.entries(t).filter(([n]) => !n.startsWith('optim.') && !n.includes('running')),
    ...Object.entries(t).filter(([n]) => n.includes('running'))].flatMap(([, v]) => [...v]);
  assert.deepEqual([...t['optim.weights']], model, 'the run goes on from the loaded weights');
  assert.equal(M._api_train_steps(1), 1, err());
  assert.notDeepEqual(classify(), fresh);
});

// name -> Float32Array of a model file's tensors (docs/model-format.md)
function tensors(b) {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength), u32 = (o) => v.getUint32(o, true);
  let pos = 64 + (u32(8) >= 5 ? 24 : u32(8) >= 4 ? 20 : 12) * u32(60);   // 20 bytes a layer from version 4, 24 from 5
  if (u32(12) & 1) pos += 4 + 8 * u32(pos);
  const out = {}, count = u32(pos);
  pos += 4;
  for (let i = 0; i < count; i++) {
    const len = u32(pos), name = new TextDecoder().decode(b.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
    const rank = u32(pos);
    let n = 1;
    for (let d = 0; d < rank; d++) n *= u32(pos + 4 + 4 * d);
    pos += 4 + 4 * rank;
    out[name] = new Float32Array(b.slice(pos, pos + 4 * n).buffer);
    pos += 4 * n;
  }
  return out;
}

test('a 64-bit seed reaches the core whole', async () => {
  const S = await loadWasm('st');
  try {
    assert.equal(S._api_create(1, 1, 0), 0);
    const probs = () => {
      const img = S._api_malloc(784 * 4), pr = S._api_malloc(40);
      new Float32Array(S.HEAPF32.buffer, img, 784).fill(0.5);
      S._api_classify28(img, pr);
      const out = new Float32Array(S.HEAPF32.buffer, pr, 10).slice();
      S._api_free(img); S._api_free(pr);
      return out;
    };
    // seeds 2^53 and 2^53 + 1 are one number in JavaScript, but two seeds in the core
    S._api_init_params(0, 0x200000); const a = probs();
    S._api_init_params(1, 0x200000); const b = probs();
    S._api_init_params(0, 0x200000); const again = probs();
    assert.notDeepEqual(a, b);
    assert.deepEqual(a, again);
  } finally {
    stopThreads(S);
  }
});

test('the speed benchmark stops on a diverging run instead of counting steps that did not run', async () => {
  const { runWasmBench } = await import('../../web/bench.mjs');
  const B = await loadWasm('st');
  try {
    assert.equal(B._api_create(1, 1, 0), 0);
    assert.throws(() => runWasmBench(B, { threads: 1, batch: 16, reps: 10, steps: 10, lr: 1e4 }), /diverged/);
  } finally {
    stopThreads(B);
  }
});

// Images and labels that disagree in count are refused when the second arrives (a limit could
// otherwise make training read labels past the end), and an evaluation range past the test set,
// near INT_MAX, is refused with the reason instead of overflowing.
test('mismatched image and label counts and out-of-range evaluations are refused with the reason', async () => {
  const D = await loadWasm('st');
  const error = () => D.UTF8ToString(D._api_error());
  const put = (which, bytes) => { const p = D._api_malloc(bytes.length); D.HEAPU8.set(bytes, p); return D._api_set_data(which, p, bytes.length); };
  try {
    assert.equal(D._api_create(1, 1, 0), 0);
    const [images100] = make(100, 3), [, labels10] = make(10, 4);
    assert.equal(put(0, images100), 0, error());
    assert.notEqual(put(1, labels10), 0, 'ten labels for a hundred images');
    assert.match(error(), /training labels: 10 items, but the training images loaded hold 100/);
    assert.notEqual(D._api_limit_train(100), 0, 'no labels were kept: nothing to limit');
    assert.notEqual(D._api_configure(), 0);
    assert.match(error(), /no training data/);
    const [, labels100] = make(100, 5);
    assert.equal(put(1, labels100), 0, error());
    assert.equal(D._api_limit_train(60000), 0, 'a limit beyond the set takes the whole set');
    assert.equal(D._api_configure(), 0, error());
    assert.ok(D._api_train_steps(2) > 0, error());
    const [tx, ty] = make(50, 6);
    assert.equal(put(2, tx), 0, error());
    assert.equal(put(3, ty), 0, error());
    D._api_eval_reset();
    assert.equal(D._api_eval(1, 2147483647), -1, 'a range near INT_MAX');
    assert.match(error(), /evaluation range: 2147483647 images from image 1, but the test set has 50/);
    assert.equal(D._api_eval(2147483647, 1), -1);
    assert.equal(D._api_eval(0, 50), 50, error());
  } finally {
    stopThreads(D);
  }
});

// The thread-scaling benchmark's profile (test builds): with 2 threads every parallel region of
// a training step is handed to the worker, which runs at least its own task in each (the pool
// reserves task 1 for thread 1), and the counts per step are whole.
test('the pool profile of a 2-thread training step counts its parallel regions and both threads\' work', async () => {
  const { runWasmBench } = await import('../../web/bench.mjs');
  const T = await loadWasm('mt-test');
  try {
    assert.equal(T._api_create(2, 1, 0), 0);
    // batch 32: the benchmark evaluates 8 batches in slices of 256
    const r = runWasmBench(T, { threads: 2, batch: 32, reps: 1, steps: 2 });
    const p = r.profile_per_step;
    assert.equal(r.threads, 2);
    assert.equal(p.runs, 24, 'the reference net trains in 24 parallel regions a step');
    assert.equal(p.inline_runs, 0);
    assert.ok(p.tasks_workers >= p.runs, `the worker ran a task in every region (${p.tasks_workers} tasks in ${p.runs} regions)`);
    assert.ok(p.worker_work_ms > 0 && p.caller_work_ms > 0 && p.serial_ms >= 0 && p.in_run_ms <= p.wall_ms, JSON.stringify(p));
  } finally {
    stopThreads(T);
  }
});
