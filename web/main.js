// The page: starts the worker, shows what it reports (capabilities, data, progress, charts,
// evaluation), sends the controls' commands, runs the draw pad, and handles model files,
// the IndexedDB resume offer and the run report. No arithmetic on the network happens here.
import './locale.js';               // first: a locale tag Intl refuses must be fixed before uPlot loads
import { MSG, TEST_MSG, DEFAULT_CONFIG, seedHalves } from './protocol.js';
import { CONFIG_FIELDS, RUN_FIELDS, LIMITS, PRESETS } from './generated/contract.js';
import { loadCheckpoint, clearCheckpoint } from './store.js';
import { Charts } from './charts.js';
import { DrawPad } from './drawpad.js';
import { createTeaching } from './teach.js';
import './style.css';

const $ = (id) => document.getElementById(id);
const tid = (name) => document.querySelector(`[data-testid="${name}"]`);
const params = new URLSearchParams(location.search);

let worker = null;
const send = (type, fields = {}, transfer = []) => worker.postMessage({ type, ...fields }, transfer);

let caps = null;
let state = 'loading';
let dataReady = false;
let lastProgress = null;
let runConfig = null;
const report = { epochs: [], imagesPerSec: [] };
const charts = new Charts({ loss: $('loss-chart'), epoch: $('epoch-chart'), lr: $('lr-chart') });

// ---------- messages from the worker ----------

// On a phone (a coarse pointer) the 11 MB of MNIST load only when asked for: the draw pad and
// the pretrained model do not need them.
const dataOnRequest = matchMedia('(pointer: coarse)').matches && !params.has('data');
let dataRequested = false;
if (dataOnRequest) {
  $('load-data').hidden = false;
  tid('data-status').textContent = 'MNIST (11 MB) loads when you want to train; the draw pad does not need it.';
  $('load-data').addEventListener('click', () => {
    dataRequested = true;
    $('load-data').hidden = true;
    tid('data-status').textContent = 'Loading…';
    send(MSG.LOAD_DATA);
  });
}

// Start-up cannot hang silently: a worker that has not reported READY in time (some browsers
// stall now and then while creating the pthread pool) is replaced, and after a second stall
// the app starts without threads; the page says so each time.
// (test builds: ?stall=n makes the first n starts stall, and ?startupLimit=ms shortens the
// limit for those starts only, so a slow machine never turns a real start into a "stall")
const STARTUP_LIMIT_MS = 45_000;
let startupTimer = 0, startupStalls = 0;
function startWorker() {
  const testStall = __TEST_HOOKS__ && startupStalls < Number(params.get('stall') || 0);
  const limit = (testStall && Number(params.get('startupLimit'))) || STARTUP_LIMIT_MS;
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => crashed(e.message || 'it stopped unexpectedly');
  setState('loading');
  clearTimeout(startupTimer);
  startupTimer = setTimeout(() => {
    startupStalls++;
    worker.terminate();
    showError('startup', startupStalls === 1
      ? `The training worker did not start within ${limit / 1000} s; it was restarted.`
      : 'The training worker stalled again while starting its threads; it was restarted without threads (one core).');
    startWorker();
  }, limit);
  // every URL relative to this document: the app works from any folder of any static host
  send(MSG.INIT, { base: new URL('./', document.baseURI).href, dataBase: params.get('data') || 'data/', singleThreaded: startupStalls >= 2,
    loadData: !dataOnRequest || dataRequested,
    ...(__TEST_HOOKS__ ? { testStall } : {}) });
}

// The worker died or its WebAssembly trapped: say so, keep the checkpoint, offer a restart.
function crashed(message) {
  if (state === 'crashed') return;         // the first report names the cause; later ones are its echoes
  predictionPending = predictionQueued = false;
  markSettled();
  setState('crashed');
  dataReady = false;
  showError('worker', `The training worker crashed (${message}). Nothing is lost that was checkpointed: the last completed epoch is saved in this browser. Press Restart to start a fresh worker and resume from it.`);
  $('error').dataset.late = '0';
  const restart = document.createElement('button');
  restart.textContent = 'Restart';
  restart.dataset.testid = 'restart';
  restart.addEventListener('click', () => {
    worker.terminate();
    caps = null;                           // the new worker reports its own when it is ready
    hideError('worker');
    startWorker();
  });
  $('error').appendChild(restart);
}

