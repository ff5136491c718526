// Loading and capabilities: what this browser can do, the right wasm build (threaded with
// relaxed SIMD's fused multiply-add, threaded, or single-threaded; the test builds' modules in
// tests), the self-test the page shows, the pretrained model.
import { MSG } from '../protocol.js';
import { LIMITS } from '../generated/contract.js';
import { w, post, errorText, refusal } from './context.js';
import { scoped } from './wasm-memory.js';

// A minimal module using v128 (i8x16.splat ... ), as wasm-feature-detect's SIMD check.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
// A module whose function is f32x4.relaxed_madd of its three v128 parameters (the standard
// opcode 0xfd 0x105): validates where relaxed SIMD ships (Chromium 114+, Firefox 145+), not in
// Safari, which would refuse the relaxed build's module as a whole.
const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]);

function detect() {
  const isolated = self.crossOriginIsolated === true;
  const sab = typeof SharedArrayBuffer !== 'undefined';
  const nested = typeof Worker !== 'undefined';
  const simd = WebAssembly.validate(SIMD_PROBE), relaxed = simd && WebAssembly.validate(RELAXED_PROBE);
  // what a visitor can know and do: a visitor cannot change the host's headers
  let reason = '';
  if (!isolated) {
    reason = 'Training uses one core here: this page is not cross-origin isolated, so the browser withholds the '
      + 'shared memory that '
      + 'WebAssembly threads need. The app\'s service worker makes the page isolated on any host; it could not here '
      + '(a private window, service workers blocked, or a browser without them).';
  } else if (!sab) {
    reason = 'Training uses one core here: this browser has no SharedArrayBuffer (WebKitGTK, for one), which '
      + 'WebAssembly threads need.';
  } else if (!nested) {
    reason = 'Training uses one core here: this browser cannot start workers from inside a worker, which the '
      + 'WebAssembly threads need.';
  }
  return { isolated, sab, nested, simd, relaxed, build: reason ? 'single-threaded' : 'threaded', reason, buildId: __BUILD_ID__,
    cores: self.navigator.hardwareConcurrency || 1 };
}

// The test builds (__TEST_HOOKS__, set by the test and benchmark servers) load the modules with
// the test exports; the app's production build knows nothing of them.
export async function loadModule(variant) {
  const dir = new URL(__TEST_HOOKS__ ? 'wasm-test/' : 'wasm/', w.appBase), name = `mnist-${variant}${__TEST_HOOKS__ ? '-test' : ''}`;
  const { default: create } = await import(/* @vite-ignore */ new URL(`${name}.mjs`, dir).href);
  return create({ locateFile: (f) => new URL(f, dir).href });
}

// The pipeline's proof: SIMD dot product == scalar, and 2 pool threads each did work.
function selfTest() {
  const M = w.M;
  return scoped((mem) => {
    const n = 4099, a = mem.alloc(4 * n), b = mem.alloc(4 * n), ids = mem.alloc(64), nIds = mem.alloc(4);
    const A = mem.f32(a, n), B = mem.f32(b, n);
    for (let i = 0; i < n; i++) { A[i] = ((i * 37) % 101) / 101 - 0.5; B[i] = ((i * 53) % 97) / 97; }
    const simdAgrees = M._api_probe_dot_simd(a, b, n) === M._api_probe_dot_scalar(a, b, n);
    let distinct = 1;
    if (w.caps.build === 'threaded') {
      for (let i = 0; i < 20 && distinct < 2; i++) {
        M._api_probe_dot_mt(a, b, n, 2, 16, ids, nIds);
        distinct = new Set(new Uint32Array(M.HEAPU32.buffer, ids, M.HEAP32[nIds >> 2])).size;
      }
    }
    return { simdAgrees, distinctThreads: distinct };
  });
}

