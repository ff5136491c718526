// The page <-> worker message protocol, imported by both sides. Every message is
// { type, ...fields }; typed arrays are transferred, not copied. What crosses into the C core
// (configuration fields, records, limits) comes from generated/contract.js (src/runtime/contract.h).
// tests/node/protocol.test.mjs fails if a type is sent but not declared here or not handled
// by the other side.
//
// Every request (REPLIES below) carries rid, a number the page chose; the worker answers it
// exactly once: its reply carries the rid back, or an ERROR { where, code, message, rid } does
// (code: ERROR_CODES). A reply is for the request only; what every subscriber must hear (new
// weights, new data, the run's state) the worker also posts as an event, without a rid.
// The worker runs one job at a time (start-up, a download, an evaluation, a run, a fine-tune):
// a request that cannot run beside the job going on is refused with code 'busy' and the reason.
// page -> worker
//   INIT { base, dataBase, dataSuffix?, loadData?, singleThreaded?, relaxedSimd?, design?, checkpoints? }  load the wasm
//                                          build, the pretrained model (or, with design, an untrained network of that
//                                          design: a shared link's ?arch=), then MNIST (loadData) -> DONE { caps, data? }
//                                          once all of it is done; checkpoints: runs write them to IndexedDB
//   STATUS                                 -> DONE { state, design, params, source, data, runId, jobs }
//   CANCEL { target }                      an AbortSignal fired: the job of request `target` (a run, a fine-tune, an
//                                          evaluation) ends, and that request is answered with ERROR code 'aborted'
//   LOAD_DATA { base?, suffix? }           load MNIST now (a phone loads it on request); base: another
//                                          folder (a library user's), suffix after each IDX name there
//   SET_DATA { files[4] }                  the caller's images as IDX bytes (trainer.js makes them)
//                                          -> DATA | ERROR { where: 'set-data' }
//   EVALUATE                               -> EVALUATED { result } (the test set, the weights in use)
//   TRAIN { config, runId }                start a run (refused while one is going on or paused); config: CONFIG_FIELDS and RUN_FIELDS by
//                                          their js names (seed a decimal string: 64 bits), and
//                                          init: 'scratch' (new random weights) | 'current' (fine-tune)
//                                          -> DONE { state } when the run ends (done, or idle once stopped or ended by
//                                          a load, new data or a new design while paused) | ERROR (refused, diverged)
//   PAUSE, RESUME, STOP -> DONE { state }  control the run (STOP during a fine-tune cancels it)
//   RESET {seed}                           fresh random weights -> DONE (and LOADED) | ERROR (nothing changed)
//   PREDICT { ink: Float32Array, w, h, rid?, inspect? }  classify a drawing (eval mode,
//                                          current weights); with inspect, INSIDE follows.
//                                          PREDICT { img28, rid }: a 28x28 image (0..1) as it is
//   INSPECT28 { img28: Float32Array }      read a 28x28 image (a misread test digit) -> INSIDE
//   SAVE { training? }                     -> SAVED { bytes } (weights + training state; training: false, the weights only)
//   LOAD { bytes, name }                   -> DONE (and LOADED) | ERROR (model untouched on error); a model
//                                          file of this app or a safetensors file
//   LOAD_PRETRAINED                        -> DONE (and LOADED)
//   LOAD_DATA, SET_DATA                    -> DONE { train, test } (and DATA)
//   (LOAD, SET_DESIGN, RESET, LOAD_PRETRAINED, LOAD_DATA, SET_DATA while a run is paused end that run: its
//   request is answered DONE { state: 'idle' }; while a run trains they are refused 'busy')
//   EXPORT { format: 'onnx' | 'safetensors' | 'pytorch' }  -> EXPORTED { bytes, format } (the current
//                                          weights; pytorch: the design as code)
//   RESUME_CHECKPOINT { bytes, meta, runId }  continue the run checkpointed in IndexedDB
//   DESCRIBE { spec }                      -> DESCRIBED { spec, design } (the core's counts per
//                                          layer: src/nn/arch_spec.h) | ERROR (the core's reason)
//   SET_DESIGN { spec, seed? }             -> DONE, and LOADED { source: 'design' } to every panel (new random
//                                          weights of that design; the run ends) | ERROR (nothing changed)
//   TEACH { labels: Uint8Array, pixels: Uint8Array (n x 784, 0..255), settings? }  fine-tune the
//                                          current model on my digits (settings: TEACH_FIELDS by js
//                                          name); queued while a run trains -> TEACH_PROGRESS, TAUGHT, then DONE
//                                          { ...TAUGHT's fields }. STOP or CANCEL during it cancels it (the weights are
//                                          put back; ERROR code 'aborted')
//   DIGITS_WRITE { labels, pixels }        -> DIGITS_FILE { bytes } (the my-digits file)
//   DIGITS_READ { bytes, name }            -> DIGITS { labels, pixels, name } | ERROR (checked in the core)
//   BENCH { threads, batch, reps, design?, relaxed? } (test builds only) speed benchmark on a separate
//                                          module instance (of that design) -> BENCH_RESULT { result }
//   DEBUG_FAIL { what: 'save' | 'export' } (test builds only) -> DONE; the core's next save or export
//                                          writes nothing (as when it runs out of memory)
//   DEBUG_TRAP { where }                   (test builds only) -> DONE; arm a wasm trap at the next train
//                                          step, evaluation slice or prediction (train | evaluation | prediction)
// worker -> page (PROGRESS, EPOCH, CHECKPOINTED and DIVERGED carry the runId of the run they are
// about; the page drops, and counts, what belongs to another run)
//   READY { caps }                         build (and buildId), isolation, SIMD, threads, why threads are off
//   DATA_PROGRESS { loaded, total }        bytes of the MNIST download
//   DATA { train, test }                   image counts once validated
//   PROGRESS { step, totalSteps, epoch, stepsPerEpoch, losses[], lr, imagesPerSec, elapsed,
//              threads, threadIds[] }
//   EPOCH { epoch, step, testLoss, testAcc, perClass[10], confusion[100], gallery[], trainLoss, elapsed,
//           pauseMs: how long the epoch's end (evaluation, checkpoint copy) held training up }
//   STATE { state }                        idle | training | paused | evaluating | done | teaching
//                                          (the page adds loading, crashed, and failed: the worker
//                                          could not start here and said why in ERROR { where: 'init' })
//   PREDICTION { img28: Float32Array, probs: Float32Array, ink, rid?, source }
//   INSIDE { layers[{K,P,Q,data}], filters{K,C,R,data}, saliency, digit, source }  the inside view
//   TEACH_PROGRESS { phase, stepsDone, totalSteps, loss }  phase: queued | before (reading MNIST) |
//                                          checking (the held-out check run) | tuning | after | cancelled
//   TAUGHT { digits, heldCount, heldBefore, heldAfter, allCount, allBefore, allAfter, mnistBefore,
//            mnistAfter, steps, seconds }   the fine-tune's result (then LOADED { source: 'taught' })
//   CHECKPOINTED { step }                  the run's checkpoint in IndexedDB is complete up to step
//   SAVED { bytes }, EXPORTED { bytes, format }, ERROR { where, message, runId? } (runId: the run a train error is about), DIVERGED { message }
//   LOADED { source, name?, design?, params? }  new weights: source pretrained | file | random |
//                                          taught | design | link | checkpoint (a resumed run of
//                                          another design); design: the network's text form
//   CRASHED { message }                    the wasm code trapped: this worker is unusable now
import { CONFIG_FIELDS, RUN_FIELDS } from './generated/contract.js';

