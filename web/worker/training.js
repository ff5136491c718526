// Training runs: the recipe into the core field by field, whole steps in ~100 ms slices (so
// PAUSE and PREDICT are answered between them), an evaluation at every epoch's end, and
// checkpoints to IndexedDB when the caller asked for them (INIT's checkpoints). A run's
// request is answered when it ends: done, stopped, aborted, ended by a load while paused,
// diverged or failed.
import { MSG, seedHalves } from '../protocol.js';
import { CONFIG_FIELDS, PROGRESS_FIELDS, LIMITS } from '../generated/contract.js';
import { saveCheckpoint, storageProblem } from '../store.js';
import { w, post, setState, errorText, crash, isTrap, yieldToEvents, reply, replyError, refusal } from './context.js';
import { scoped, readRecord, savedBytes } from './wasm-memory.js';
import { evalTestSet, evaluationReport } from './evaluation.js';

// true when a task of `run` that awaited should stop: that run ended or was replaced by another
// (an evaluation of an old run must never score a new run's weights), or the module is gone
const abandoned = (run) => w.run !== run || !w.M;

function progress() {
  const { fields } = readRecord(PROGRESS_FIELDS, (p) => w.M._api_progress(p));
  return { ...fields, diverged: fields.diverged === 1 };
}

// The recipe crosses by field id, each checked against its range in C; unknown keys (the
// run options threads and subset) are not recipe fields.
// the recipe's fields into the core's recipe (checked there one by one); nothing else changes
function setRecipe(cfg) {
  const M = w.M, check = (rc) => { if (rc !== 0) throw new Error(errorText()); };
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
}

// a new trainer for the recipe, over the first cfg.subset training images (0: all)
function configure(cfg) {
  const M = w.M, check = (rc) => { if (rc !== 0) throw new Error(errorText()); };
  setRecipe(cfg);
  check(M._api_limit_train(cfg.subset || 0));
  check(M._api_configure());
}

// a checkpoint's run (weights, optimiser, step) continued: the core loads it into a trainer made
// beside the one in use, which it replaces only if the whole file loaded (a refusal changes nothing)
function resumeFrom(bytes, cfg) {
  if (bytes.length > LIMITS.MODEL_MAX_BYTES) throw new Error(`the file is ${(bytes.length / 2 ** 20).toFixed(0)} MB, far larger than a model of this app`);
  setRecipe(cfg);
  const rc = scoped((mem) => w.M._api_resume(mem.copyIn(bytes), bytes.length, cfg.subset || 0));
  if (rc !== 0) throw new Error(errorText());
  w.caps.params = w.M._api_param_count();
}

// the weights with the training state, as a model file; throws with the core's reason when it
// cannot write one (out of memory): an empty file is never passed off as a model
export function snapshot(withTraining) {
  const n = w.M._api_save(withTraining ? 1 : 0);
  if (!(n > 0)) throw refusal('failed', `The model could not be saved: ${errorText() || 'the core wrote nothing'}.`);
  return savedBytes(n);
}

// TRAIN and RESUME_CHECKPOINT: a run from scratch, on the current weights, or from a checkpoint.
// runId names the run in every message about it (the page drops what belongs to another run);
// rid: the request answered when the run ends (endRun). A refusal throws (the gate in
// worker.js has already refused a run beside another run, a fine-tune or an evaluation).
export async function train(cfg, runId, rid, resumeBytes = null, resumeMeta = null) {
  if (!w.dataReady) throw refusal('refused', 'No data is loaded yet: loadMnist() or setData() first.');
  if (!cfg || typeof cfg !== 'object') throw refusal('invalid', 'a run needs its recipe');
  const M = w.M;
  try {
    if (resumeBytes) {
      const before = M.UTF8ToString(M._api_design());
      resumeFrom(new Uint8Array(resumeBytes), cfg);
      // a checkpoint of another design switched the network
      const design = M.UTF8ToString(M._api_design());
      if (design !== before) post(MSG.LOADED, { source: 'checkpoint', design, params: w.caps.params });
    } else {
      configure(cfg);
      if (cfg.init !== 'current') M._api_init_params(...seedHalves(cfg.seed));   // from scratch; else fine-tune
    }
    if (cfg.threads) M._api_set_threads(Math.min(cfg.threads, w.caps.maxThreads));
  } catch (e) {
    throw refusal(e.code || 'refused', e.message);
  }
  w.caps.threads = M._api_threads();
  w.run = { id: String(runId || `run-${Date.now()}`), rid, cfg: { ...cfg, threads: w.caps.threads }, history: resumeMeta?.history || [], started: performance.now(),
    elapsedBefore: resumeMeta?.elapsed || 0, rate: [], lastCheckpoint: performance.now() };
  w.modelSource = 'training';
  setState('training');
  loop();
}

