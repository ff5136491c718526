// The worker that owns the WebAssembly module (and, through it, the pthreads): a dispatcher over
// one module per job (worker/): loading and capabilities, data, training and evaluation,
// teaching and my-digits files, reading and the inside view, the model files. Every request is
// answered once (DONE or a reply of its own, or ERROR with a code); one job runs at a time and
// what cannot run beside it is refused 'busy' with the reason (REFUSED_BESIDE); a WebAssembly
// trap turns the worker silent (CRASHED) for the page to replace it.
import { MSG } from './protocol.js';
import { w, post, crash, isTrap, reply, replyError, refusal, job, LATER } from './worker/context.js';
import { init } from './worker/loading.js';
import { loadData, setData } from './worker/data.js';
import { evaluateNow } from './worker/evaluation.js';
import { train, pause, resume, stop, cancelRun } from './worker/training.js';
import { teachRequested, startQueuedTeach, cancelTeach, teachingNow, digitsWrite, digitsRead } from './worker/teaching.js';
import { predict, inspect28 } from './worker/reading.js';
import { save, exportModel, load, loadPretrainedModel, reset } from './worker/models.js';
import { describe, setDesign } from './worker/designs.js';
import { testHook } from './worker/test-hooks.js';     // test builds only: dropped with its uses

w.afterLoop = startQueuedTeach;      // a fine-tune asked for during a run starts once it pauses or ends
if (__TEST_HOOKS__) self.__mnistWorker = w;   // the soak benchmark reads the allocator's use (test builds only)

// What each job refuses beside it; everything else may run between its slices (readings, designs
// described, my-digits files, the run's controls, STATUS, CANCEL). A fine-tune asked for while a
// run trains waits for the run to pause or end; a load, new data or a new design while a run is
// paused ends that run (its train() resolves { state: 'idle' }).
const CHANGES_MODEL = [MSG.LOAD, MSG.LOAD_PRETRAINED, MSG.SET_DESIGN, MSG.RESET];
const CHANGES_DATA = [MSG.LOAD_DATA, MSG.SET_DATA];
const STARTS_JOB = [MSG.TRAIN, MSG.RESUME_CHECKPOINT, MSG.EVALUATE, MSG.TEACH];
const REFUSED_BESIDE = {
  start: [...CHANGES_MODEL, ...CHANGES_DATA, ...STARTS_JOB, MSG.SAVE, MSG.EXPORT],
  data: [...CHANGES_DATA, ...STARTS_JOB],
  model: [...CHANGES_MODEL, ...STARTS_JOB],
  evaluate: [...CHANGES_MODEL, ...CHANGES_DATA, ...STARTS_JOB, MSG.RESUME],
  run: [...CHANGES_MODEL, ...CHANGES_DATA, MSG.TRAIN, MSG.RESUME_CHECKPOINT, MSG.EVALUATE],
  paused: [MSG.TRAIN, MSG.RESUME_CHECKPOINT],
  // a run paused during its epoch-end evaluation: that evaluation goes on to its end (it holds the
  // core's tally), so a second one waits; a fine-tune is queued until the loop ends (teaching.js)
  'epoch-eval': [MSG.EVALUATE],
  teach: [...CHANGES_MODEL, ...CHANGES_DATA, ...STARTS_JOB, MSG.SAVE, MSG.EXPORT, MSG.RESUME],
};
const BUSY_WITH = {
  start: 'The trainer is still starting (the module, the model or MNIST): wait for start() to finish.',
  data: 'Data is being loaded: wait until it is in.',
  model: 'The pretrained model is being loaded: wait until it is in.',
  evaluate: 'An evaluation is going on: wait for it (or abort it).',
  run: 'A training run is going on: pause or stop it first.',
  paused: 'A training run is paused: stop it before starting another.',
  'epoch-eval': "The paused run's end-of-epoch evaluation is still going on: wait for it.",
  teach: 'The network is being taught your digits: wait for the fine-tune (or stop it).',
};

export function jobsNow() {
  const kinds = [...w.jobs].map((j) => j.kind);
  if (w.run && (w.state === 'training' || w.state === 'evaluating')) kinds.push('run');
  if (w.run && w.state === 'paused') kinds.push(...(w.run.evaluating ? ['epoch-eval', 'paused'] : ['paused']));
  if (teachingNow()) kinds.push('teach');
  return kinds;
}

