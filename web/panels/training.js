// Training: the form (fields, ranges and defaults from the core's contract; the recipe menu),
// the controls (Train, Pause, Resume, Stop, Reset), the status and readouts, the live charts
// and the run report. Owns #train-form, the controls, the readouts and the charts.
import { MSG, DEFAULT_CONFIG, seedHalves } from '../protocol.js';
import { CONFIG_FIELDS, RUN_FIELDS, LIMITS, PRESETS, DESIGNS } from '../generated/contract.js';
import { Charts } from '../charts.js';
import { $, tid, download } from '../ui.js';
import { TAB_RUN_KEY } from './resume.js';

// The training form: each input names its field (data-field); defaults, ranges and types come
// from the core's contract, so the form cannot drift from what the core accepts. The recipe
// menu fills the form from a named recipe of the core (RECIPE_PRESETS; the first is the
// default) and supplies the fields the form does not show.
const FIELDS = Object.fromEntries([...CONFIG_FIELDS, ...RUN_FIELDS].map((f) => [f.js, f]));
const formInputs = () => [...document.querySelectorAll('#train-form [data-field]')];

function createForm(app) {
  const presetMenu = $('preset');
  let preset = PRESETS[0];
  for (const p of PRESETS) {
    const option = Object.assign(document.createElement('option'), { value: p.name });
    option.textContent = `${p.name}: ${p.help}`;
    presetMenu.appendChild(option);
  }
  presetMenu.addEventListener('change', () => {
    preset = PRESETS.find((p) => p.name === presetMenu.value) || PRESETS[0];
    fillFromPreset(preset);
  });
  app.on('change', (patch, { caps }) => {              // the thread field's range: what the worker found
    if (!patch.caps || !caps) return;
    const threads = $('threads');
    threads.max = String(caps.maxThreads);
    threads.value = String(caps.threads);
    threads.disabled = caps.maxThreads === 1;
  });
  setFieldRanges();
  presetMenu.value = preset.name;
  fillFromPreset(preset);
  $('threads').value = String(navigator.hardwareConcurrency > 1 ? 2 : 1);   // until the worker reports

  // a link's recipe: its preset, its fields as given, every other field as that preset fills it (threads stay)
  function use(presetName, values) {
    preset = PRESETS.find((p) => p.name === presetName) || PRESETS[0];
    presetMenu.value = preset.name;
    const base = baseOf(preset);
    for (const el of formInputs()) {
      const f = FIELDS[el.dataset.field];
      if (f.js === 'threads') continue;
      const v = f.js in values ? values[f.js] : base[f.js];
      if (f.type === 'bool') el.checked = Boolean(v); else el.value = String(v);
    }
  }
  const problem = (c) => formProblem(c, app.get().caps?.maxThreads);
  return { read: readForm, problem, preset: () => preset, base: () => baseOf(preset), use };
}

// the fields a preset names take its values (run options and the seed stay as they are)
function fillFromPreset(preset) {
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    if (!(f.js in preset.config) || f.js === 'seed') continue;
    const v = preset.config[f.js];
    if (f.type === 'bool') el.checked = v; else el.value = String(v);
  }
}

// each field's default and range from the contract
function setFieldRanges() {
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
}

function readForm() {
  const cfg = {};
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    cfg[f.js] = f.type === 'bool' ? el.checked
      : f.type === 'choice' || f.type === 'u64' ? el.value.trim() : Number(el.value);
  }
  return cfg;
}

// The same ranges the core checks, said in the form's words before anything is sent.
function formProblem(c, maxThreads) {
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field], v = c[f.js];
    const label = el.closest('label')?.firstChild?.textContent.trim() || f.name;
    if (f.type === 'u64') {
      try { seedHalves(v); } catch (e) { return `${label}: ${e.message.replace(/^the seed /, '')}.`; }
      continue;
    }
    if (f.type === 'bool' || f.type === 'choice') continue;
    const max = f.js === 'batch' ? Math.min(f.max, LIMITS.MAX_BATCH)
      : f.js === 'threads' ? (maxThreads ?? f.max) : f.max;
    if (!Number.isFinite(v) || v < f.min || v > max || (f.type === 'int' && !Number.isInteger(v)))
      return `${label} must be ${f.type === 'int' ? 'a whole number' : 'a number'} from ${f.min} to ${max}`
        + `${f.unit ? ` ${f.unit}` : ''}.`;
  }
  return '';
}

// what a preset fills in, and the field's default where the preset says nothing (a design link leaves these out)
function baseOf(p) {
  const base = {};
  for (const el of formInputs()) {
    const f = FIELDS[el.dataset.field];
    const fallback = f.type === 'choice' ? f.choices[f.default] : f.default;
    base[f.js] = f.js in p.config && f.js !== 'seed' ? p.config[f.js] : fallback;
  }
  return base;
}

// Every message about a run names it (runId); what belongs to another run (an old run's
// evaluation finishing late) is dropped, and counted in the status's data-dropped.
const RUN_MESSAGES = new Set([MSG.PROGRESS, MSG.EPOCH, MSG.CHECKPOINTED, MSG.DIVERGED]);
export const newRunId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

