// The weights in use: saved (with the training state), exported (ONNX, safetensors, PyTorch
// code), loaded from a file or the pretrained model, or reset to new random ones. The gate in
// worker.js keeps loads and resets away from a run, a fine-tune or an evaluation going on; one
// while a run is paused ends that run once the new weights are in (a refusal leaves it as it was).
import { MSG, seedHalves } from '../protocol.js';
import { w, post, setState, errorText, refusal, LATER } from './context.js';
import { savedBytes } from './wasm-memory.js';
import { loadModelBytes, loadPretrained } from './loading.js';
import { snapshot, endPausedRun } from './training.js';

export const EXPORT_FORMATS = Object.freeze({ onnx: 0, safetensors: 1, pytorch: 2 });

// SAVE { training? } -> SAVED { bytes }, or a refusal with the core's reason (never an empty file);
// training: false leaves the optimiser state and progress out (the weights only: a shared result)
export function save(msg) {
  const bytes = snapshot(msg.training !== false);
  post(MSG.SAVED, { bytes, rid: msg.rid }, [bytes.buffer]);
  return LATER;
}

// EXPORT { format } -> EXPORTED { bytes, format }; an unknown format is refused, not guessed
export function exportModel(msg) {
  if (!Object.hasOwn(EXPORT_FORMATS, msg.format))
    throw refusal('invalid', `"${msg.format}" is not an export format; the `
      + `formats are ${Object.keys(EXPORT_FORMATS).join(', ')}`);
  const n = w.M._api_export(EXPORT_FORMATS[msg.format]);
  if (!(n > 0)) throw refusal('failed', `Could not export ${msg.format}: ${errorText() || 'the core wrote nothing'}`);
  const bytes = savedBytes(n);
  post(MSG.EXPORTED, { bytes, format: msg.format, rid: msg.rid }, [bytes.buffer]);
  return LATER;
}

const design = () => w.M.UTF8ToString(w.M._api_design());

// LOAD -> LOADED (and the request's answer), or a refusal (the model in use, and a paused run, unchanged)
export function load(msg) {
  if (!(msg.bytes instanceof ArrayBuffer)) throw refusal('invalid', 'a model file must be given as bytes (an '
    + 'ArrayBuffer or a Uint8Array)');
  try {
    loadModelBytes(new Uint8Array(msg.bytes), false);
  } catch (err) {
    throw refusal('refused', `${msg.name || 'This file'} was not loaded: ${err.message}. The current model is unchanged.`);
  }
  endPausedRun();
  w.modelSource = 'file';
  const loaded = { source: 'file', name: msg.name, design: design(), params: w.caps.params };
  post(MSG.LOADED, loaded);
  return loaded;
}

// LOAD_PRETRAINED -> LOADED (and the answer), or a refusal
export async function loadPretrainedModel() {
  await loadPretrained(false, endPausedRun);
  return { source: 'pretrained', design: design(), params: w.caps.params };
}

// RESET { seed }: new random weights of the design in use (a paused run ends). A network the
// core cannot make is refused, and nothing changed then.
export function reset(msg) {
  let seed;
  try { seed = seedHalves(msg.seed ?? 1); } catch (e) { throw refusal('invalid', e.message); }
  if (w.M._api_create(w.caps.threads, ...seed) !== 0) throw refusal('failed', `No fresh weights: ${errorText()}. The model in use is unchanged.`);
  w.caps.params = w.M._api_param_count();
  endPausedRun();
  w.modelSource = 'random';
  setState('idle');
  const loaded = { source: 'random', design: design(), params: w.caps.params };
  post(MSG.LOADED, loaded);
  return loaded;
}
