// Speed of the wasm build through its API, shared by the Node benchmark (bench/speed.mjs) and
// the page's worker in the test builds (a BENCH message; on a separate module instance, so
// the app's network and data are untouched). Needs a test module (peak). Synthetic data (speed does not depend on pixel
// values), training images/s at a batch size (median of `reps` timed slices of `steps` steps
// after a warm-up), inference images/s, single-image latency and the SIMD arithmetic peak.
import { CONFIG_FIELDS } from './generated/contract.js';
export function runWasmBench(M, { threads = 2, batch = 128, reps = 7, steps = 10, lr = 0.05, now = () => performance.now() } = {}) {
  const n = batch * 8;
  const put = (which, bytes) => {
    const p = M._api_malloc(bytes.length);
    M.HEAPU8.set(bytes, p);
    if (M._api_set_data(which, p, bytes.length) !== 0) throw new Error(M.UTF8ToString(M._api_error()));
  };
  const images = new Uint8Array(16 + n * 784), labels = new Uint8Array(8 + n);
  const iv = new DataView(images.buffer), lv = new DataView(labels.buffer);
  iv.setUint32(0, 0x803); iv.setUint32(4, n); iv.setUint32(8, 28); iv.setUint32(12, 28);
  lv.setUint32(0, 0x801); lv.setUint32(4, n);
  let s = 1;
  for (let i = 16; i < images.length; i++) images[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 8; i < labels.length; i++) labels[i] = i % 10;
  put(0, images); put(1, labels); put(2, images.slice()); put(3, labels.slice());
  M._api_set_threads(threads);
  const check = (rc) => { if (rc !== 0) throw new Error(M.UTF8ToString(M._api_error())); };
  M._api_config_reset();
  // a constant rate: speed does not depend on it
  for (const [name, value] of [['epochs', 1000], ['batch', batch], ['lr', lr], ['onecycle', 0]])
    check(M._api_config_set(CONFIG_FIELDS.find((f) => f.name === name).id, value));
  check(M._api_configure());
  const median = (a) => { const b = a.slice().sort((x, y) => x - y); return b.length % 2 ? b[b.length >> 1] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
  // a step that did not run (diverged, or an error) must not count as images trained
  const step = () => {
    const n = M._api_train_steps(1);
    if (n !== 1) throw new Error(n < 0 ? M.UTF8ToString(M._api_error()) : 'training stopped (diverged) during the '
      + 'benchmark: no speed measured');
  };
  for (let i = 0; i < 3; i++) step();        // warm-up (and V8's tier-up)
  const train = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    for (let i = 0; i < steps; i++) step();
    train.push((steps * batch * 1000) / (now() - t0));
  }
  // where a step's time goes (test builds with the pool profile), after the timed reps
  let profile_per_step = null;
  if (M._api_pool_profile) {
    M._api_pool_profile(1);
    for (let i = 0; i < steps; i++) step();
    M._api_pool_profile(0);
    profile_per_step = JSON.parse(M.UTF8ToString(M._api_pool_profile_json(steps)));
  }
  const infer = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    M._api_eval_reset();
    for (let start = 0; start < n; start += 256) {
      if (M._api_eval(start, 256) !== 256) throw new Error('evaluation failed during the benchmark');
    }
    infer.push((n * 1000) / (now() - t0));
  }
  // single-image latency in this thread, on initialised input (the first synthetic image, in [0, 1])
  const img = M._api_malloc(784 * 4), probs = M._api_malloc(40), latency = [];
  new Float32Array(M.HEAPF32.buffer, img, 784).set(Array.from(images.subarray(16, 16 + 784), (v) => v / 255));
  for (let r = 0; r < 50; r++) {
    const t0 = now();
    M._api_classify28(img, probs);
    latency.push(now() - t0);
  }
  [img, probs].forEach((p) => M._api_free(p));
  M._api_peak_gflops(2e6);
  const peak = [];
  for (let r = 0; r < 5; r++) peak.push(M._api_peak_gflops(2e7));
  return { threads: M._api_threads(), batch, reps, gemm: M.UTF8ToString(M._api_gemm_variant()),
    design: M.UTF8ToString(M._api_design()), params: M._api_param_count(),
    train_images_per_s: median(train), infer_images_per_s: median(infer), single_image_ms: median(latency),
    peak_gflops_1core: median(peak), train_samples: train.map(Math.round), profile_per_step };
}
