// The page's side of tests/e2e/model-based.spec.mjs. One trainer of the packed library (built with
// the test hooks kept), driven call by call from the spec's commands: each call's arguments are
// made here from a small description (images, digits, crafted or damaged model files: bytes never
// cross from Node), each outcome comes back as plain data (resolved with a summary of the answer,
// or rejected with the Error's name, code and message), and so does what can be observed of the
// trainer: its design and a fingerprint of its weights (from save()), the data counts and the run
// state (from its events). Nothing here judges: the spec holds the model and the invariants.
import * as lib from 'mnist-in-a-tab';

// A small deterministic generator (mulberry32): the same description makes the same bytes.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

// FNV-1a over bytes, as 8 hex digits: the weights' fingerprint
const fnv = (bytes) => {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
};

// n digits: each a bar whose position and angle depend on its label (a learnable task), plus noise
export function digits(n, seed) {
  const rnd = random(seed), labels = new Uint8Array(n), images = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) {
    const d = labels[i] = Math.floor(rnd() * 10);
    for (let y = 4; y < 24; y++) {
      const x0 = 4 + d * 2 + Math.round(((y - 14) * (d - 4.5)) / 10);
      const row = i * 784 + y * 28;
      for (let x = Math.max(0, x0); x < Math.min(28, x0 + 3); x++) images[row + x] = 200 + Math.floor(rnd() * 55);
    }
  }
  return { labels, images };
}

// A model file (docs/model-format.md, version 4, no training state) of any layer table: how a
// hostile sender crafts one. layers: [kind, out, size]; tensors: [name, dims] filled with 0.5.
export function modelFile({ input, layers, tensors }) {
  const count = (dims) => dims.reduce((a, b) => a * b, 1);
  const size = tensors.reduce((s, [name, dims]) => s + 8 + name.length + 4 * dims.length + 4 * count(dims), 0);
  const bytes = new Uint8Array(64 + 20 * layers.length + 4 + size + 4), v = new DataView(bytes.buffer);
  let at = 0;
  const u32 = (x) => { v.setUint32(at, x, true); at += 4; };
  const ascii = (text, width = text.length) => {
    for (let i = 0; i < width; i++) bytes[at + i] = text.charCodeAt(i) || 0;
    at += width;
  };
  ascii('MNISTNET'); u32(4); u32(0); ascii('custom', 32);
  input.forEach(u32); u32(layers.length);
  for (const [kind, out, k] of layers) { u32(kind); u32(out); u32(k); u32(0); u32(0); }
  u32(tensors.length);
  for (const [name, dims] of tensors) {
    u32(name.length); ascii(name); u32(dims.length); dims.forEach(u32);
    for (let i = count(dims); i > 0; i--) { v.setFloat32(at, 0.5, true); at += 4; }
  }
  u32(crc32(bytes.subarray(0, at)));
  return bytes;
}

const CONV = 1, POOL = 2, GAP = 3, FC = 4, FLAT = 5;
// the issue's two: a 1x1x1 input with fc10 (216 bytes), and a last layer of 1000 classes
export const CRAFTED = {
  input111: () => modelFile({ input: [1, 1, 1], layers: [[FC, 10, 0]],
    tensors: [['fc.weight', [10, 1]], ['fc.bias', [10]]] }),
  fc1000: () => modelFile({ input: [1, 28, 28], layers: [[CONV, 8, 3], [GAP, 0, 0], [FC, 1000, 0]],
    tensors: [['conv1.weight', [8, 1, 3, 3]], ['bn1.weight', [8]], ['bn1.bias', [8]], ['fc.weight', [1000, 8]],
      ['fc.bias', [1000]], ['bn1.running_mean', [8]], ['bn1.running_var', [8]]] }),
};

// The design of a model file in the network's text form (as the core writes it), or null.
export function designOf(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 64) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), n = v.getUint32(60, true), out = [];
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  const version = v.getUint32(8, true), record = version >= 5 ? 24 : 20;   // version 5 adds a conv's groups
  if (magic !== 'MNISTNET' || (version !== 4 && version !== 5) || 64 + record * n > bytes.length) return null;
  for (let i = 0; i < n; i++) {
    const at = 64 + record * i, [kind, ch, k, opts] = [0, 4, 8, 12].map((o) => v.getUint32(at + o, true));
    const p = Math.round(v.getFloat32(at + 16, true) * 1000) / 1000, groups = version >= 5 ? v.getUint32(at + 20, true) : 1;
    const extra = `${opts & 1 ? ':same' : ''}${opts & 2 ? ':nobn' : ''}${groups > 1 ? `:g${groups}` : ''}${opts & 4 ? `:d${p}` : ''}`;
    out.push({ [CONV]: `c${ch}k${k}`, [POOL]: `m${k}`, [GAP]: 'gap', [FC]: `fc${ch}`, [FLAT]: 'flat' }[kind] + extra);
  }
  return out.join(' ');
}

