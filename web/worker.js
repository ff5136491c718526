// The worker that owns the WebAssembly module (and, through it, the pthreads): loads the
// right build, the pretrained model and MNIST, trains in bounded slices so it can answer
// PREDICT / PAUSE between them, evaluates after every epoch and checkpoints to IndexedDB.
import { MSG, TEST_MSG, MNIST_FILES, seedHalves } from './protocol.js';
import { CONFIG_FIELDS, PROGRESS_FIELDS, EVAL_FIELDS, TEACH_FIELDS, TEACH_PROGRESS_FIELDS, LIMITS } from './generated/contract.js';
import { saveCheckpoint } from './store.js';

const post = (type, fields = {}, transfer = []) => self.postMessage({ type, ...fields }, transfer);
let M = null;                 // the Emscripten module
let caps = null;
let state = 'idle';
let run = null;               // the current training run
let testImages = null;
let dataReady = false;
let pretrainedBytes = null;
let modelSource = 'random';
let appBase = '';             // the app's folder (absolute URL, from the page): every URL is relative to it

// ---------- capabilities and loading ----------

// A minimal module using v128 (i8x16.splat ... ), as wasm-feature-detect's SIMD check.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

function detect() {
  const isolated = self.crossOriginIsolated === true;
  const sab = typeof SharedArrayBuffer !== 'undefined';
  const nested = typeof Worker !== 'undefined';
  const simd = WebAssembly.validate(SIMD_PROBE);
  // what a visitor can know and do: a visitor cannot change the host's headers
  let reason = '';
  if (!isolated) {
    reason = 'Training uses one core here: this page is not cross-origin isolated, so the browser withholds the shared memory that '
      + 'WebAssembly threads need. The app\'s service worker makes the page isolated on any host; it could not here '
      + '(a private window, service workers blocked, or a browser without them).';
  } else if (!sab) {
    reason = 'Training uses one core here: this browser has no SharedArrayBuffer (WebKitGTK, for one), which WebAssembly threads need.';
  } else if (!nested) {
    reason = 'Training uses one core here: this browser cannot start workers from inside a worker, which the WebAssembly threads need.';
  }
  return { isolated, sab, nested, simd, build: reason ? 'single-threaded' : 'threaded', reason, buildId: __BUILD_ID__,
    cores: self.navigator.hardwareConcurrency || 1 };
}

// The test builds (__TEST_HOOKS__, set by the test and benchmark servers) load the modules with
// the test exports; the app's production build knows nothing of them.
async function loadModule(variant) {
  const dir = new URL(__TEST_HOOKS__ ? 'wasm-test/' : 'wasm/', appBase), name = `mnist-${variant}${__TEST_HOOKS__ ? '-test' : ''}`;
  const { default: create } = await import(/* @vite-ignore */ new URL(`${name}.mjs`, dir).href);
  return create({ locateFile: (f) => new URL(f, dir).href });
}

function errorText() { return M.UTF8ToString(M._api_error()); }

// wasm memory is fixed (384 MB): a failed allocation is reported, never a blank page
function alloc(n) {
  const p = M._api_malloc(n);
  if (!p) throw new Error(`the WebAssembly memory is full (asked for ${(n / 2 ** 20).toFixed(1)} MB more)`);
  return p;
}

// bytes copied into wasm memory (freed by the caller with _api_free); one byte more, so an
// empty array still gets a pointer of its own
function copyIn(bytes) {
  const p = alloc(bytes.length + 1);
  M.HEAPU8.set(bytes, p);
  return p;
}

// A WebAssembly trap leaves the module's memory and threads in an unknown state: from here on
// nothing may touch it. The first error is the one reported (name and message); whatever an
// unfinished async task (a training slice, an evaluation awaiting its next slice) throws
// afterwards is a consequence, not news, and is dropped.
function crash(err) {
  if (state === 'crashed') return;
  const message = `${err && err.name ? `${err.name}: ` : ''}${err && err.message ? err.message : String(err)}`;
  M = null;
  run = null;
  state = 'crashed';
  post(MSG.CRASHED, { message });
}
// true when the task that awaited should stop: the run ended or the module is gone
const abandoned = () => !run || !M;
const isTrap = (e) => e instanceof WebAssembly.RuntimeError;

