// The npm package's surface: the TypeScript declarations (lib/index.d.ts) name exactly the
// methods and exports web/trainer.js has; recipes are checked by field name against the
// contract; the package holds what a page needs and nothing of the test builds' hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/load-wasm.mjs';
import * as lib from '../../web/trainer.js';

const dts = readFileSync(path.join(root, 'lib/index.d.ts'), 'utf8');

test('the declarations name every method of Trainer and every export, and nothing else', () => {
  const body = dts.split('export class Trainer {')[1].split('\n}\n')[0];
  const declared = new Set([...body.matchAll(/^\s{2}(?:readonly\s+)?(\w+)[(?:<]/gm)].map((m) => m[1]).filter((n) => n !== 'constructor'));
  const actual = new Set([...Object.getOwnPropertyNames(lib.Trainer.prototype).filter((n) => n !== 'constructor'), 'base', 'caps']);
  assert.deepEqual([...declared].sort(), [...actual].sort());
  const exports = new Set([...dts.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]));
  assert.deepEqual([...exports].sort(), Object.keys(lib).sort());
});

test('the Recipe type and checkRecipe know the contract\'s fields', () => {
  for (const name of lib.RECIPE_FIELD_NAMES) assert.match(dts, new RegExp(`\\b${name}\\?:`), `Recipe lacks ${name}`);
  assert.throws(() => lib.checkRecipe({ learningRate: 0.1 }), /"learningRate" is not a recipe field/);
  assert.throws(() => lib.checkRecipe({ epochs: 0 }), /epochs must be a whole number from 1/);
  assert.throws(() => lib.checkRecipe({ optimizer: 'rmsprop' }), /optimizer must be one of sgd, adam/);
  assert.throws(() => lib.checkRecipe({ seed: -1 }), /seed must be a whole number/);
  assert.deepEqual(lib.checkRecipe({ epochs: 2, optimizer: 'adam', seed: '18446744073709551615', augment: false }), { epochs: 2, optimizer: 'adam', seed: '18446744073709551615', augment: false });
  assert.equal(lib.DEFAULT_CONFIG.optimizer, 'sgd', 'a choice default is given by name, as a recipe gives it');
});

test('npm pack: the package holds the API, the worker, both wasm builds and the model; no test hooks left', () => {
  const tgz = execFileSync('node', ['scripts/build-lib.mjs'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  const files = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
  for (const f of ['index.js', 'index.d.ts', 'trainer.js', 'worker.js', 'package.json', 'assets/wasm/mnist-mt.wasm', 'assets/wasm/mnist-mt-relaxed.wasm', 'assets/wasm/mnist-st.wasm', 'assets/models/reference.bin'])
    assert.ok(files.includes(`package/${f}`), `${f} is missing from the package`);
  const worker = execFileSync('tar', ['xzOf', tgz, 'package/worker/loading.js'], { encoding: 'utf8' });
  assert.doesNotMatch(worker, /__TEST_HOOKS__|__BUILD_ID__/);
  const pkg = JSON.parse(execFileSync('tar', ['xzOf', tgz, 'package/package.json'], { encoding: 'utf8' }));
  assert.equal(pkg.types, './index.d.ts');
  assert.equal(pkg.type, 'module');
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'the package installs without fetching anything');
});