function onWorkerMessage(e) {
  const m = e.data;
  if (state === 'crashed') {                // a crashed worker must stay silent: count what it still says
    const el = $('error');
    el.dataset.late = String(Number(el.dataset.late || 0) + 1);
    return;
  }
  if (teaching.onMessage(m)) return;
  switch (m.type) {
    case MSG.READY: clearTimeout(startupTimer); showCaps(m.caps); break;
    case MSG.DATA_PROGRESS: {
      const bar = tid('data-progress');
      bar.max = m.total || 1; bar.value = m.loaded;
      tid('data-status').textContent = `Downloading MNIST: ${(m.loaded / 1e6).toFixed(1)} of ${(m.total / 1e6).toFixed(1)} MB.`;
      break;
    }
    case MSG.DATA:
      dataReady = true;
      tid('train-count').textContent = String(m.train);
      tid('test-count').textContent = String(m.test);
      tid('data-status').textContent = 'MNIST loaded and checked.';
      tid('data-progress').value = tid('data-progress').max;
      setState(state === 'loading' ? 'idle' : state);
      offerResume();
      showOfflineStatus();
      break;
    case MSG.PROGRESS: showProgress(m); break;
    case MSG.EPOCH: showEpoch(m); break;
    case MSG.STATE:
      setState(m.state);
      if (m.state === 'done') $('model-status').textContent = 'The network trained here is in use; Save model keeps it.';
      break;
    case MSG.PREDICTION: showPrediction(m); break;
    case MSG.SAVED: download(new Blob([m.bytes], { type: 'application/octet-stream' }), 'mnist-model.bin');
      $('model-status').textContent = 'Model saved (weights, optimiser state and progress).'; break;
    case MSG.EXPORTED:
      download(new Blob([m.bytes], { type: 'application/octet-stream' }), m.format === 'onnx' ? 'mnist-model.onnx' : 'mnist-model.safetensors');
      $('model-status').textContent = m.format === 'onnx' ? 'Model downloaded as ONNX (input: 28×28 intensities in [0, 1]; output: log-probabilities).'
        : 'Model downloaded as safetensors (PyTorch tensor names and layouts).';
      break;
    case MSG.LOADED:
      $('model-status').textContent = { pretrained: 'The pretrained reference model is loaded.', random: 'Fresh random weights: the network is untrained.',
        file: `Loaded ${m.name || 'the model file'}.`, taught: 'The model now knows your digits too; Save model keeps it, Load pretrained undoes it.' }[m.source] || '';
      $('model-source').textContent = m.source === 'pretrained' ? 'Using the pretrained model.' : m.source === 'random' ? 'Untrained network.' : '';
      hideError('load'); requestPrediction(); break;
    case MSG.DIVERGED: showError('train', m.message); break;
    case MSG.ERROR: showError(m.where, m.message); break;
    case MSG.CRASHED: crashed(m.message); break;
    case MSG.INSIDE: showInside(m); break;
    case MSG.CHECKPOINTED: tid('checkpoint-step').textContent = String(m.step); break;
    default:
      if (__TEST_HOOKS__ && m.type === TEST_MSG.BENCH_RESULT) benchWaiter?.(m.result);
      break;
  }
}

function showCaps(c) {
  caps = c;
  if (c.buildId !== __BUILD_ID__) showError('version', 'This page and its worker come from different versions of the app. Reload the page.');
  tid('isolated').textContent = c.isolated ? 'yes' : 'no';
  tid('simd').textContent = c.simd && c.simdCompiled ? 'yes' : 'no';
  tid('threads-in-use').textContent = String(c.threads);
  tid('build').textContent = `${c.build} (${c.gemm} kernels)`;
  tid('selftest').textContent = `SIMD ${c.simdAgrees ? 'agrees with scalar' : 'DISAGREES with scalar'}; ${c.distinctThreads} distinct thread${c.distinctThreads === 1 ? '' : 's'} did work`;
  tid('selftest').dataset.threads = String(c.distinctThreads);
  const reason = tid('threads-reason');
  reason.hidden = !c.reason;
  reason.textContent = c.reason;
  summarizeCaps();
  const threads = $('threads');
  threads.max = String(c.maxThreads);
  threads.value = String(c.threads);
  threads.disabled = c.maxThreads === 1;
  ['reset', 'save-model', 'export-onnx', 'export-safetensors', 'load-pretrained'].forEach((id) => { $(id).disabled = false; });
}