function selfTest() {
  // The pipeline's proof: SIMD dot product == scalar, and 2 pool threads each did work.
  const n = 4099, a = alloc(4 * n), b = alloc(4 * n), ids = alloc(64), nIds = alloc(4);
  const A = new Float32Array(M.HEAPF32.buffer, a, n), B = new Float32Array(M.HEAPF32.buffer, b, n);
  for (let i = 0; i < n; i++) { A[i] = ((i * 37) % 101) / 101 - 0.5; B[i] = ((i * 53) % 97) / 97; }
  const simdAgrees = M._api_probe_dot_simd(a, b, n) === M._api_probe_dot_scalar(a, b, n);
  let distinct = 1;
  if (caps.build === 'threaded') {
    for (let i = 0; i < 20 && distinct < 2; i++) {
      M._api_probe_dot_mt(a, b, n, 2, 16, ids, nIds);
      const cnt = M.HEAP32[nIds >> 2], t = new Uint32Array(M.HEAPU32.buffer, ids, cnt);
      distinct = new Set(t).size;
    }
  }
  [a, b, ids, nIds].forEach((p) => M._api_free(p));
  return { simdAgrees, distinctThreads: distinct };
}

async function init(msg) {
  if (__TEST_HOOKS__ && msg.testStall) return;            // a start-up that never reports READY (the watchdog's test)
  appBase = msg.base || new URL('./', self.location.href).href;
  caps = detect();
  if (msg.singleThreaded && caps.build === 'threaded') {      // the page's watchdog saw the threaded start-up stall
    caps.build = 'single-threaded';
    caps.reason = 'Training uses one core here: starting the threads stalled twice in this browser, so the app runs without them. Reloading the page may bring them back.';
  }
  if (!caps.simd) {
    post(MSG.ERROR, { where: 'init', message: 'This browser does not support WebAssembly SIMD, which this app needs. Use a current Chrome, Edge, Firefox or Safari.' });
    return;
  }
  try {
    M = await loadModule(caps.build === 'threaded' ? 'mt' : 'st');
  } catch (e) {
    post(MSG.ERROR, { where: 'init', message: `Could not load the WebAssembly module: ${e.message}` });
    return;
  }
  const maxThreads = caps.build === 'threaded' ? Math.min(caps.cores, LIMITS.MAX_THREADS) : 1;
  if (M._api_create(Math.min(2, maxThreads), 1, 0) !== 0) { post(MSG.ERROR, { where: 'init', message: errorText() }); return; }
  // the default: all reported cores on 1-2, measured beyond (a browser may report more cores than help)
  if (maxThreads > 2) M._api_calibrate_threads(maxThreads);
  caps.maxThreads = maxThreads;
  caps.threads = M._api_threads();
  caps.simdCompiled = M._api_simd() === 1;
  caps.gemm = M.UTF8ToString(M._api_gemm_variant());
  caps.params = M._api_param_count();
  Object.assign(caps, selfTest());
  post(MSG.READY, { caps });
  await loadPretrained(true);
  dataBase = new URL(msg.dataBase || 'data/', appBase).href;
  if (msg.loadData !== false) await loadData(dataBase);      // on a phone MNIST waits for LOAD_DATA
}
let dataBase = '';

async function loadPretrained(quiet) {
  try {
    if (!pretrainedBytes) {
      const res = await fetch(new URL('models/reference.bin', appBase));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      pretrainedBytes = new Uint8Array(await res.arrayBuffer());
    }
    loadModelBytes(pretrainedBytes, false);
    modelSource = 'pretrained';
    post(MSG.LOADED, { source: 'pretrained' });
  } catch (e) {
    if (!quiet) post(MSG.ERROR, { where: 'model', message: `Could not load the pretrained model: ${e.message}` });
    else post(MSG.ERROR, { where: 'model', message: `No pretrained model (${e.message}); the network starts untrained.` });
  }
}

function loadModelBytes(bytes, withTraining) {
  if (bytes.length > LIMITS.MODEL_MAX_BYTES) throw new Error(`the file is ${(bytes.length / 2 ** 20).toFixed(0)} MB, far larger than a model of this app`);
  const p = copyIn(bytes);
  const rc = M._api_load(p, bytes.length, withTraining ? 1 : 0);
  M._api_free(p);
  if (rc !== 0) throw new Error(errorText());
}

