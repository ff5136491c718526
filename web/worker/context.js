// What the worker's modules share: the Emscripten module and the worker's state (one object,
// w), how a message goes to the page, the run state, and the crash rule.
import { MSG } from '../protocol.js';

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
};

export const post = (type, fields = {}, transfer = []) => self.postMessage({ type, ...fields }, transfer);

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