// ---------- controls ----------

// The training form: each input names its field (data-field); defaults, ranges and types come
// from the core's contract, so the form cannot drift from what the core accepts. The recipe
// menu fills the form from a named recipe of the core (RECIPE_PRESETS; the first is the
// default) and supplies the fields the form does not show.
const FIELDS = Object.fromEntries([...CONFIG_FIELDS, ...RUN_FIELDS].map((f) => [f.js, f]));
const formInputs = () => [...document.querySelectorAll('#train-form [data-field]')];
const presetMenu = $('preset');
let preset = PRESETS[0];
for (const p of PRESETS) presetMenu.appendChild(Object.assign(document.createElement('option'), { value: p.name, textContent: `${p.name}: ${p.help}` }));
function fillFromPreset() {
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    if (!(f.js in preset.config) || f.js === 'seed') continue;    // run options and the seed stay as they are
    const v = preset.config[f.js];
    if (f.type === 'bool') el.checked = v; else el.value = String(v);
  }
}
presetMenu.addEventListener('change', () => { preset = PRESETS.find((p) => p.name === presetMenu.value) || PRESETS[0]; fillFromPreset(); });
function initForm() {
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    if (f.type === 'bool') { el.checked = f.default; continue; }
    if (f.type === 'choice') { el.value = f.choices[f.default]; continue; }
    el.value = String(f.default);
    if (f.type === 'u64') continue;           // a text field: 64-bit seeds do not fit a number input
    el.min = String(f.min);
    el.max = String(f.js === 'batch' ? Math.min(f.max, LIMITS.MAX_BATCH) : f.max);
    el.step = f.type === 'float' ? 'any' : '1';
  }
  presetMenu.value = preset.name;
  fillFromPreset();
  $('threads').value = String(navigator.hardwareConcurrency > 1 ? 2 : 1);   // until the worker reports
}
initForm();

function readConfig() {
  const cfg = {};
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    cfg[f.js] = f.type === 'bool' ? el.checked : f.type === 'choice' || f.type === 'u64' ? el.value.trim() : Number(el.value);
  }
  return cfg;
}

// The same ranges the core checks, said in the form's words before anything is sent.
function validConfig(c) {
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field], v = c[f.js];
    const label = el.closest('label')?.firstChild?.textContent.trim() || f.name;
    if (f.type === 'u64') {
      try { seedHalves(v); } catch (e) { return `${label}: ${e.message.replace(/^the seed /, '')}.`; }
      continue;
    }
    if (f.type === 'bool' || f.type === 'choice') continue;
    const max = f.js === 'batch' ? Math.min(f.max, LIMITS.MAX_BATCH) : f.js === 'threads' ? (caps?.maxThreads ?? f.max) : f.max;
    const min = f.min;
    if (!Number.isFinite(v) || v < min || v > max || (f.type === 'int' && !Number.isInteger(v)))
      return `${label} must be ${f.type === 'int' ? 'a whole number' : 'a number'} from ${min} to ${max}${f.unit ? ` ${f.unit}` : ''}.`;
  }
  return '';
}

$('train').addEventListener('click', () => {
  const cfg = readConfig(), problem = validConfig(cfg);
  if (problem) { showError('train', problem); return; }
  hideError('train');
  const init = document.querySelector('input[name="start-from"]:checked')?.value === 'current' ? 'current' : 'scratch';
  runConfig = { ...DEFAULT_CONFIG, ...preset.config, ...cfg, init, preset: preset.name };
  $('model-status').textContent = init === 'current'
    ? 'Fine-tuning the current model: the weights being trained are the ones in use.'
    : 'Training from new random weights: they are the ones in use now (Load pretrained brings the pretrained model back).';
  $('model-source').textContent = 'Using the weights being trained.';
  charts.reset();
  report.epochs = []; report.imagesPerSec = []; report.started = new Date().toISOString();
  clearEval();
  tid('checkpoint-step').textContent = '–';
  send(MSG.TRAIN, { config: runConfig });
});
$('pause').addEventListener('click', () => send(MSG.PAUSE));
$('resume').addEventListener('click', () => send(MSG.RESUME));
$('stop').addEventListener('click', () => send(MSG.STOP));
$('reset').addEventListener('click', () => { charts.reset(); clearEval(); resetReadouts(); send(MSG.RESET, { seed: readConfig().seed }); });
$('log-scale').addEventListener('change', (e) => charts.setLogScale(e.target.checked));