async function fetchAll(base) {
  // Download the four gzip files (.gz.bin) in parallel with one progress bar, then unpack.
  const responses = await Promise.all(MNIST_FILES.map(async (f) => {
    const res = await fetch(`${base}${f.name}.gz.bin`);
    if (!res.ok) throw new Error(`${f.name}.gz.bin: the server answered HTTP ${res.status}`);
    return res;
  }));
  responses.forEach((r, i) => {
    const declared = Number(r.headers.get('content-length') || 0);
    if (declared > LIMITS.DOWNLOAD_MAX_BYTES) throw new Error(`${MNIST_FILES[i].name}.gz.bin is ${(declared / 2 ** 20).toFixed(0)} MB: far too large to be MNIST`);
  });
  const total = responses.reduce((s, r) => s + Number(r.headers.get('content-length') || 0), 0);
  let loaded = 0, lastPost = 0;
  const compressed = await Promise.all(responses.map(async (res, i) => {
    const reader = res.body.getReader(), chunks = [];
    let mine = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      mine += value.length;
      if (mine > LIMITS.DOWNLOAD_MAX_BYTES) { reader.cancel(); throw new Error(`${MNIST_FILES[i].name}.gz.bin is over ${LIMITS.DOWNLOAD_MAX_BYTES / 2 ** 20} MB: far too large to be MNIST`); }
      if (performance.now() - lastPost > 50) { lastPost = performance.now(); post(MSG.DATA_PROGRESS, { loaded, total }); }
    }
    return new Blob(chunks);
  }));
  post(MSG.DATA_PROGRESS, { loaded, total: total || loaded });
  return Promise.all(compressed.map(async (blob, i) => {
    const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      // not gzip: a server that already unpacked it (Content-Encoding), or damage; the IDX check decides
      return new Uint8Array(await blob.arrayBuffer());
    }
    // unpack with a ceiling: a damaged or hostile file must not balloon past the MNIST size
    const limit = MNIST_FILES[i].bytes, out = new Uint8Array(limit);
    let size = 0;
    const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > limit) { reader.cancel(); throw new RangeError('too large'); }
        out.set(value, size);
        size += value.length;
      }
    } catch (e) {
      if (e instanceof RangeError) throw new Error(`${MNIST_FILES[i].name}.gz.bin unpacks to more than the ${limit} bytes of the MNIST file`);
      throw new Error(`${MNIST_FILES[i].name}.gz.bin is damaged: it is not valid gzip data`);
    }
    return out.subarray(0, size);
  }));
}

async function loadData(base) {
  let files;
  try {
    files = await fetchAll(base);
  } catch (e) {
    post(MSG.ERROR, { where: 'data', message: `MNIST could not be loaded: ${e.message}` });
    return;
  }
  for (let i = 0; i < 4; i++) {
    const f = MNIST_FILES[i], bytes = files[i];
    let p;
    try { p = copyIn(bytes); } catch (e) { post(MSG.ERROR, { where: 'data', message: `MNIST ${f.name}: ${e.message}` }); return; }
    if (M._api_set_data(i, p, bytes.length) !== 0) {       // C validates and takes ownership
      post(MSG.ERROR, { where: 'data', message: `MNIST ${f.name} is invalid: ${errorText()}` });
      return;
    }
    if (M._api_data_count(i) !== f.count || bytes.length !== f.bytes) {
      post(MSG.ERROR, { where: 'data', message: `MNIST ${f.name}: ${M._api_data_count(i)} items in ${bytes.length} bytes; expected ${f.count} in ${f.bytes}` });
      return;
    }
  }
  testImages = files[2].slice(16);           // the evaluation is in C; the page shows misread digits' pixels
  dataReady = true;
  post(MSG.DATA, { train: M._api_data_count(0), test: M._api_data_count(2) });
}

// ---------- training ----------

function setState(s) { state = s; post(MSG.STATE, { state: s }); }

// doubles written by the core in the order the contract names them -> { name: value }
function readRecord(names, fill, extra = 0) {
  const p = alloc(8 * (names.length + extra));
  fill(p);
  const v = new Float64Array(M.HEAPF64.buffer, p, names.length + extra).slice();
  M._api_free(p);
  return { fields: Object.fromEntries(names.map((n, i) => [n, v[i]])), rest: v.subarray(names.length) };
}

function progress() {
  const { fields } = readRecord(PROGRESS_FIELDS, (p) => M._api_progress(p));
  return { ...fields, diverged: fields.diverged === 1 };
}

// The recipe crosses by field id, each checked against its range in C; unknown keys (the
// run options threads and subset) are not recipe fields.
function configure(cfg) {
  const check = (rc) => { if (rc !== 0) throw new Error(errorText()); };
  check(M._api_limit_train(cfg.subset || 0));
  M._api_config_reset();
  for (const f of CONFIG_FIELDS) {
    if (cfg[f.js] === undefined) continue;
    if (f.type === 'u64') check(M._api_config_set_u64(f.id, ...seedHalves(cfg[f.js])));
    else if (f.type === 'choice') {
      const i = f.choices.indexOf(cfg[f.js]);
      if (i < 0) throw new Error(`${f.name} must be one of ${f.choices.join(', ')}`);
      check(M._api_config_set(f.id, i));
    } else check(M._api_config_set(f.id, Number(cfg[f.js])));
  }
  check(M._api_configure());
}

