// The page <-> worker message protocol, imported by both sides. Every message is
// { type, ...fields }; typed arrays are transferred, not copied.
//
// page -> worker
//   INIT { threads? }                      load the wasm build, the pretrained model, then MNIST
//   TRAIN { config }                       start a run; config = { epochs, batch, lr, optimizer,
//                                          augment, seed, threads, subset }
//   PAUSE, RESUME, STOP, RESET {seed}      control the run (RESET: fresh random weights)
//   PREDICT { ink: Float32Array, w, h, revision? | id? }  classify a drawing (eval mode, current weights)
//   SAVE                                   -> SAVED { bytes } (weights + training state)
//   LOAD { bytes }                         -> LOADED | ERROR (model untouched on error)
//   LOAD_PRETRAINED                        -> LOADED
//   RESUME_CHECKPOINT                      continue the run checkpointed in IndexedDB
//   BENCH { threads, batch, reps }         speed benchmark in this worker -> BENCH_RESULT { result }
//   DEBUG_TRAP { where }                   arm a wasm trap at the next train step, evaluation slice
//                                          or prediction (where: train | evaluation | prediction; tests)
// worker -> page
//   READY { caps }                         build, isolation, SIMD, threads, why threads are off
//   DATA_PROGRESS { loaded, total }        bytes of the MNIST download
//   DATA { train, test }                   image counts once validated
//   PROGRESS { step, totalSteps, epoch, stepsPerEpoch, losses[], lr, imagesPerSec, elapsed }
//   EPOCH { epoch, testLoss, testAcc, perClass[10], confusion[100], gallery[], trainLoss }
//   STATE { state }                        idle | training | paused | evaluating | done
//   PREDICTION { img28: Float32Array, probs: Float32Array, ink, revision | id, source }
//   CHECKPOINTED { step }                  the run's checkpoint in IndexedDB is complete up to step
//   SAVED { bytes }, LOADED { source }, ERROR { where, message }, DIVERGED { message }
//   CRASHED { message }                    the wasm code trapped: this worker is unusable now
//   RESOURCES { urls }                     what the worker loaded (for the offline cache)
export const MSG = Object.freeze({
  INIT: 'init', TRAIN: 'train', PAUSE: 'pause', RESUME: 'resume', STOP: 'stop', RESET: 'reset',
  PREDICT: 'predict', SAVE: 'save', LOAD: 'load', LOAD_PRETRAINED: 'load-pretrained',
  RESUME_CHECKPOINT: 'resume-checkpoint',
  READY: 'ready', DATA_PROGRESS: 'data-progress', DATA: 'data', PROGRESS: 'progress', EPOCH: 'epoch',
  STATE: 'state', PREDICTION: 'prediction', SAVED: 'saved', LOADED: 'loaded', ERROR: 'error',
  DIVERGED: 'diverged', BENCH: 'bench', BENCH_RESULT: 'bench-result', DEBUG_TRAP: 'debug-trap',
  CRASHED: 'crashed', RESOURCES: 'resources', CHECKPOINTED: 'checkpointed',
});

export const LIMITS = Object.freeze({
  modelBytes: 64 * 2 ** 20,         // a model of this app is ~63 KB (185 KB with training state)
  downloadBytes: 64 * 2 ** 20,      // the largest compressed MNIST file is ~9.6 MB
});

export const MNIST_FILES = [
  { name: 'train-images-idx3-ubyte', count: 60000, bytes: 47040016 },
  { name: 'train-labels-idx1-ubyte', count: 60000, bytes: 60008 },
  { name: 't10k-images-idx3-ubyte', count: 10000, bytes: 7840016 },
  { name: 't10k-labels-idx1-ubyte', count: 10000, bytes: 10008 },
];

export const DEFAULT_CONFIG = Object.freeze({
  epochs: 10, batch: 128, lr: 0.1, optimizer: 'sgd', augment: true, seed: 1, threads: 0, subset: 0,
});