// The run ends: its request is answered (value, or err: a TrainerError) and the state is said.
function endRun(state, err = null) {
  const run = w.run;
  if (!run) return;
  w.run = null;
  setState(state);
  if (run.rid === undefined) return;
  if (err) replyError(run.rid, MSG.TRAIN, err);
  else reply({ rid: run.rid }, { state });
}

// a pause in the run's last evaluation is not taken: the run ends done as that evaluation ends
// (a run shown paused must not end by itself)
export function pause() {
  if (w.run && !w.run.lastEvaluation && (w.state === 'training' || w.state === 'evaluating')) setState('paused');
}
export function resume() { if (w.state === 'paused' && w.run) { setState('training'); loop(); } }
export function stop() { if (w.run) endRun('idle'); }   // a queued fine-tune starts when the loop ends
// a load, new data or a new design while a run is paused ends it (it could not go on)
export function endPausedRun() { if (w.run && w.state === 'paused') endRun('idle'); }
// the caller's AbortSignal for request rid: the run of that request stops; true if it was one
export function cancelRun(rid) {
  if (!w.run || w.run.rid !== rid) return false;
  endRun('idle', refusal('aborted', 'The run was aborted; the weights are those of its last step.'));
  return true;
}

async function loop() {
  if (w.looping) return;           // one training loop at a time (RESUME may arrive mid-evaluation)
  w.looping = true;
  try {
    await trainSlices();
  } catch (e) {
    if (isTrap(e) || w.state === 'crashed') crash(e);
    else {
      const message = `Training stopped: ${e.message}`;
      if (w.run?.rid === undefined) post(MSG.ERROR, { where: 'train', runId: w.run?.id, code: 'failed', message });
      endRun('idle', refusal('failed', message));
    }
  } finally {
    w.looping = false;
    w.afterLoop();
    // a run started while the old loop finished its last await goes on in a loop of its own
    if (w.run && w.state === 'training') loop();
  }
}

// one slice: whole steps until ~100 ms have passed, never past an epoch's end
function slice() {
  const M = w.M, t0 = performance.now(), losses = [];
  let p = progress(), steps = 0;
  while (performance.now() - t0 < 100) {
    const n = M._api_train_steps(1);
    if (n < 0) throw new Error(errorText());
    if (n === 0) break;
    steps += n;
    p = progress();
    losses.push(p.loss);
    if (p.step % p.stepsPerEpoch === 0) break;
  }
  return { p, steps, losses, ms: performance.now() - t0 };
}

async function trainSlices() {
  while (w.run && w.state === 'training') {
    const run = w.run, { p, steps, losses, ms } = slice();
    if (p.diverged) { diverged(p); return; }
    // images/s over the last ~3 s of training slices (one slice is too short to be steady)
    const now = performance.now();
    run.rate.push([now, ms, steps * run.cfg.batch]);
    while (run.rate.length > 1 && now - run.rate[0][0] > 3000) run.rate.shift();
    const rateMs = run.rate.reduce((s, r) => s + r[1], 0), images = run.rate.reduce((s, r) => s + r[2], 0);
    post(MSG.PROGRESS, { runId: run.id, step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, stepsPerEpoch: p.stepsPerEpoch,
      losses, lr: p.lr, imagesPerSec: rateMs > 0 ? (1000 * images) / rateMs : 0, elapsed: elapsed(run), threads: w.M._api_threads(),
      threadIds: threadIds() });
    const epochEnded = steps > 0 && p.step % p.stepsPerEpoch === 0;
    if (epochEnded || p.step >= p.totalSteps) {
      run.lastEvaluation = p.step >= p.totalSteps;
      await evaluate(p, run);
      if (abandoned(run)) return;
      if (p.step >= p.totalSteps) { endRun('done'); return; }
    } else if (performance.now() - run.lastCheckpoint > 20000) {
      checkpoint(p, run);
    }
    await yieldToEvents();
  }
}