function snapshot(withTraining) {
  const n = M._api_save(withTraining ? 1 : 0);
  const ptr = M._api_saved_ptr();
  return M.HEAPU8.slice(ptr, ptr + n);
}

const yieldToEvents = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve();
  ch.port2.postMessage(0);
});

async function train(cfg, resumeBytes = null, resumeMeta = null) {
  if (!dataReady) { post(MSG.ERROR, { where: 'train', message: 'MNIST is not loaded yet.' }); return; }
  if (state === 'training' || state === 'evaluating') return;
  if (state === 'teaching') { post(MSG.ERROR, { where: 'train', message: 'The network is being taught your digits: train when that is done.' }); return; }
  try {
    if (cfg.threads) M._api_set_threads(Math.min(cfg.threads, caps.maxThreads));
    configure(cfg);
    if (resumeBytes) loadModelBytes(resumeBytes, true);
    else if (cfg.init !== 'current') M._api_init_params(...seedHalves(cfg.seed));   // from scratch; else fine-tune
  } catch (e) {
    post(MSG.ERROR, { where: 'train', message: e.message });
    return;
  }
  caps.threads = M._api_threads();
  run = { cfg: { ...cfg, threads: caps.threads }, history: resumeMeta?.history || [], started: performance.now(),
    elapsedBefore: resumeMeta?.elapsed || 0, rate: [], lastCheckpoint: performance.now() };
  modelSource = 'training';
  setState('training');
  loop();
}

let looping = false;
async function loop() {
  if (looping) return;           // one training loop at a time (RESUME may arrive mid-evaluation)
  looping = true;
  try {
    await trainSlices();
  } catch (e) {
    if (isTrap(e) || state === 'crashed') crash(e);
    else { post(MSG.ERROR, { where: 'train', message: `Training stopped: ${e.message}` }); run = null; setState('idle'); }
  } finally {
    looping = false;
    startQueuedTeach();              // a fine-tune asked for during the run starts once it pauses or ends
  }
}

async function trainSlices() {
  while (run && state === 'training') {
    const t0 = performance.now(), losses = [];
    let p = progress(), steps = 0;
    // one slice: whole steps until ~100 ms have passed, never past an epoch's end
    while (performance.now() - t0 < 100) {
      const n = M._api_train_steps(1);
      if (n < 0) { post(MSG.ERROR, { where: 'train', message: errorText() }); setState('idle'); return; }
      if (n === 0) break;
      steps += n;
      p = progress();
      losses.push(p.loss);
      if (p.step % p.stepsPerEpoch === 0) break;
    }
    if (p.diverged) { diverged(p); return; }
    // images/s over the last ~3 s of training slices (one slice is too short to be steady)
    const now = performance.now();
    run.rate.push([now, performance.now() - t0, steps * run.cfg.batch]);
    while (run.rate.length > 1 && now - run.rate[0][0] > 3000) run.rate.shift();
    const ms = run.rate.reduce((s, r) => s + r[1], 0), images = run.rate.reduce((s, r) => s + r[2], 0);
    post(MSG.PROGRESS, { step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, stepsPerEpoch: p.stepsPerEpoch,
      losses, lr: p.lr, imagesPerSec: ms > 0 ? (1000 * images) / ms : 0, elapsed: elapsed(), threads: M._api_threads(),
      threadIds: threadIds() });
    const epochEnded = steps > 0 && p.step % p.stepsPerEpoch === 0;
    if (epochEnded || p.step >= p.totalSteps) {
      await evaluate(p);
      if (abandoned()) return;
      if (p.step >= p.totalSteps) { setState('done'); return; }
    } else if (performance.now() - run.lastCheckpoint > 20000) {
      checkpoint(p);
    }
    await yieldToEvents();
  }
}

function elapsed() { return run.elapsedBefore + (performance.now() - run.started) / 1000; }

function threadIds() {
  const p = alloc(64), n = M._api_last_thread_ids(p, 16);
  const ids = Array.from(new Uint32Array(M.HEAPU32.buffer, p, n));
  M._api_free(p);
  return ids;
}

function diverged(p) {
  // the C trainer has already gone back to the last state with a finite loss (trainer.h)
  post(MSG.DIVERGED, { message: `Training stopped at step ${p.step}: the loss became NaN or infinite, so the learning rate (${run.cfg.lr}) is too high for this run. The weights were put back to the last step that still gave a finite loss; lower the learning rate and train again.` });
  run = null;
  setState('idle');
}