// INIT: the module, its network, READY with the capabilities; then the pretrained model (or the
// link's design). Returns the capabilities once all of it is done; throws when the worker cannot
// start here (the reason in the error). MNIST, when asked for, is the dispatcher's next job.
export async function init(msg) {
  w.appBase = msg.base || new URL('./', self.location.href).href;
  w.dataBase = new URL(msg.dataBase || 'data/', w.appBase).href;
  w.dataSuffix = msg.dataSuffix ?? '.gz.bin';
  w.checkpoints = msg.checkpoints === true;
  const caps = w.caps = detect();
  if (__TEST_HOOKS__ && msg.testNoSimd) caps.simd = false;   // a browser without SIMD, for the start-up test
  // asked for the plain build (the same bits in every engine)
  if (msg.relaxedSimd === false) caps.relaxed = false;
  if (msg.singleThreaded && caps.build === 'threaded') {      // the page's watchdog saw the threaded start-up stall
    caps.build = 'single-threaded';
    caps.reason = 'Training uses one core here: starting the threads stalled twice in this browser, so the app runs '
      + 'without them. Reloading the page may bring them back.';
  }
  if (!caps.simd) throw refusal('refused', 'This browser does not support WebAssembly SIMD, which this app needs. Use '
    + 'a current Chrome, Edge, Firefox or Safari.');
  let M;
  try {
    M = await loadModule(caps.build === 'threaded' ? (caps.relaxed ? 'mt-relaxed' : 'mt') : 'st');
  } catch (e) {
    throw refusal('failed', `Could not load the WebAssembly module: ${e.message}`);
  }
  caps.relaxed = caps.relaxed && caps.build === 'threaded';  // from here: relaxed SIMD in use
  const maxThreads = caps.build === 'threaded' ? Math.min(caps.cores, LIMITS.MAX_THREADS) : 1;
  w.M = M;
  const linked = msg.design ? linkDesign(msg.design) : false;      // a shared link's ?arch=
  if (M._api_create(Math.min(2, maxThreads), 1, 0) !== 0) { const why = errorText(); w.M = null; throw refusal('failed', why); }
  // the default: all reported cores on 1-2, measured beyond (a browser may report more cores than help)
  if (maxThreads > 2) M._api_calibrate_threads(maxThreads);
  caps.maxThreads = maxThreads;
  caps.threads = M._api_threads();
  caps.simdCompiled = M._api_simd() === 1;
  caps.gemm = M.UTF8ToString(M._api_gemm_variant());
  caps.params = M._api_param_count();
  Object.assign(caps, selfTest());
  post(MSG.READY, { caps });
  if (linked) {
    w.modelSource = 'design';
    post(MSG.LOADED, { source: 'link', design: M.UTF8ToString(M._api_design()), params: caps.params });
  } else await loadPretrained(true);
  return caps;
}

// the design of a shared link for the network about to be made; false (and the reason said,
// the reference net made instead) if the core refuses it
function linkDesign(spec) {
  const text = new TextEncoder().encode(`${String(spec).slice(0, 4096)}\0`);
  if (scoped((mem) => w.M._api_set_design(mem.copyIn(text))) === 0) return true;
  post(MSG.ERROR, { where: 'design', code: 'refused', message: `The design in the link was not used: ${errorText()}. The reference net is loaded instead.` });
  return false;
}

// The pretrained model into the network. quiet (start-up): a missing model is said as an event
// and the network stays untrained; else a failure throws with the reason (nothing changed).
// loaded(): what follows the new weights being in, before LOADED is said (a paused run ends).
let pretrainedBytes = null;
export async function loadPretrained(quiet, loaded = () => {}) {
  try {
    if (!pretrainedBytes) {
      const res = await fetch(new URL('models/reference.bin', w.appBase));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      pretrainedBytes = new Uint8Array(await res.arrayBuffer());
    }
    loadModelBytes(pretrainedBytes, false);
  } catch (e) {
    if (!quiet) throw refusal('failed', `Could not load the pretrained model: ${e.message}`);
    post(MSG.ERROR, { where: 'model', code: 'failed', message: `No pretrained model (${e.message}); the network starts untrained.` });
    return;
  }
  loaded();
  w.modelSource = 'pretrained';
  post(MSG.LOADED, { source: 'pretrained', design: w.M.UTF8ToString(w.M._api_design()), params: w.caps.params });
}

// a model file (or safetensors) into the network; throws with the core's reason, weights untouched.
// A file of another design switches the network to that design (the core makes it).
export function loadModelBytes(bytes, withTraining) {
  if (bytes.length > LIMITS.MODEL_MAX_BYTES) throw new Error(`the file is ${(bytes.length / 2 ** 20).toFixed(0)} MB, far larger than a model of this app`);
  const rc = scoped((mem) => w.M._api_load(mem.copyIn(bytes), bytes.length, withTraining ? 1 : 0));
  if (rc !== 0) throw new Error(errorText());
  w.caps.params = w.M._api_param_count();
}