function dropOtherRuns(trainer, app) {
  trainer.filter((m) => {
    if (!RUN_MESSAGES.has(m.type) || m.runId === app.get().runId) return true;
    const status = tid('status');
    status.dataset.dropped = String(Number(status.dataset.dropped || 0) + 1);
    return false;
  });
}

export function createTraining({ trainer, app, errors }) {
  const form = createForm(app);
  dropOtherRuns(trainer, app);
  const charts = new Charts({ loss: $('loss-chart'), epoch: $('epoch-chart'), lr: $('lr-chart') },
    { loss: $('loss-chart-empty'), epoch: $('epoch-chart-empty'), lr: $('lr-chart-empty') });
  const report = { epochs: [], imagesPerSec: [], network: `${DESIGNS[0].spec} (the reference net)` };
  trainer.on(MSG.LOADED, (m) => {                      // the design the report names
    if (m.design) report.network = `${m.design} (${m.params} parameters)`;
    else if (m.source === 'pretrained') report.network = `${DESIGNS[0].spec} (the reference net)`;
  });
  const readouts = createReadouts(report);
  let runConfig = null;

  // the recipe in the form (the menu's preset and the fields), or the form's word on what is wrong with it
  function recipe() {
    const cfg = form.read(), problem = form.problem(cfg);
    return { problem, config: { ...DEFAULT_CONFIG, ...form.preset().config, ...cfg, preset: form.preset().name } };
  }
  // a run of config (recipe() with init) on the network in use: the path of Train, also the lab queue's;
  // returns its id and trainer.train's promise ({ state } when the run ends)
  function startRun(config) {
    runConfig = config;
    // nothing of the last run stays on show (its step was read as this run's)
    charts.reset(); readouts.reset();
    report.epochs = []; report.imagesPerSec = []; report.started = new Date().toISOString();
    const runId = newRunId();
    app.set({ runId });
    sessionStorage.setItem(TAB_RUN_KEY, runId);            // a reload of this tab offers this run first
    app.emit('run-started', { init: config.init, config, runId });
    return { runId, ended: trainer.train(config, { runId }) };
  }
  wireControls({ trainer, app, errors, charts, readouts, form, recipe, startRun });

  trainer.on(MSG.STATE, (m) => app.set({ status: m.state }));
  followRun(trainer, charts, readouts, report);
  announceTraining(app);
  trainer.on(MSG.DIVERGED, (m) => errors.show('train', m.message));

  app.on('change', (patch, s) => {
    if ('status' in patch || 'caps' in patch || 'dataReady' in patch) showControls(s, readouts, report);
  });

  $('download-report').addEventListener('click',
    () => downloadReport(report, readouts.last(), runConfig, app.get().caps));

  // a checkpointed run, resumed under its own id: its recipe, history and charts come back
  // before it goes on; returns the id
  function resumeFrom(meta) {
    const runId = meta.runId || newRunId();
    app.set({ runId });
    sessionStorage.setItem(TAB_RUN_KEY, runId);
    runConfig = meta.config;
    charts.reset(); readouts.reset();
    report.epochs = meta.history.map((h) => ({ epoch: h.epoch, step: h.step, train_loss: h.trainLoss,
      test_loss: h.testLoss, test_acc: h.testAcc, elapsed_s: h.elapsed }));
    for (const h of meta.history) charts.addEpoch(h.epoch, h.testLoss, h.testAcc);
    app.emit('run-resumed', { config: meta.config, runId, history: meta.history });
    return runId;
  }

  // the recipe as a link carries it (share.js): the preset's name, the form's values, what the preset fills in
  const linkRecipe = () => ({ preset: form.preset().name, values: form.read(), base: form.base() });
  return { charts, resumeFrom, presets: PRESETS, recipe, startRun, linkRecipe, useRecipe: form.use };
}

// Train, Pause, Resume, Stop, Reset and the log scale
function wireControls({ trainer, app, errors, charts, readouts, form, recipe, startRun }) {
  $('train').addEventListener('click', () => {
    const { problem, config } = recipe();
    if (problem) { errors.show('train', problem); return; }
    errors.hide('train');
    const from = document.querySelector('input[name="start-from"]:checked')?.value;
    const init = from === 'current' ? 'current' : 'scratch';
    startRun({ ...config, init }).ended.catch(errors.of('train'));
  });
  $('pause').addEventListener('click', () => trainer.pause().catch(errors.of('train')));
  $('resume').addEventListener('click', () => trainer.resume().catch(errors.of('train')));
  $('stop').addEventListener('click', () => trainer.stop().catch(errors.of('train')));
  $('reset').addEventListener('click', () => {
    charts.reset(); readouts.reset();
    app.set({ runId: null });                               // the run, if any, ends with the new weights
    app.emit('reset');
    trainer.reset(form.read().seed).catch(errors.of('reset'));
  });
  $('log-scale').addEventListener('change', (e) => charts.setLogScale(e.target.checked));
}