// The test set is evaluated by the core (trainer_eval_range, as the CLI does) in slices, so
// PREDICT is answered between them; the page gets the counts and the misread digits.
// The whole test set through the core in slices; null when given up (wanted() turned false).
async function evalTestSet(wanted) {
  const n = M._api_data_count(2), slice = 250;
  M._api_eval_reset();
  for (let start = 0; start < n; start += slice) {
    if (M._api_eval(start, Math.min(slice, n - start)) < 0) throw new Error(errorText());
    await yieldToEvents();            // keep answering PREDICT while evaluating
    if (!wanted()) return null;
  }
  return readRecord(EVAL_FIELDS, (ptr) => M._api_eval_result(ptr), LIMITS.CLASSES * LIMITS.CLASSES);
}

async function evaluate(p) {
  setState('evaluating');
  const started = performance.now();
  const result = await evalTestSet(() => !abandoned());
  if (!result) return;
  const C = LIMITS.CLASSES;
  const { fields: ev, rest } = result;
  const confusion = Array.from(rest);
  const gallery = [], itp = alloc(12), probs = alloc(4 * C);
  for (let i = 0; i < ev.misclassified; i++) {
    M._api_eval_misclassified(i, itp, probs);
    const [index, truth, pred] = new Int32Array(M.HEAP32.buffer, itp, 3);
    gallery.push({ index, truth, pred, probs: Array.from(new Float32Array(M.HEAPF32.buffer, probs, C)),
      pixels: testImages.slice(index * 784, (index + 1) * 784) });
  }
  [itp, probs].forEach((q) => M._api_free(q));
  const perClass = [];
  for (let c = 0; c < C; c++) {
    let row = 0;
    for (let o = 0; o < C; o++) row += confusion[c * C + o];
    perClass.push(row ? (100 * confusion[c * C + c]) / row : 0);
  }
  const record = { epoch: Math.round(p.step / p.stepsPerEpoch), step: p.step, trainLoss: p.epochLoss, testLoss: ev.lossSum / ev.count,
    testAcc: (100 * ev.correct) / ev.count, elapsed: elapsed() };
  run.history.push(record);
  checkpoint(p);                   // the state is copied now; the IndexedDB write goes on in the background
  // what the epoch's end held training up for: evaluating the 10,000 test images (answering
  // predictions between slices), the misread digits and the checkpoint's copy
  const pauseMs = performance.now() - started;
  post(MSG.EPOCH, { ...record, perClass, confusion, gallery, pauseMs });
  if (state === 'evaluating') setState('training');
}

// The state is copied at once; the IndexedDB write goes on while training continues (awaiting
// it held the next epoch up), one write after the other, in order.
let checkpointWrites = Promise.resolve();
function checkpoint(p) {
  run.lastCheckpoint = performance.now();
  const bytes = snapshot(true).buffer, meta = { step: p.step, totalSteps: p.totalSteps, epoch: p.epoch,
    config: run.cfg, history: run.history.slice(), elapsed: elapsed(), savedAt: new Date().toISOString() };
  checkpointWrites = checkpointWrites.then(() => saveCheckpoint(bytes, meta)).then(
    () => { if (state !== 'crashed') post(MSG.CHECKPOINTED, { step: p.step }); },
    (e) => state !== 'crashed' && post(MSG.ERROR, { where: 'checkpoint', message: `Could not save a checkpoint in this browser: ${e.message}` }));
  return checkpointWrites;
}


// ---------- teaching my digits ----------
// The fine-tune runs in the core (teach.h) in ~100 ms slices, so PREDICT is answered between
// them. Asked for during a training run it waits until the run pauses or ends. Before and
// after, the whole MNIST test set is read; the scores of my digits come from the core.
let queuedTeach = null, teaching = null;

function teachRequested(msg) {
  if (!dataReady) throw new Error('MNIST is not loaded yet: the fine-tune mixes MNIST training images in, so it waits for them.');
  const n = msg.labels?.length;
  if (!(msg.labels instanceof Uint8Array) || !(msg.pixels instanceof Uint8Array) || msg.pixels.length !== n * 784)
    throw new Error('my digits must be labels and 28 x 28 images');
  if (n === 0) throw new Error('There are no digits to learn from yet: draw a digit and press the button of the digit it is.');
  if (teaching) throw new Error('A fine-tune is already running.');
  queuedTeach = msg;
  if (looping || state === 'training' || state === 'evaluating') {
    post(MSG.TEACH_PROGRESS, { phase: 'queued', stepsDone: 0, totalSteps: 0, loss: 0 });
    return;
  }
  startQueuedTeach();
}