// what a rejection says: its class, code and message (an Error without a code says so)
const failure = (e) => ({ name: e?.constructor?.name ?? typeof e, code: e?.code ?? null,
  message: String(e?.message ?? e).slice(0, 300), isError: e instanceof Error });

// a summary of an answer that Node can check (bytes: their length, magic and design)
function summary(value) {
  if (value instanceof Uint8Array) {
    const head = new TextDecoder().decode(value.subarray(0, 8)).replace(/[^\x20-\x7e]/g, '.');
    return { bytes: value.length, head, design: designOf(value) };
  }
  if (value === undefined || value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (ArrayBuffer.isView(v)) out[k] = { length: v.length, sum: Array.from(v).reduce((a, b) => a + Number(b), 0) };
    else if (k === 'epochs' && Array.isArray(v)) out[k] = v.map((e) => ({ epoch: e.epoch, runId: e.runId }));
    else if (Array.isArray(v)) out[k] = v.length <= 10 ? v : { length: v.length };
    else if (v && typeof v === 'object') out[k] = k === 'caps' ? { build: v.build } : '[object]';
    else out[k] = v;
  }
  return out;
}

export class Harness {
  constructor() {
    this.t = null;
    this.jobs = new Map();          // id -> { label, done, outcome }
    this.nextId = 1;
    this.files = { saved: [], exported: [], digits: [] };  // answers kept for later calls (load, readDigits)
    this.seen = {};
    this.pageErrors = [];
    addEventListener('error', (e) => this.pageErrors.push(String(e.message)));
    addEventListener('unhandledrejection', (e) => {
      this.pageErrors.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`);
    });
  }

  // a new trainer (the old one, if any, ends first); resolves with start()'s outcome. For a new
  // sequence (fresh), the old trainer's calls go: they were judged with their own sequence.
  async start(fresh = false) {
    this.t?.terminate();
    if (fresh) this.jobs.clear();
    this.pageErrors = [];
    this.files = { saved: [], exported: [], digits: [] };
    const t = this.t = new lib.Trainer({ threads: 2 });
    this.seen = { state: 'idle', data: null, loaded: null, crashed: null, errors: [] };
    t.on('state', (m) => { if (this.t === t) this.seen.state = m.state; });
    t.on('data', (m) => { if (this.t === t) this.seen.data = { train: m.train, test: m.test }; });
    t.on('loaded', (m) => { if (this.t === t) this.seen.loaded = { source: m.source, design: m.design ?? null }; });
    t.on('crashed', (m) => { if (this.t === t) this.seen.crashed = m.message; });
    t.on('error', (m) => { if (this.t === t) this.seen.errors.push(`${m.where}: ${m.message}`.slice(0, 200)); });
    return this.call('start', [{ mnist: false }]);
  }

  // the arguments of a call from its description (see the spec's commands)
  async args(name, spec) {
    switch (spec?.make) {
      case 'data': {
        const train = digits(spec.train, spec.seed), test = digits(spec.test, spec.seed + 1);
        const data = { trainImages: train.images, trainLabels: train.labels,
          testImages: test.images, testLabels: test.labels };
        if (spec.bad === 'length') data.trainImages = data.trainImages.subarray(0, data.trainImages.length - 1);
        if (spec.bad === 'label') data.testLabels[0] = 12;
        if (spec.bad === 'type') data.trainLabels = Array.from(data.trainLabels);
        return [data];
      }
      case 'image': {
        if (spec.bad === 'short') return [new Uint8Array(783)];
        if (spec.bad === 'none') return [null];
        return [digits(1, spec.seed).images];
      }
      case 'drawing': {                         // a drawing of 40 x 40 ink values 0..1 (the trap's trigger)
        const ink = new Float32Array(1600);
        for (let y = 8; y < 32; y++) for (let x = 18; x < 22; x++) ink[y * 40 + x] = 1;
        return [ink, 40, 40];
      }
      case 'file': return [await this.file(spec), `${spec.kind}.bin`];
      case 'digits': {
        const { labels, images } = digits(spec.n, spec.seed);
        if (spec.bad === 'noPixels') return [labels, new Uint8Array(0), ...(spec.settings ? [spec.settings] : [])];
        if (spec.bad === 'label') labels[0] = 11;
        return [labels, images, ...(spec.settings ? [spec.settings] : [])];
      }
      case 'digitsFile': {
        const kept = this.files.digits.at(-1);
        return [spec.kind === 'written' && kept ? kept : junk(spec.n ?? 100, spec.seed ?? 1), 'mine.mydigits'];
      }
      default: return spec ?? [];
    }
  }

  // hostile or valid model files: a kept save or export, junk, a truncated or damaged save, crafted
  async file({ kind, index = 0, seed = 1, cut = 0.5 }) {
    const { saved, exported } = this.files, base = saved.length ? saved[index % saved.length] : null;
    switch (kind) {
      case 'saved': return base ?? junk(64, seed);
      case 'safetensors': return exported.length ? exported[index % exported.length] : junk(64, seed);
      case 'truncated': {
        const b = base ?? CRAFTED.fc1000();
        return b.slice(0, Math.max(1, Math.floor(b.length * cut)));
      }
      case 'flipped': { const b = (base ?? CRAFTED.fc1000()).slice(); b[Math.floor(b.length * cut)] ^= 0x40; return b; }
      case 'junk': return junk(1 + Math.floor(random(seed)() * 4000), seed);
      default: return CRAFTED[kind]();
    }
  }

  // Starts one call (name: a method of the trainer; spec: its arguments' description). Waits for
  // it unless background, up to deadlineMs. -> { id, label, outcome } (outcome null while pending)
  // abortMs: the call gets an AbortSignal (train: how.signal; evaluate and teach: their options),
  // fired that many ms after the call
  async call(name, spec, { background = false, deadlineMs = 60_000, label = name, abortMs } = {}) {
    const t = this.t, args = await this.args(name, spec), id = this.nextId++;
    if (abortMs !== undefined) {
      const controller = new AbortController(), at = { train: 1, evaluate: 0, teach: 3 }[name];
      args[at] = { ...(args[at] ?? {}), signal: controller.signal };
      setTimeout(() => controller.abort(), abortMs);
    }
    const views = (a) => (a && typeof a === 'object' ? Object.values(a).filter((x) => ArrayBuffer.isView(x)) : []);
    const buffers = args.flatMap((a) => (ArrayBuffer.isView(a) ? [a] : views(a)));
    const lengths = buffers.map((b) => b.byteLength);
    const job = { label, done: false, outcome: null };
    this.jobs.set(id, job);
    const started = performance.now();
    job.promise = (async () => (name === 'start' ? t.start(...args) : t[name](...args)))().then(
      (value) => { this.keep(name, value); job.outcome = { status: 'resolved', value: summary(value) }; },
      (e) => { job.outcome = { status: 'rejected', error: failure(e) }; })
      .finally(() => { job.done = true; job.outcome.ms = Math.round(performance.now() - started); });
    // the caller's buffers are its own after the call (not detached)
    const detached = buffers.filter((b, i) => b.byteLength !== lengths[i]).length;
    if (!background) await this.settle([job], deadlineMs);
    return { id, label, detached, outcome: job.outcome };
  }

  keep(name, value) {
    if (name === 'save') this.files.saved.push(value);
    if (name === 'export' && designOf(value) === null && value?.length > 8) this.files.exported.push(value);
    if (name === 'writeDigits') this.files.digits.push(value);
  }

  // waits until these jobs are settled or the deadline passes; -> the labels still pending
  async settle(jobs, deadlineMs) {
    const deadline = new Promise((resolve) => setTimeout(resolve, deadlineMs));
    await Promise.race([Promise.all(jobs.map((j) => j.promise)), deadline]);
    return jobs.filter((j) => !j.done).map((j) => j.label);
  }

  // the background jobs settled since the last report, and those still pending
  report() {
    const settled = [], pending = [];
    for (const [id, job] of this.jobs) {
      if (!job.done) { pending.push({ id, label: job.label }); continue; }
      settled.push({ id, label: job.label, outcome: job.outcome });
      this.jobs.delete(id);
    }
    return { settled, pending };
  }

  // waits for every job still pending (up to the deadline); report() tells the outcomes
  async drain(deadlineMs) { await this.settle([...this.jobs.values()], deadlineMs); }

  // What the caller can see: the run state and data counts (from status() where the trainer has
  // one, else from its events), the design and a fingerprint of the weights from save() (null
  // when save() is refused: busy).
  async observe(deadlineMs = 30_000) {
    const { state, data, crashed } = this.seen, seen = { state, data, crashed, pageErrors: this.pageErrors.slice() };
    if (typeof this.t.status === 'function' && !this.seen.crashed) {
      try {
        const s = await this.t.status();
        if (s?.state) seen.state = s.state;
        if (s && 'data' in s) seen.data = s.data ? { train: s.data.train, test: s.data.test } : null;
      } catch { /* a terminated or crashed trainer: the events' view */ }
    }
    let saved = null;
    try {
      const late = new Promise((resolve) => setTimeout(() => resolve('late'), deadlineMs));
      saved = await Promise.race([this.t.save(), late]);
    } catch (e) {
      return { ...seen, design: null, weights: null, saveRefused: failure(e) };
    }
    if (saved === 'late') return { ...seen, design: null, weights: null, saveLate: true };
    return { ...seen, design: designOf(saved), weights: fnv(saved.subarray(64)) };
  }

  pause() { this.t.pause(); }
}

function junk(n, seed) {
  const rnd = random(seed), bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(rnd() * 256);
  return bytes;
}