function setState(s) {
  state = s;
  if (lastProgress) renderReadouts(lastProgress);      // the throttled readouts catch up
  tid('status').textContent = s;
  const busy = s === 'training' || s === 'evaluating', teachingNow = s === 'teaching';
  $('train').disabled = !dataReady || busy || teachingNow || s === 'paused' || s === 'crashed';
  $('pause').disabled = !busy;
  $('resume').disabled = s !== 'paused';
  $('stop').disabled = !(busy || teachingNow || s === 'paused');
  $('stop').title = teachingNow ? 'Cancel the fine-tune (the model stays as it was)' : '';
  $('reset').disabled = busy || teachingNow || !caps;
  $('load-pretrained').disabled = busy || teachingNow || !caps;
  $('download-report').disabled = report.epochs.length === 0 && !lastProgress;
  for (const el of document.querySelectorAll('#train-form input, #train-form select')) el.disabled = busy || teachingNow || s === 'paused';
  if (caps && caps.maxThreads === 1) $('threads').disabled = true;
}

function fmtTime(s) {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m ? `${m} min ${r} s` : `${r} s`;
}

// Readouts change at most 4 times a second (see charts.js for why); the charts get every step.
let readoutsDue = 0;
function showProgress(p) {
  const first = p.step - p.losses.length + 1;
  charts.addSteps(first, p.losses, p.lr);
  lastProgress = p;
  if (p.imagesPerSec > 0) report.imagesPerSec.push(p.imagesPerSec);
  if (performance.now() < readoutsDue && p.step % p.stepsPerEpoch !== 0 && p.step < p.totalSteps) return;
  renderReadouts(p);
}

function renderReadouts(p) {
  readoutsDue = performance.now() + 250;
  const inEpoch = p.step - p.epoch * p.stepsPerEpoch;
  tid('epoch').textContent = `${Math.min(p.epoch + 1, Math.ceil(p.totalSteps / p.stepsPerEpoch))} of ${Math.ceil(p.totalSteps / p.stepsPerEpoch)}`;
  tid('step').textContent = String(p.step);
  if (p.losses.length) tid('loss').textContent = p.losses[p.losses.length - 1].toFixed(4);
  if (p.imagesPerSec > 0) tid('images-per-second').textContent = String(Math.round(p.imagesPerSec));
  tid('lr').textContent = p.lr.toPrecision(3);
  tid('elapsed').textContent = fmtTime(p.elapsed);
  const rate = p.step / Math.max(p.elapsed, 1e-3);
  tid('eta').textContent = fmtTime((p.totalSteps - p.step) / rate);
  const bar = tid('epoch-progress');
  bar.max = p.stepsPerEpoch; bar.value = inEpoch === 0 && p.step > 0 ? p.stepsPerEpoch : inEpoch;
  tid('threads-in-use').textContent = String(p.threads);
  tid('threads-in-use').dataset.ids = String(new Set(p.threadIds).size);
  $('download-report').disabled = false;
}

function resetReadouts() {
  for (const k of ['epoch', 'loss', 'test-accuracy', 'images-per-second', 'lr', 'elapsed', 'eta', 'checkpoint-step']) tid(k).textContent = '–';
  tid('step').textContent = '0';
  tid('epoch-progress').value = 0;
  lastProgress = null;
}

// ---------- evaluation ----------

function clearEval() { $('per-class').textContent = ''; $('confusion').textContent = ''; $('gallery').textContent = ''; }

function showEpoch(m) {
  charts.addEpoch(m.epoch, m.testLoss, m.testAcc);
  tid('test-accuracy').textContent = `${m.testAcc.toFixed(2)} %`;
  report.epochs.push({ epoch: m.epoch, step: m.step, train_loss: m.trainLoss, test_loss: m.testLoss, test_acc: m.testAcc, elapsed_s: m.elapsed,
    epoch_end_pause_s: m.pauseMs / 1000 });
  // the tables and the gallery are built over the next frames, a piece per frame
  requestAnimationFrame(() => {
    renderPerClass(m.perClass);
    requestAnimationFrame(() => { renderConfusion(m.confusion); renderGallery(m.gallery); });
  });
  if (lastInk && !lastInk.empty) requestPrediction();
}