function startQueuedTeach() {
  if (!queuedTeach || teaching || looping || !M || state === 'training' || state === 'evaluating') return;
  const msg = queuedTeach;
  queuedTeach = null;
  teach(msg).catch((e) => {
    if (isTrap(e) || state === 'crashed') crash(e);
    else post(MSG.ERROR, { where: 'teach', message: `The fine-tune stopped: ${e.message}` });
  });
}

function teachProgress() { return readRecord(TEACH_PROGRESS_FIELDS, (p) => M._api_teach_progress(p)).fields; }

async function teach(msg) {
  const before = state, n = msg.labels.length;
  teaching = { cancelled: false };
  const job = teaching, wanted = () => M && !job.cancelled;
  setState('teaching');
  const t0 = performance.now();
  try {
    const labels = copyIn(msg.labels), pixels = copyIn(msg.pixels);
    const rc = M._api_teach_digits(labels, pixels, n);
    [labels, pixels].forEach((q) => M._api_free(q));
    if (rc !== 0) throw new Error(errorText());
    M._api_teach_config_reset();
    for (const f of TEACH_FIELDS)
      if (msg.settings?.[f.js] !== undefined && M._api_teach_set(f.id, Number(msg.settings[f.js])) !== 0) throw new Error(errorText());
    post(MSG.TEACH_PROGRESS, { phase: 'before', stepsDone: 0, totalSteps: 0, loss: 0 });
    const accuracy = (r) => (100 * r.fields.correct) / r.fields.count;
    const mnistBefore = await evalTestSet(wanted);
    if (!mnistBefore) return;
    if (M._api_teach_begin() !== 0) throw new Error(errorText());
    let p = teachProgress();
    while (!p.done) {
      const slice0 = performance.now();
      while (!p.done && performance.now() - slice0 < 100) {
        if (M._api_teach_steps(2) < 0) throw new Error(errorText());
        p = teachProgress();
      }
      post(MSG.TEACH_PROGRESS, { phase: p.checking ? 'checking' : 'tuning', stepsDone: p.stepsDone, totalSteps: p.totalSteps, loss: p.loss });
      await yieldToEvents();
      if (!wanted()) return;
    }
    if (p.diverged) throw new Error('the loss became NaN or infinite (the learning rate is too high for these digits); the model is unchanged');
    M._api_teach_end(1);                    // keep the fine-tuned weights
    post(MSG.TEACH_PROGRESS, { phase: 'after', stepsDone: p.stepsDone, totalSteps: p.totalSteps, loss: p.loss });
    const mnistAfter = await evalTestSet(wanted);
    if (!mnistAfter) return;
    modelSource = 'taught';
    post(MSG.TAUGHT, { digits: n, heldCount: p.heldCount, heldBefore: p.heldBefore, heldAfter: p.heldAfter,
      allCount: p.allCount, allBefore: p.allBefore, allAfter: p.allAfter, mnistBefore: accuracy(mnistBefore),
      mnistAfter: accuracy(mnistAfter), steps: p.totalSteps, seconds: (performance.now() - t0) / 1000 });
    post(MSG.LOADED, { source: 'taught' });
  } finally {
    if (M) M._api_teach_end(0);             // unless kept above: cancelled, diverged or failed -> the weights it started from
    if (teaching === job) teaching = null;
    if (job.cancelled && M) post(MSG.TEACH_PROGRESS, { phase: 'cancelled', stepsDone: 0, totalSteps: 0, loss: 0 });
    if (state === 'teaching') setState(before === 'paused' && run ? 'paused' : before === 'done' ? 'done' : 'idle');
  }
}

// my digits to and from their file (my_digits.h: versioned, checked in the core)
function digitsWrite(msg) {
  const labels = copyIn(msg.labels), pixels = copyIn(msg.pixels);
  const size = M._api_digits_write(labels, pixels, msg.labels.length);
  [labels, pixels].forEach((q) => M._api_free(q));
  if (!size) throw new Error(`Could not write the file: ${errorText()}`);
  const ptr = M._api_saved_ptr(), bytes = M.HEAPU8.slice(ptr, ptr + size);
  post(MSG.DIGITS_FILE, { bytes }, [bytes.buffer]);
}

