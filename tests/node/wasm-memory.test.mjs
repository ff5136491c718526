// The worker's one owner of WebAssembly memory (web/worker/wasm-memory.js) against the real
// module: what a job allocates is freed when the job throws half-way (a refused file, a failed
// copy), so failing a thousand times over, each time after taking 1 MB, never fills the 384 MB;
// and after a trap (the module dropped) nothing is freed into the dead module.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadWasm, stopThreads } from '../../scripts/load-wasm.mjs';
import { w } from '../../web/worker/context.js';
import { scoped } from '../../web/worker/wasm-memory.js';

let M;
after(() => stopThreads(M));

test('a job that throws after allocating leaves nothing allocated', async () => {
  M = await loadWasm('st');
  w.M = M;
  for (let i = 0; i < 1000; i++) {
    assert.throws(() => scoped((mem) => {
      const p = mem.copyIn(new Uint8Array(1 << 20));
      mem.alloc(4096);
      assert.ok(p > 0);
      throw new Error('refused half-way');
    }), /refused half-way/);
  }
  // and memory still has room for a large block
  assert.equal(scoped((mem) => mem.alloc(64 << 20) > 0), true);
});

test('after a trap the dead module is not touched', () => {
  let freed = 0;
  const dead = { _api_malloc: () => 8, _api_free: () => { freed++; }, HEAPU8: new Uint8Array(16) };
  w.M = dead;
  assert.throws(() => scoped((mem) => { mem.alloc(4); w.M = null; throw new WebAssembly.RuntimeError('unreachable'); }), /unreachable/);
  assert.equal(freed, 0);
});