export const MSG = Object.freeze({
  INIT: 'init', LOAD_DATA: 'load-data', TRAIN: 'train', PAUSE: 'pause', RESUME: 'resume', STOP: 'stop', RESET: 'reset',
  PREDICT: 'predict', SAVE: 'save', LOAD: 'load', LOAD_PRETRAINED: 'load-pretrained',
  RESUME_CHECKPOINT: 'resume-checkpoint', EXPORT: 'export', EXPORTED: 'exported', INSPECT28: 'inspect28', INSIDE: 'inside',
  READY: 'ready', DATA_PROGRESS: 'data-progress', DATA: 'data', PROGRESS: 'progress', EPOCH: 'epoch',
  STATE: 'state', PREDICTION: 'prediction', SAVED: 'saved', LOADED: 'loaded', ERROR: 'error',
  DIVERGED: 'diverged', CRASHED: 'crashed', CHECKPOINTED: 'checkpointed',
  TEACH: 'teach', TEACH_PROGRESS: 'teach-progress', TAUGHT: 'taught',
  DIGITS_WRITE: 'digits-write', DIGITS_FILE: 'digits-file', DIGITS_READ: 'digits-read', DIGITS: 'digits',
  DESCRIBE: 'describe', DESCRIBED: 'described', SET_DESIGN: 'set-design',
  SET_DATA: 'set-data', EVALUATE: 'evaluate', EVALUATED: 'evaluated',
  DONE: 'done', CANCEL: 'cancel', STATUS: 'status',
});