function digitsRead(msg) {
  const bytes = new Uint8Array(msg.bytes);
  const where = `${msg.name || 'The file'} was not imported`;
  const maxBytes = 24 + LIMITS.MY_DIGITS_MAX * 785 + 4;
  if (bytes.length > maxBytes) { post(MSG.ERROR, { where: 'digits', message: `${where}: it is larger than any my-digits file (${LIMITS.MY_DIGITS_MAX} digits at most). My digits are unchanged.` }); return; }
  const buf = copyIn(bytes);
  const n = M._api_digits_read(buf, bytes.length, 0, 0);
  if (n < 0) { M._api_free(buf); post(MSG.ERROR, { where: 'digits', message: `${where}: ${errorText()}. My digits are unchanged.` }); return; }
  const labels = alloc(n + 1), pixels = alloc(n * 784 + 1);
  M._api_digits_read(buf, bytes.length, labels, pixels);
  const out = { labels: M.HEAPU8.slice(labels, labels + n), pixels: M.HEAPU8.slice(pixels, pixels + n * 784), name: msg.name };
  [buf, labels, pixels].forEach((q) => M._api_free(q));
  post(MSG.DIGITS, out, [out.labels.buffer, out.pixels.buffer]);
}

// ---------- messages ----------

function predict(msg) {
  const { ink, w, h } = msg;
  const side = LIMITS.DRAWING_MAX_SIDE;
  if (!(w > 0 && h > 0 && w <= side && h <= side && ink.length === w * h)) throw new Error(`a drawing must be 1..${side} pixels on each side`);
  const inkPtr = alloc(4 * w * h), img = alloc(4 * 784), probs = alloc(40);
  new Float32Array(M.HEAPF32.buffer, inkPtr, w * h).set(ink);
  const r = M._api_predict(inkPtr, w, h, img, probs);
  const img28 = new Float32Array(M.HEAPF32.buffer, img, 784).slice(), pr = new Float32Array(M.HEAPF32.buffer, probs, 10).slice();
  [inkPtr, img, probs].forEach((p) => M._api_free(p));
  const read = Array.from(pr);                     // pr's buffer is transferred just below
  post(MSG.PREDICTION, { img28, probs: pr, ink: r === 1, id: msg.id, revision: msg.revision, source: modelSource }, [img28.buffer, pr.buffer]);
  if (msg.inspect && r === 1) inspect(read, 'drawing');
}

// The inside view of the image just read (the C core computes, the page paints): every conv
// layer's output after BatchNorm and ReLU, the first layer's filters, and the saliency of the
// class read. Only when the page's panel is open: closed, it costs nothing.
function inspect(probs, source) {
  let best = 0;
  for (let d = 1; d < probs.length; d++) if (probs[d] > probs[best]) best = d;
  const shape = alloc(12), layers = [], transfer = [];
  for (let c = 0, n = M._api_inspect_conv_count(); c < n; c++) {
    const count = M._api_inspect_layer(c, 0, shape);            // the size first, then the values
    const out = alloc(4 * count);
    M._api_inspect_layer(c, out, shape);
    const [K, P, Q] = new Int32Array(M.HEAP32.buffer, shape, 3);
    const data = new Float32Array(M.HEAPF32.buffer, out, count).slice();
    M._api_free(out);
    layers.push({ K, P, Q, data });
    transfer.push(data.buffer);
  }
  const buf = alloc(4 * Math.max(784, M._api_inspect_filters(0, shape)));
  const nf = M._api_inspect_filters(buf, shape);
  const [FK, FC, FR] = new Int32Array(M.HEAP32.buffer, shape, 3);
  const filters = { K: FK, C: FC, R: FR, data: new Float32Array(M.HEAPF32.buffer, buf, nf).slice() };
  M._api_saliency(best, buf);
  const saliency = new Float32Array(M.HEAPF32.buffer, buf, 784).slice();
  [buf, shape].forEach((p) => M._api_free(p));
  post(MSG.INSIDE, { layers, filters, saliency, digit: best, source }, [...transfer, filters.data.buffer, saliency.buffer]);
}

// a 28x28 image in [0, 1] (a digit of the misread gallery) read, and looked inside
function inspect28(msg) {
  if (!(msg.img28 instanceof Float32Array) || msg.img28.length !== 784) throw new Error('an image of 28 x 28 values is needed');
  const img = alloc(4 * 784), probs = alloc(40);
  new Float32Array(M.HEAPF32.buffer, img, 784).set(msg.img28);
  M._api_classify28(img, probs);
  const pr = new Float32Array(M.HEAPF32.buffer, probs, 10).slice();
  [img, probs].forEach((p) => M._api_free(p));
  inspect(pr, 'gallery');
}

self.onmessage = async (e) => {
  try {
    await handle(e.data);
  } catch (err) {
    if (isTrap(err) || state === 'crashed') crash(err);
    else post(MSG.ERROR, { where: e.data.type, message: err.message });
  }
};

