// What the worker's modules share: the Emscripten module and the worker's state (one object,
// w), how a message goes to the page and how a request is answered, the jobs going on, the run
// state, and the crash rule.
import { MSG, TrainerError } from '../protocol.js';

export const w = {
  M: null,                  // the Emscripten module (null before INIT and after a trap)
  caps: null,               // what this browser and build can do (READY's caps)
  state: 'idle',            // idle | training | paused | evaluating | done | teaching | crashed
  run: null,                // the current training run (training.js)
  dataReady: false,
  testImages: null,         // the test set's pixels, for the misread gallery
  modelSource: 'random',    // where the weights in use came from: pretrained | random | file | training | taught
  appBase: '',              // the app's folder (absolute URL, from the page): every URL is relative to it
  dataBase: '',
  looping: false,           // a training loop is running (training.js)
  afterLoop: () => {},      // called when a training loop ends (a queued fine-tune starts)
  // the jobs going on besides a run or a fine-tune: { kind: start | data | model | evaluate, rid }
  jobs: new Set(),
  // runs write checkpoints to IndexedDB (INIT's checkpoints: the app's choice, off in the library)
  checkpoints: false,
};

export const post = (type, fields = {}, transfer = []) => self.postMessage({ type, ...fields }, transfer);

// a handler's answer that is not to be sent now: the handler replied itself (a reply of its own
// type) or the request is answered when its job ends (a run, a fine-tune)
export const LATER = Symbol('later');

// the answer to request msg (nothing when it came without a rid: an event-style message)
export const reply = (msg, value = {}, transfer = []) => { if (msg?.rid !== undefined) post(MSG.DONE, { rid: msg.rid, value }, transfer); };
// an ERROR answering request rid (code: ERROR_CODES)
export const replyError = (rid, where, err) => post(MSG.ERROR, { where: err.where || where, rid, code: err.code || 'refused', message: err.message });
export const refusal = (code, message) => new TrainerError(code, message);

// job(kind, msg, fn): fn() as a job of that kind; the job is listed while fn runs (awaited)
export async function job(kind, msg, fn) {
  const entry = { kind, rid: msg?.rid, aborted: false };
  w.jobs.add(entry);
  try { return await fn(entry); } finally { w.jobs.delete(entry); }
}

export function setState(s) { w.state = s; post(MSG.STATE, { state: s }); }

export const errorText = () => w.M.UTF8ToString(w.M._api_error());

export const busyTraining = () => w.state === 'training' || w.state === 'evaluating';

export const isTrap = (e) => e instanceof WebAssembly.RuntimeError;

// A WebAssembly trap leaves the module's memory and threads in an unknown state: from here on
// nothing may touch it. The first error is the one reported (name and message); whatever an
// unfinished async task (a training slice, an evaluation awaiting its next slice) throws
// afterwards is a consequence, not news, and is dropped.
export function crash(err) {
  if (w.state === 'crashed') return;
  const message = `${err && err.name ? `${err.name}: ` : ''}${err && err.message ? err.message : String(err)}`;
  w.M = null;
  w.run = null;
  w.state = 'crashed';
  post(MSG.CRASHED, { message });
}

export const yieldToEvents = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => resolve();
  ch.port2.postMessage(0);
});
