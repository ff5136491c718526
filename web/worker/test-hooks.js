// Test builds only (__TEST_HOOKS__): a production build replaces __TEST_HOOKS__ with false and
// drops the import of this module with the code that uses it. testHook(msg): the request's
// answer (LATER when replied here), or undefined when msg is not a test message.
import { MSG, TEST_MSG } from '../protocol.js';
import { w, post, busyTraining, LATER } from './context.js';
import { loadModule } from './loading.js';

export async function testHook(msg) {
  switch (msg.type) {
    case TEST_MSG.BENCH: {
      // a separate instance of the module with its own network and synthetic data: the app's
      // network, its data and a run in progress are never touched by a benchmark
      if (busyTraining()) { post(MSG.ERROR, { where: 'bench', code: 'busy', message: 'Pause or stop training before benchmarking.', rid: msg.rid }); return LATER; }
      const { runWasmBench } = await import('../bench.mjs');
      let B = null;
      try {
        // the build in use, or (relaxed: true | false) the threaded build with or without relaxed SIMD
        const relaxed = msg.relaxed ?? w.caps.relaxed;
        const variant = w.caps.build !== 'threaded' ? 'st' : relaxed ? 'mt-relaxed' : 'mt';
        B = await loadModule(variant);
        const threads = Math.min(msg.threads || w.caps.threads, w.caps.maxThreads);
        if (msg.design) {                                  // a design's text form or name (bench/designs.mjs)
          const text = new TextEncoder().encode(`${msg.design}\0`), p = B._api_malloc(text.length);
          B.HEAPU8.set(text, p);
          const rc = B._api_set_design(p);
          B._api_free(p);
          if (rc !== 0) throw new Error(B.UTF8ToString(B._api_error()));
        }
        if (B._api_create(threads, 1, 0) !== 0) throw new Error(B.UTF8ToString(B._api_error()));
        const result = runWasmBench(B, { threads, batch: msg.batch || 128, reps: msg.reps || 7 });
        post(TEST_MSG.BENCH_RESULT, { result: { ...result, build: variant, isolated: w.caps.isolated }, rid: msg.rid });
      } catch (err) {
        post(MSG.ERROR, { where: 'bench', code: 'failed', message: err.message, rid: msg.rid });
      } finally {
        B?.PThread?.terminateAllThreads();
      }
      return LATER;
    }
    case TEST_MSG.DEBUG_TRAP: w.M._api_debug_trap_at({ train: 1, evaluation: 2, prediction: 3 }[msg.where] || 0); return { armed: msg.where };
    case TEST_MSG.DEBUG_FAIL: {          // the core's next save or export writes nothing, as out of memory would
      const M = w.M, name = { save: '_api_save', export: '_api_export' }[msg.what], real = M[name];
      if (!real) throw new Error(`nothing to fail: ${msg.what}`);
      M[name] = () => { M[name] = real; return 0; };
      return { armed: msg.what };
    }
    case TEST_MSG.DEBUG_HOLD:            // 'arm': the next evaluation waits after its first slice until 'release'
      if (msg.action === 'arm') w.evalHold = () => new Promise((resolve) => { w.evalRelease = resolve; });
      else { w.evalRelease?.(); w.evalRelease = null; }
      return { done: msg.action };
    default: return undefined;
  }
}