function renderPerClass(perClass) {
  const pc = $('per-class');
  if (!pc.rows.length) {
    const head = pc.insertRow();
    ['digit', 'accuracy'].forEach((t) => { const th = document.createElement('th'); th.textContent = t; head.appendChild(th); });
    for (let d = 0; d < 10; d++) { const r = pc.insertRow(); r.insertCell().textContent = String(d); r.insertCell(); }
  }
  perClass.forEach((a, d) => { pc.rows[d + 1].cells[1].textContent = `${a.toFixed(2)} %`; });
}

function renderConfusion(confusion) {
  const cm = $('confusion');
  if (!cm.rows.length) {
    const top = cm.insertRow();
    top.appendChild(document.createElement('th'));
    for (let p = 0; p < 10; p++) { const th = document.createElement('th'); th.textContent = String(p); top.appendChild(th); }
    for (let t = 0; t < 10; t++) {
      const r = cm.insertRow(), th = document.createElement('th');
      th.textContent = String(t); r.appendChild(th);
      for (let p = 0; p < 10; p++) r.insertCell().className = t === p ? 'diag' : '';
    }
  }
  const maxOff = Math.max(1, ...confusion.filter((_, i) => i % 11 !== 0));
  for (let t = 0; t < 10; t++)
    for (let p = 0; p < 10; p++) {
      const c = cm.rows[t + 1].cells[p + 1], v = confusion[t * 10 + p];
      c.textContent = String(v);
      if (t !== p) c.style.background = v > 0 ? `rgba(220,60,40,${0.15 + (0.6 * v) / maxOff})` : '';
    }
}