// the reason msg cannot run now, or ''
function busyReason(type) {
  const kind = jobsNow().find((k) => REFUSED_BESIDE[k].includes(type));
  return kind ? BUSY_WITH[kind] : '';
}

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    const answer = await handle(msg);
    if (answer !== LATER) reply(msg, answer);
  } catch (err) {
    if (isTrap(err) || w.state === 'crashed') crash(err);
    else if (msg.rid !== undefined) replyError(msg.rid, msg.type, err);
    else post(MSG.ERROR, { where: msg.type, code: err.code || 'refused', message: err.message });
  }
};

function status() {
  const M = w.M;
  return { state: w.state, design: M ? M.UTF8ToString(M._api_design()) : '', params: M ? M._api_param_count() : 0,
    source: w.modelSource, data: w.dataReady ? { train: M._api_data_count(0), test: M._api_data_count(2) } : null,
    runId: w.run?.id ?? null, jobs: jobsNow() };
}

async function handle(msg) {
  if (w.state === 'crashed') return LATER;           // the page replaces a crashed worker; it answers nothing more
  switch (msg.type) {           // before the gate: they are never refused as busy
    case MSG.CANCEL: cancel(msg.target); return LATER;
    case MSG.INIT: return start(msg);
    default: break;
  }
  if (!w.M) throw refusal(w.jobs.size ? 'busy' : 'refused', w.jobs.size ? BUSY_WITH.start : 'The WebAssembly module is not loaded.');
  const busy = busyReason(msg.type);
  if (busy) throw refusal('busy', busy);
  switch (msg.type) {
    case MSG.STATUS: return status();
    case MSG.LOAD_DATA: return job('data', msg, () => loadData(msg.base ?? w.dataBase, msg.base ? (msg.suffix ?? '') : w.dataSuffix, !!msg.base));
    case MSG.SET_DATA: return setData(msg);
    case MSG.EVALUATE: return job('evaluate', msg, (entry) => evaluateNow(msg, entry));
    case MSG.TRAIN: await train(msg.config, msg.runId, msg.rid); return LATER;
    case MSG.PAUSE: pause(); return { state: w.state };
    case MSG.RESUME: resume(); return { state: w.state };
    case MSG.STOP:
      if (teachingNow()) cancelTeach();       // the fine-tune puts the weights back
      else stop();
      return { state: w.state };
    case MSG.RESUME_CHECKPOINT: await train(msg.meta?.config, msg.runId, msg.rid, msg.bytes, msg.meta); return LATER;
    case MSG.TEACH: teachRequested(msg); return LATER;
    case MSG.DESCRIBE: describe(msg); return LATER;
    case MSG.SET_DESIGN: return setDesign(msg);
    case MSG.DIGITS_WRITE: digitsWrite(msg); return LATER;
    case MSG.DIGITS_READ: digitsRead(msg); return LATER;
    case MSG.PREDICT: predict(msg); return LATER;
    case MSG.INSPECT28: inspect28(msg); return LATER;
    case MSG.SAVE: save(msg); return LATER;
    case MSG.EXPORT: exportModel(msg); return LATER;
    case MSG.LOAD: return load(msg);
    case MSG.LOAD_PRETRAINED: return job('model', msg, () => loadPretrainedModel());
    case MSG.RESET: return reset(msg);
    default:
      if (__TEST_HOOKS__) { const hooked = await testHook(msg); if (hooked !== undefined) return hooked; }
      throw refusal('invalid', `unknown message ${msg.type}`);
  }
}

// INIT: the module and the model (a 'start' job), then MNIST when asked for (a 'data' job)
async function start(msg) {
  if (w.M || w.jobs.size) throw refusal('busy', 'This worker has started already.');
  // a start-up that never reports READY (the watchdog's test)
  if (__TEST_HOOKS__ && msg.testStall) return LATER;
  const caps = await job('start', msg, () => init(msg));
  if (msg.loadData === false) return { caps };
  try {
    return { caps, data: await job('data', msg, () => loadData(w.dataBase, w.dataSuffix, false)) };
  } catch (e) {
    e.where = 'data';                 // started, but MNIST did not load: the page says so where it says data's state
    throw e;
  }
}

// CANCEL { target }: the caller's AbortSignal fired for request target
function cancel(target) {
  if (cancelRun(target) || cancelTeach(target)) return;
  for (const j of w.jobs) if (j.rid === target) j.aborted = true;      // an evaluation gives up at its next slice
}