function elapsed(run) { return run.elapsedBefore + (performance.now() - run.started) / 1000; }

function threadIds() {
  return scoped((mem) => {
    const p = mem.alloc(64), n = w.M._api_last_thread_ids(p, 16);
    return Array.from(new Uint32Array(w.M.HEAPU32.buffer, p, n));
  });
}

function diverged(p) {
  // the C trainer has already gone back to the last state with a finite loss (trainer.h)
  const message = `Training stopped at step ${p.step}: the loss became NaN or infinite, so the `
    + `learning rate (${w.run.cfg.lr}) is too high for this run. The weights were put back to the last step that `
      + `still gave a finite loss; lower the learning rate and train again.`;
  post(MSG.DIVERGED, { runId: w.run.id, message });
  endRun('idle', refusal('failed', message));
}

async function evaluate(p, run) {
  setState('evaluating');
  const started = performance.now();
  // a pause does not end it: while it lasts another evaluation must not share the core's tally
  // with it (worker.js jobsNow, 'epoch-eval')
  run.evaluating = true;
  let result;
  try {
    result = await evalTestSet(() => !abandoned(run));
  } finally {
    run.evaluating = false;
  }
  if (!result) return;
  const { perClass, confusion, gallery, testLoss, testAcc } = evaluationReport(result);
  const record = { epoch: Math.round(p.step / p.stepsPerEpoch), step: p.step, trainLoss: p.epochLoss, testLoss, testAcc, elapsed: elapsed(run) };
  run.history.push(record);
  checkpoint(p, run);              // the state is copied now; the IndexedDB write goes on in the background
  // what the epoch's end held training up for: evaluating the 10,000 test images (answering
  // predictions between slices), the misread digits and the checkpoint's copy
  const pauseMs = performance.now() - started;
  post(MSG.EPOCH, { runId: run.id, ...record, perClass, confusion, gallery, pauseMs });
  if (w.state === 'evaluating') setState('training');
}

// The state is copied at once; the IndexedDB write goes on while training continues (awaiting
// it held the next epoch up), one write after the other, in order.
let checkpointWrites = Promise.resolve();
function checkpoint(p, run) {
  run.lastCheckpoint = performance.now();
  // the caller did not ask for checkpoints (the library's default)
  if (!w.checkpoints) return checkpointWrites;
  let bytes;
  try { bytes = snapshot(true).buffer; } catch (e) {
    post(MSG.ERROR, { where: 'checkpoint', code: 'failed', message: `No checkpoint at step ${p.step}: ${e.message}` });
    return checkpointWrites;
  }
  const meta = { runId: run.id, step: p.step, totalSteps: p.totalSteps, epoch: p.epoch,
    config: run.cfg, history: run.history.slice(), elapsed: elapsed(run), savedAt: new Date().toISOString() };
  checkpointWrites = checkpointWrites.then(() => saveCheckpoint(bytes, meta)).then(
    () => { if (w.state !== 'crashed') post(MSG.CHECKPOINTED, { runId: run.id, step: p.step }); },
    (e) => {
      // said once a run: every epoch would say it again
      if (w.state === 'crashed' || run.storageRefused) return;
      run.storageRefused = true;
      post(MSG.ERROR, { where: 'checkpoint', code: 'failed', message: `No checkpoint of this run can be kept: ${storageProblem(e)}. Training goes on, but a reload or a crash of this tab loses the run; Save model keeps it.` });
    });
  return checkpointWrites;
}
