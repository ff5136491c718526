// The PyTorch comparison (tests/torch/compare.py) of the wasm build's arithmetic: torch_dump
// compiled to wasm with SIMD128 (build/wasm/wasm/torch-dump.js, single-threaded, Winograd over
// the 4-wide GEMM where it runs) on the reference net and the 24 random designs of
// tests/data/designs.txt. As in the native Winograd run, seed 11's 3-step rows of the reference
// net are printed, not judged: they hold only with the native FMA rounding order (compare.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from '../../scripts/load-wasm.mjs';

test('the wasm build matches PyTorch on the reference net and the random designs', () => {
  const dump = path.join(root, 'build', 'wasm', 'wasm', 'torch-dump.js');
  const run = spawnSync('/usr/bin/python3', [path.join(root, 'tests', 'torch', 'compare.py'), `node:${dump}`,
    '--designs', path.join(root, 'tests', 'data', 'designs.txt'), '--rounding-sensitive', '11'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = run.stdout.trim().split('\n').pop();
  const failed = run.stdout.split('\n').filter((l) => l.includes('FAIL'));
  assert.equal(run.status, 0, `${summary}\n${failed.join('\n')}\n${run.stderr}`);
  assert.match(summary, /25 design\(s\), 51 cases, \d+ tensors, \d+ judged, \d+ held to PyTorch float32's own error instead of 1e-4, 0 over tolerance/);
  console.log(`# ${summary}`);
});