// Requests and their replies: the page sends these with a request id (client.request), and the
// worker's reply (or an ERROR) carries the id back. PREDICT without an id is the draw pad's
// stream of readings (PREDICTION without an id).
export const REPLIES = Object.freeze({ PREDICT: 'PREDICTION', SAVE: 'SAVED', EXPORT: 'EXPORTED', DIGITS_WRITE: 'DIGITS_FILE',
  DIGITS_READ: 'DIGITS', DESCRIBE: 'DESCRIBED', EVALUATE: 'EVALUATED', INIT: 'DONE', STATUS: 'DONE', LOAD_DATA: 'DONE',
  SET_DATA: 'DONE', TRAIN: 'DONE', RESUME_CHECKPOINT: 'DONE', PAUSE: 'DONE', RESUME: 'DONE', STOP: 'DONE', RESET: 'DONE',
  LOAD: 'DONE', LOAD_PRETRAINED: 'DONE', SET_DESIGN: 'DONE', TEACH: 'DONE' });

// What a refused or failed request's ERROR says in `code` (and the page's TrainerError carries):
//   refused    the core or the worker said no to this input or this call now (a damaged file, a design
//              it cannot make, no data loaded yet); nothing changed
//   busy       another job is going on that this request cannot run beside (the message says which)
//   invalid    the arguments themselves are wrong (a length, a type, an unknown name or format)
//   failed     the job began and could not finish (a download, a diverging run, the core out of memory)
//   crashed    the worker's WebAssembly trapped or the worker died: every request waiting is answered so
//   terminated terminate() (or a new start()) ended the worker before the answer came
//   aborted    the caller's AbortSignal (or Stop, for a fine-tune) ended the job
export const ERROR_CODES = Object.freeze(['refused', 'busy', 'invalid', 'failed', 'crashed', 'terminated', 'aborted']);

// The error every refused or failed request rejects with (page side), and the worker throws:
// message for people, code for programs, where: the request's type.
export class TrainerError extends Error {
  constructor(code, message, where) {
    super(message);
    this.name = 'TrainerError';
    this.code = ERROR_CODES.includes(code) ? code : 'refused';
    if (where !== undefined) this.where = where;
  }
}

// Messages of the test builds only (__TEST_HOOKS__): a production build drops them with the
// code that uses them.
export const TEST_MSG = /* @__PURE__ */ Object.freeze({ BENCH: 'bench', BENCH_RESULT: 'bench-result', DEBUG_TRAP: 'debug-trap', DEBUG_FAIL: 'debug-fail',
  DEBUG_HOLD: 'debug-hold' });
export const TEST_REPLIES = /* @__PURE__ */ Object.freeze({ BENCH: 'BENCH_RESULT', DEBUG_TRAP: 'DONE', DEBUG_FAIL: 'DONE',
  DEBUG_HOLD: 'DONE' });

export const MNIST_FILES = [
  { name: 'train-images-idx3-ubyte', count: 60000, bytes: 47040016 },
  { name: 'train-labels-idx1-ubyte', count: 60000, bytes: 60008 },
  { name: 't10k-images-idx3-ubyte', count: 10000, bytes: 7840016 },
  { name: 't10k-labels-idx1-ubyte', count: 10000, bytes: 10008 },
];

// Defaults of every field the page can set, from the contract's tables (a choice by its name,
// as a recipe gives it).
export const DEFAULT_CONFIG = Object.freeze(Object.fromEntries([...CONFIG_FIELDS, ...RUN_FIELDS]
  .map((f) => [f.js, f.type === 'choice' ? f.choices[f.default] : f.default])));

// The halves of a 64-bit seed given as a decimal string or a number; throws if it is not a
// whole number in 0 .. 2^64 - 1.
export function seedHalves(seed) {
  const text = String(seed).trim();
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) throw new Error(`the seed must be a whole number from 0 to 18446744073709551615, not "${text}"`);
  const v = BigInt(text);
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}