// The misclassified gallery is drawn a few items per animation frame, reusing its elements:
// building 60 canvases at once held the main thread for ~100 ms on a busy 2-core machine.
let galleryJob = 0;
function renderGallery(items) {
  const g = $('gallery'), job = ++galleryJob;
  while (g.children.length > items.length) g.lastChild.remove();
  let i = 0;
  const step = () => {
    if (job !== galleryJob) return;                    // a newer epoch took over
    for (const end = Math.min(i + 8, items.length); i < end; i++) {
      const item = items[i];
      let fig = g.children[i];
      if (!fig) {
        fig = document.createElement('figure');
        const cv = document.createElement('canvas');
        cv.width = 28; cv.height = 28;
        fig.append(cv, document.createElement('figcaption'));
        g.appendChild(fig);
      }
      tile(fig.firstChild, 28, 28, item.pixels, 0, 0, 255);
      fig.lastChild.textContent = `true ${item.truth}, read ${item.pred} (${(100 * item.probs[item.pred]).toFixed(0)} %)`;
      fig.pixels = item.pixels;                      // clicked: the inside view of this digit
      fig.title = `test image ${item.index}: p(${item.truth}) = ${(100 * item.probs[item.truth]).toFixed(1)} %`;
    }
    if (i < items.length) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

// ---------- draw pad ----------

let lastInk = null, predictionPending = false, predictionQueued = false;
const pad = new DrawPad($('draw-canvas'), (ink) => { lastInk = ink; requestPrediction(); markSettled(); }, () => markSettled());
// data-settled on the reading is "yes" when the shown prediction is of the newest drawing and
// weights (no pad frame, request or queued request outstanding): tests wait for it, not a delay
function markSettled() {
  tid('prediction').dataset.settled = pad.pending || predictionPending || predictionQueued ? 'no' : 'yes';
}
$('clear').addEventListener('click', () => pad.clear());
$('undo').addEventListener('click', () => pad.undo());

const bars = $('probabilities');
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.innerHTML = '<span class="digit"></span><span class="bar"><span class="fill"></span></span><span class="pct"></span>';
  li.querySelector('.digit').textContent = String(d);
  li.dataset.digit = String(d);
  bars.appendChild(li);
}

function requestPrediction() {
  if (!lastInk || !caps || state === 'crashed') return;       // no worker to ask (yet, or any more)
  if (predictionPending) { predictionQueued = true; markSettled(); return; }   // one in flight, the newest next
  predictionPending = true;
  markSettled();
  const ink = lastInk.ink.slice();
  send(MSG.PREDICT, { ink, w: lastInk.w, h: lastInk.h, inspect: insidePanel.open }, [ink.buffer]);
}

const predictionWaiters = new Map();
let predictionIds = 0;
// classify a given ink image through the same worker path as the pad (for tests and scripts)
function readInk(ink, w, h) {
  const id = ++predictionIds;
  return new Promise((resolve) => {
    predictionWaiters.set(id, resolve);
    const copy = Float32Array.from(ink);
    send(MSG.PREDICT, { ink: copy, w, h, id }, [copy.buffer]);
  });
}
const classifyInk = async (ink, w, h) => Array.from((await readInk(ink, w, h)).probs);

// what the pad holds now, read through the worker: { img28, ink, read } (teaching keeps img28)
async function currentDrawing() {
  if (!caps || state === 'crashed') return null;
  const { ink, w, h, empty } = pad.ink();
  if (empty) return null;
  const m = await readInk(ink, w, h);
  let read = 0;
  for (let d = 1; d < 10; d++) if (m.probs[d] > m.probs[read]) read = d;
  return { img28: m.img28, ink: m.ink, read };
}

let lastImg28 = null, insideImage = null;
function showPrediction(m) {
  if (!m.id) lastImg28 = m.img28;
  if (m.id) { predictionWaiters.get(m.id)?.(m); predictionWaiters.delete(m.id); return; }
  predictionPending = false;
  $('model-source').textContent = { pretrained: 'Using the pretrained model.', training: 'Using the weights being trained.',
    file: 'Using the loaded model.', random: 'Untrained network.', taught: 'Using the model taught your digits.' }[m.source] || '';
  tile($('model-input'), 28, 28, m.img28, 0, 0, 1);
  let best = 0;
  for (let d = 1; d < 10; d++) if (m.probs[d] > m.probs[best]) best = d;
  tid('prediction').textContent = m.ink ? String(best) : '–';
  bars.querySelectorAll('li').forEach((li, d) => {
    const p = m.ink ? m.probs[d] : 0;
    li.querySelector('.fill').style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector('.pct').textContent = `${(100 * p).toFixed(1)} %`;
    li.classList.toggle('best', m.ink && d === best);
    li.dataset.p = String(p);
  });
  if (predictionQueued) { predictionQueued = false; requestPrediction(); }
  markSettled();
}

// ---------- teaching my digits (teach.js) ----------
const teaching = createTeaching({ send, drawing: currentDrawing, afterTeach: () => pad.clear(), tile: (...a) => tile(...a),
  showError, hideError, download: (...a) => download(...a) });

// ---------- inside the network ----------
// The worker computes the inside view only while the panel is open (PREDICT { inspect }), with
// the prediction it belongs to; opening the panel asks for the current drawing's.
const insidePanel = $('inside');
let openedForGallery = false;
insidePanel.addEventListener('toggle', () => {
  if (openedForGallery) { openedForGallery = false; return; }        // the gallery digit's view is on its way
  if (insidePanel.open && lastInk && !lastInk.empty) requestPrediction();
});

// a grey image on a canvas (the model's input, the gallery, the inside view's tiles):
// values[offset ..] as h rows of w, lo .. hi -> white .. black
function tile(canvas, w, h, values, offset, lo, hi) {
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d'), img = ctx.createImageData(w, h), span = hi - lo || 1;
  for (let i = 0; i < w * h; i++) {
    const g = Math.round(255 * (1 - Math.min(1, Math.max(0, (values[offset + i] - lo) / span))));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
function tiles(box, count) {
  while (box.children.length > count) box.lastChild.remove();
  while (box.children.length < count) box.appendChild(document.createElement('canvas'));
  return [...box.children];
}

function showInside(m) {
  const layersBox = $('inside-layers');
  m.layers.forEach((l, c) => {
    let div = layersBox.children[c];
    if (!div) {
      div = document.createElement('div');
      div.className = 'inside-layer';
      div.dataset.testid = `inside-layer-${c + 1}`;
      div.append(document.createElement('h3'), Object.assign(document.createElement('div'), { className: 'tiles' }));
      layersBox.appendChild(div);
    }
    div.firstChild.textContent = `Convolution ${c + 1}: ${l.K} channels of ${l.P}×${l.Q} (after BatchNorm and ReLU)`;
    let hi = 0;
    for (const v of l.data) if (v > hi) hi = v;
    tiles(div.lastChild, l.K).forEach((cv, k) => tile(cv, l.Q, l.P, l.data, k * l.P * l.Q, 0, hi));
  });
  const f = m.filters, per = f.C * f.R * f.R;
  let fmax = 0;
  for (const v of f.data) fmax = Math.max(fmax, Math.abs(v));
  tiles($('inside-filters'), f.K).forEach((cv, k) => tile(cv, f.R, f.R, f.data, k * per, -fmax, fmax));
  // the input in grey, the saliency's magnitude in red over it
  const input = m.source === 'gallery' ? insideImage : lastImg28, sal = $('saliency'), ctx = sal.getContext('2d'), img = ctx.createImageData(28, 28);
  let smax = 0;
  for (const v of m.saliency) smax = Math.max(smax, Math.abs(v));
  for (let i = 0; i < 784; i++) {
    const g = 255 * (1 - (input ? input[i] : 0)), a = smax ? Math.abs(m.saliency[i]) / smax : 0;
    img.data[4 * i] = Math.round(g * (1 - a) + 220 * a); img.data[4 * i + 1] = Math.round(g * (1 - a) + 30 * a);
    img.data[4 * i + 2] = Math.round(g * (1 - a) + 30 * a); img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  sal.dataset.digit = String(m.digit);
  insidePanel.dataset.source = m.source;
  insidePanel.dataset.updates = String(Number(insidePanel.dataset.updates) + 1);
}

// a misread test digit, clicked: read and looked inside
$('gallery').addEventListener('click', (e) => {
  const fig = e.target.closest('figure');
  if (!fig || !fig.pixels) return;
  insideImage = Float32Array.from(fig.pixels, (v) => v / 255);
  if (!insidePanel.open) { openedForGallery = true; insidePanel.open = true; }
  const img28 = insideImage.slice();
  send(MSG.INSPECT28, { img28 }, [img28.buffer]);
  insidePanel.scrollIntoView({ block: 'start' });
});

// ---------- models, report, resume ----------

function download(blob, name) {
  if (__TEST_HOOKS__ && window.mnistApp) window.mnistApp.lastDownload = { blob, name };   // engines without download handling
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

$('save-model').addEventListener('click', () => send(MSG.SAVE));
$('export-onnx').addEventListener('click', () => send(MSG.EXPORT, { format: 'onnx' }));
$('export-safetensors').addEventListener('click', () => send(MSG.EXPORT, { format: 'safetensors' }));
$('load-pretrained').addEventListener('click', () => send(MSG.LOAD_PRETRAINED));
$('load-model').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  if (file.size > LIMITS.MODEL_MAX_BYTES) { showError('load', `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB: far too large to be a model of this app. The current model is unchanged.`); return; }
  const bytes = await file.arrayBuffer();
  send(MSG.LOAD, { bytes, name: file.name }, [bytes]);
});

$('download-report').addEventListener('click', () => {
  const ips = report.imagesPerSec.slice().sort((a, b) => a - b);
  const run = { app: 'MNIST in a tab', network: 'reference (15,122 parameters)', date: new Date().toISOString(), started: report.started,
    hyperparameters: runConfig, browser: navigator.userAgent, cores: navigator.hardwareConcurrency, capabilities: caps,
    epochs: report.epochs, images_per_second_median: ips.length ? ips[Math.floor(ips.length / 2)] : null,
    final_test_accuracy: report.epochs.length ? report.epochs[report.epochs.length - 1].test_acc : null,
    steps: lastProgress?.step ?? 0, elapsed_s: lastProgress?.elapsed ?? 0 };
  download(new Blob([JSON.stringify(run, null, 2)], { type: 'application/json' }), 'mnist-run-report.json');
});

async function offerResume() {
  let cp;
  try { cp = await loadCheckpoint(); } catch { return; }
  if (!cp || !cp.meta || cp.meta.step >= cp.meta.totalSteps) return;
  const { meta } = cp;
  $('banner-text').textContent = `A training run was interrupted at step ${meta.step} of ${meta.totalSteps} (epoch ${meta.epoch + 1}, saved ${new Date(meta.savedAt).toLocaleString()}). Resume it?`;
  $('banner-resume').hidden = false;
  $('banner').hidden = false;
  $('banner-resume').onclick = () => {
    $('banner').hidden = true;
    runConfig = meta.config;
    charts.reset();
    report.epochs = meta.history.map((h) => ({ epoch: h.epoch, step: h.step, train_loss: h.trainLoss, test_loss: h.testLoss, test_acc: h.testAcc, elapsed_s: h.elapsed }));
    for (const h of meta.history) charts.addEpoch(h.epoch, h.testLoss, h.testAcc);
    send(MSG.RESUME_CHECKPOINT, { bytes: cp.bytes, meta }, [cp.bytes]);
  };
}
$('banner-dismiss').addEventListener('click', async () => { $('banner').hidden = true; try { await clearCheckpoint(); } catch { /* nothing to clear */ } });

// ---------- errors ----------

function showError(where, message) {
  const el = $('error');
  el.textContent = message;        // text only: messages may quote file contents
  el.dataset.where = where;
  el.hidden = false;
}
function hideError(where) { const el = $('error'); if (el.dataset.where === where) el.hidden = true; }

// Test builds only (__TEST_HOOKS__): the speed benchmark in a separate module instance.
let benchWaiter = null;
function bench(opts = {}) {
  return new Promise((resolve) => { benchWaiter = resolve; send(TEST_MSG.BENCH, opts); });
}

// ---------- the service worker (the built app only): isolation on any host, offline ----------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Before the worker starts: register public/sw.js and, on a first visit, wait until it has
// cached the app and controls this page, so the app's files and MNIST load once, through it.
// Where the host sends no isolation headers the service worker adds them, and the page reloads
// once to become isolated (sessionStorage keeps that to once). Without a service worker (the
// dev server, a blocked or failing one) the app runs all the same: single-threaded where the
// page is not isolated, and not offline.
async function setUpServiceWorker() {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || params.has('nosw')) return 'none';
  try {
    // a registration that neither succeeds nor fails (a blocked service worker) must not hold the app up
    const registered = await Promise.race([navigator.serviceWorker.register(new URL('sw.js', document.baseURI)), sleep(10_000)]);
    if (!registered) return 'none';
    if (!navigator.serviceWorker.controller)
      await Promise.race([new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true })), sleep(60_000)]);
    if (self.crossOriginIsolated) sessionStorage.removeItem('mnist-isolation-reload');
    else if (navigator.serviceWorker.controller && !sessionStorage.getItem('mnist-isolation-reload')) {
      sessionStorage.setItem('mnist-isolation-reload', '1');
      location.reload();
      return 'reload';
    }
    return navigator.serviceWorker.controller ? 'controlled' : 'none';
  } catch {
    return 'none';
  }
}