async function handle(msg) {
  if (state === 'crashed') return;           // the page replaces a crashed worker; it answers nothing more
  if (msg.type !== MSG.INIT && !M) { post(MSG.ERROR, { where: msg.type, message: 'The WebAssembly module is not loaded.' }); return; }
  switch (msg.type) {
    case MSG.INIT: await init(msg); break;
    case MSG.LOAD_DATA: if (!dataReady) await loadData(dataBase); break;
    case MSG.TRAIN: await train(msg.config); break;
    case MSG.PAUSE: if (state === 'training' || state === 'evaluating') setState('paused'); break;
    case MSG.RESUME: if (state === 'paused' && run) { setState('training'); loop(); } break;
    case MSG.STOP:
      if (teaching) { teaching.cancelled = true; break; }      // the fine-tune puts the weights back
      if (run) { run = null; setState('idle'); }              // a queued fine-tune starts when the loop ends
      break;
    case MSG.TEACH: teachRequested(msg); break;
    case MSG.DIGITS_WRITE: digitsWrite(msg); break;
    case MSG.DIGITS_READ: digitsRead(msg); break;
    case MSG.RESET:
      if (teaching) { post(MSG.ERROR, { where: 'reset', message: 'The network is being taught your digits: reset when that is done.' }); break; }
      run = null;
      M._api_create(caps.threads, ...seedHalves(msg.seed ?? 1));
      modelSource = 'random';
      setState('idle');
      post(MSG.LOADED, { source: 'random' });
      break;
    case MSG.PREDICT: predict(msg); break;
    case MSG.INSPECT28: inspect28(msg); break;
    case MSG.SAVE: { const bytes = snapshot(true); post(MSG.SAVED, { bytes }, [bytes.buffer]); break; }
    case MSG.EXPORT: {
      const n = M._api_export(msg.format === 'onnx' ? 0 : 1);
      if (!n) throw new Error(`Could not export: ${errorText()}`);
      const ptr = M._api_saved_ptr(), bytes = M.HEAPU8.slice(ptr, ptr + n);
      post(MSG.EXPORTED, { bytes, format: msg.format }, [bytes.buffer]);
      break;
    }
    case MSG.LOAD:
      try {
        if (state === 'training' || state === 'evaluating' || teaching) throw new Error('Pause or stop training (or wait for the fine-tune) before loading a model.');
        loadModelBytes(new Uint8Array(msg.bytes), false);
        modelSource = 'file';
        post(MSG.LOADED, { source: 'file', name: msg.name });
      } catch (err) {
        post(MSG.ERROR, { where: 'load', message: `${msg.name || 'This file'} was not loaded: ${err.message}. The current model is unchanged.` });
      }
      break;
    case MSG.LOAD_PRETRAINED:
      if (state === 'training' || state === 'evaluating' || teaching) { post(MSG.ERROR, { where: 'load', message: 'Pause or stop training (or wait for the fine-tune) before loading a model.' }); break; }
      await loadPretrained(false);
      break;
    case MSG.RESUME_CHECKPOINT: if (teaching) { post(MSG.ERROR, { where: 'train', message: 'The network is being taught your digits: resume when that is done.' }); break; }
      await train(msg.meta.config, new Uint8Array(msg.bytes), msg.meta); break;
    default:
      if (__TEST_HOOKS__ && await testHook(msg)) break;
      post(MSG.ERROR, { where: 'worker', message: `unknown message ${msg.type}` });
  }
}

// Test builds only: a production build replaces __TEST_HOOKS__ with false and drops this.
async function testHook(msg) {
  switch (msg.type) {
    case TEST_MSG.BENCH: {
      // a separate instance of the module with its own network and synthetic data: the app's
      // network, its data and a run in progress are never touched by a benchmark
      if (state === 'training' || state === 'evaluating') { post(MSG.ERROR, { where: 'bench', message: 'Pause or stop training before benchmarking.' }); return true; }
      const { runWasmBench } = await import('./bench.mjs');
      let B = null;
      try {
        B = await loadModule(caps.build === 'threaded' ? 'mt' : 'st');
        const threads = Math.min(msg.threads || caps.threads, caps.maxThreads);
        if (B._api_create(threads, 1, 0) !== 0) throw new Error(B.UTF8ToString(B._api_error()));
        const result = runWasmBench(B, { threads, batch: msg.batch || 128, reps: msg.reps || 7 });
        post(TEST_MSG.BENCH_RESULT, { result: { ...result, build: caps.build, isolated: caps.isolated } });
      } catch (err) {
        post(MSG.ERROR, { where: 'bench', message: err.message });
      } finally {
        B?.PThread?.terminateAllThreads();
      }
      return true;
    }
    case TEST_MSG.DEBUG_TRAP: M._api_debug_trap_at({ train: 1, evaluation: 2, prediction: 3 }[msg.where] || 0); return true;
    default: return false;
  }
}