// the controls and the status line for the app's state: what may be pressed now
function showControls({ status: s, caps, dataReady }, readouts, report) {
  readouts.catchUp();                                   // the throttled readouts catch up
  tid('status').textContent = s;
  const busy = s === 'training' || s === 'evaluating', teachingNow = s === 'teaching';
  $('train').disabled = !dataReady || busy || teachingNow || s === 'paused' || s === 'crashed';
  $('pause').disabled = !busy;
  $('resume').disabled = s !== 'paused';
  $('stop').disabled = !(busy || teachingNow || s === 'paused');
  $('stop').title = teachingNow ? 'Cancel the fine-tune (the model stays as it was)' : '';
  $('reset').disabled = busy || teachingNow || !caps;
  $('download-report').disabled = report.epochs.length === 0 && !readouts.last();
  for (const el of document.querySelectorAll('#train-form input, #train-form select')) {
    el.disabled = busy || teachingNow || s === 'paused';
  }
  if (caps && caps.maxThreads === 1) $('threads').disabled = true;
}

// a run's progress, epochs and checkpoints into the charts, the readouts and the report
function followRun(trainer, charts, readouts, report) {
  trainer.on(MSG.PROGRESS, (p) => {
    charts.addSteps(p.step - p.losses.length + 1, p.losses, p.lr);
    readouts.show(p);
  });
  trainer.on(MSG.EPOCH, (m) => {
    charts.addEpoch(m.epoch, m.testLoss, m.testAcc);
    tid('test-accuracy').dataset.epoch = String(m.epoch);          // the epoch this accuracy is of
    tid('test-accuracy').textContent = `${m.testAcc.toFixed(2)} %`;
    report.epochs.push({ epoch: m.epoch, step: m.step, train_loss: m.trainLoss, test_loss: m.testLoss,
      test_acc: m.testAcc, elapsed_s: m.elapsed, epoch_end_pause_s: m.pauseMs / 1000 });
  });
  trainer.on(MSG.CHECKPOINTED, (m) => { tid('checkpoint-step').textContent = String(m.step); });
  trainer.on(MSG.ERROR, (m) => { if (m.where === 'checkpoint') tid('checkpoint-step').textContent = 'not kept'; });
}

function fmtTime(s) {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m ? `${m} min ${r} s` : `${r} s`;
}

// The run's readouts: they change at most 4 times a second (see charts.js for why), except at
// an epoch's end and the run's; the charts get every step.
function createReadouts(report) {
  let lastProgress = null, readoutsDue = 0;
  function show(p) {
    lastProgress = p;
    if (p.imagesPerSec > 0) report.imagesPerSec.push(p.imagesPerSec);
    if (performance.now() < readoutsDue && p.step % p.stepsPerEpoch !== 0 && p.step < p.totalSteps) return;
    render(p);
  }
  function render(p) {
    readoutsDue = performance.now() + 250;
    const inEpoch = p.step - p.epoch * p.stepsPerEpoch, epochs = Math.ceil(p.totalSteps / p.stepsPerEpoch);
    tid('epoch').textContent = `${Math.min(p.epoch + 1, epochs)} of ${epochs}`;
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

  function reset() {
    const shown = ['epoch', 'loss', 'test-accuracy', 'images-per-second', 'lr', 'elapsed', 'eta', 'checkpoint-step'];
    for (const k of shown) tid(k).textContent = '–';
    tid('step').textContent = '0';
    tid('epoch-progress').value = 0;
    lastProgress = null;
  }

  return { show, reset, last: () => lastProgress, catchUp: () => { if (lastProgress) render(lastProgress); } };
}

// the run report: recipe, browser, capabilities, epochs, median speed
function downloadReport(report, last, runConfig, caps) {
  const ips = report.imagesPerSec.slice().sort((a, b) => a - b);
  const run = { app: 'MNIST in a tab', network: report.network, date: new Date().toISOString(), started: report.started,
    hyperparameters: runConfig, browser: navigator.userAgent, cores: navigator.hardwareConcurrency, capabilities: caps,
    epochs: report.epochs, images_per_second_median: ips.length ? ips[Math.floor(ips.length / 2)] : null,
    final_test_accuracy: report.epochs.length ? report.epochs[report.epochs.length - 1].test_acc : null,
    steps: last?.step ?? 0, elapsed_s: last?.elapsed ?? 0 };
  download(new Blob([JSON.stringify(run, null, 2)], { type: 'application/json' }), 'mnist-run-report.json');
}

// Tabs of the app tell each other when they train (BroadcastChannel): two runs on two cores
// halve each other's speed, so the page says so. A tab that trains says it every 2 s; a tab
// that heard nothing for 5 s takes the note down.
function announceTraining(app) {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel('mnist-in-a-tab'), note = $('other-tab');
  let heard = 0;
  channel.onmessage = (e) => { if (e.data?.training) { heard = Date.now(); note.hidden = false; } };
  setInterval(() => {
    const s = app.get().status;
    if (s === 'training' || s === 'evaluating') channel.postMessage({ training: true });
    if (Date.now() - heard > 5000) note.hidden = true;
  }, 2000);
}
