// The page <-> worker message protocol, imported by both sides. Every message is
// { type, ...fields }; typed arrays are transferred, not copied. What crosses into the C core
// (configuration fields, records, limits) comes from generated/contract.js (src/runtime/contract.h).
// tests/node/protocol.test.mjs fails if a type is sent but not declared here or not handled
// by the other side.
//
// A request (REPLIES below) carries rid, a number the page chose; the worker's reply carries it
// back, and so does an ERROR { where, message, rid } that answers it.
// page -> worker
//   INIT { base, dataBase, dataSuffix?, loadData?, singleThreaded?, relaxedSimd?, design? }  load the wasm build, the pretrained
//                                          model (or, with design, an untrained network of that
//                                          design: a shared link's ?arch=), then MNIST (unless loadData is false)
//   LOAD_DATA { base?, suffix? }           load MNIST now (a phone loads it on request); base: another
//                                          folder (a library user's), suffix after each IDX name there
//   SET_DATA { files[4] }                  the caller's images as IDX bytes (trainer.js makes them)
//                                          -> DATA | ERROR { where: 'set-data' }
//   EVALUATE                               -> EVALUATED { result } (the test set, the weights in use)
//   TRAIN { config, runId }                start a run (refused while one is going on or paused); config: CONFIG_FIELDS and RUN_FIELDS by
//                                          their js names (seed a decimal string: 64 bits), and
//                                          init: 'scratch' (new random weights) | 'current' (fine-tune)
//   PAUSE, RESUME, STOP, RESET {seed}      control the run (RESET: fresh random weights)
//   PREDICT { ink: Float32Array, w, h, rid?, inspect? }  classify a drawing (eval mode,
//                                          current weights); with inspect, INSIDE follows.
//                                          PREDICT { img28, rid }: a 28x28 image (0..1) as it is
//   INSPECT28 { img28: Float32Array }      read a 28x28 image (a misread test digit) -> INSIDE
//   SAVE                                   -> SAVED { bytes } (weights + training state)
//   LOAD { bytes, name }                   -> LOADED | ERROR (model untouched on error); a model
//                                          file of this app or a safetensors file
//   LOAD_PRETRAINED                        -> LOADED
//   EXPORT { format: 'onnx' | 'safetensors' | 'pytorch' }  -> EXPORTED { bytes, format } (the current
//                                          weights; pytorch: the design as code)
//   RESUME_CHECKPOINT { bytes, meta, runId }  continue the run checkpointed in IndexedDB
//   DESCRIBE { spec }                      -> DESCRIBED { spec, design } (the core's counts per
//                                          layer: src/nn/arch_spec.h) | ERROR (the core's reason)
//   SET_DESIGN { spec, seed? }             -> LOADED { source: 'design' } to every panel (new random
//                                          weights of that design; the run ends) | ERROR (nothing changed)
//   TEACH { labels: Uint8Array, pixels: Uint8Array (n x 784, 0..255), settings? }  fine-tune the
//                                          current model on my digits (settings: TEACH_FIELDS by js
//                                          name); queued while a run trains -> TEACH_PROGRESS, TAUGHT.
//                                          STOP during it cancels it (the weights are put back)
//   DIGITS_WRITE { labels, pixels }        -> DIGITS_FILE { bytes } (the my-digits file)
//   DIGITS_READ { bytes, name }            -> DIGITS { labels, pixels, name } | ERROR (checked in the core)
//   BENCH { threads, batch, reps, design?, relaxed? } (test builds only) speed benchmark on a separate
//                                          module instance (of that design) -> BENCH_RESULT { result }
//   DEBUG_TRAP { where }                   (test builds only) arm a wasm trap at the next train
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
});

// Requests and their replies: the page sends these with a request id (client.request), and the
// worker's reply (or an ERROR) carries the id back. PREDICT without an id is the draw pad's
// stream of readings (PREDICTION without an id).
export const REPLIES = Object.freeze({ PREDICT: 'PREDICTION', SAVE: 'SAVED', EXPORT: 'EXPORTED', DIGITS_WRITE: 'DIGITS_FILE',
  DIGITS_READ: 'DIGITS', DESCRIBE: 'DESCRIBED', EVALUATE: 'EVALUATED' });

// Messages of the test builds only (__TEST_HOOKS__): a production build drops them with the
// code that uses them.
export const TEST_MSG = /* @__PURE__ */ Object.freeze({ BENCH: 'bench', BENCH_RESULT: 'bench-result', DEBUG_TRAP: 'debug-trap' });
export const TEST_REPLIES = /* @__PURE__ */ Object.freeze({ BENCH: 'BENCH_RESULT' });

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