// the folded capability panel's one line
function summarizeCaps() {
  if (!caps) return;
  const threads = caps.threads > 1 ? `${caps.threads} threads` : 'one core';
  tid('caps-summary').textContent = `This browser: ${threads}, WebAssembly SIMD ${caps.simd && caps.simdCompiled ? 'on' : 'off'}, works offline: ${tid('offline').textContent}. Details`;
}

// "Works offline": whether this version's offline copy (app and MNIST) is complete
async function showOfflineStatus() {
  const sw = 'serviceWorker' in navigator ? navigator.serviceWorker.controller : null;
  if (!sw) { tid('offline').textContent = import.meta.env.PROD ? 'no' : 'no (development server)'; summarizeCaps(); return; }
  const status = await new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => resolve(e.data);
    sw.postMessage({ type: 'status' }, [ch.port2]);
    setTimeout(() => resolve({ complete: false }), 10_000);
  });
  tid('offline').textContent = status.complete ? 'yes' : 'no';
  summarizeCaps();
}

// a handle for the browser tests and benchmarks (chart data, state, a drawing classified
// through the worker, the benchmark, an armed trap); absent from a production build
if (__TEST_HOOKS__) {
  window.mnistApp = { charts, classifyInk, bench, presets: PRESETS, debugTrap: (where) => send(TEST_MSG.DEBUG_TRAP, { where }),
    get state() { return state; }, get caps() { return caps; } };
}

tid('build-id').textContent = __BUILD_ID__;
setUpServiceWorker().then((sw) => { if (sw !== 'reload') startWorker(); });
pad.changed();
