// The weights in use: saved (with the training state), exported (ONNX, safetensors), loaded
// from a file or the pretrained model, or reset to new random ones.
import { MSG, seedHalves } from '../protocol.js';
import { w, post, setState, errorText, busyTraining } from './context.js';
import { savedBytes } from './wasm-memory.js';
import { loadModelBytes, loadPretrained } from './loading.js';
import { snapshot } from './training.js';
import { teachingNow } from './teaching.js';

const BUSY = 'Pause or stop training (or wait for the fine-tune) before loading a model.';

export function save(msg) {
  const bytes = snapshot(true);
  post(MSG.SAVED, { bytes, rid: msg.rid }, [bytes.buffer]);
}

export function exportModel(msg) {
  const n = w.M._api_export({ onnx: 0, safetensors: 1, pytorch: 2 }[msg.format] ?? 1);
  if (!n) throw new Error(`Could not export: ${errorText()}`);
  const bytes = savedBytes(n);
  post(MSG.EXPORTED, { bytes, format: msg.format, rid: msg.rid }, [bytes.buffer]);
}

// LOAD -> LOADED, or ERROR (the model in use unchanged)
export function load(msg) {
  try {
    if (busyTraining() || teachingNow()) throw new Error(BUSY);
    loadModelBytes(new Uint8Array(msg.bytes), false);
  } catch (err) {
    throw new Error(`${msg.name || 'This file'} was not loaded: ${err.message}. The current model is unchanged.`);
  }
  w.modelSource = 'file';
  post(MSG.LOADED, { source: 'file', name: msg.name, rid: msg.rid, design: w.M.UTF8ToString(w.M._api_design()), params: w.caps.params });
}

export async function loadPretrainedModel() {
  if (busyTraining() || teachingNow()) { post(MSG.ERROR, { where: 'load', message: BUSY }); return; }
  await loadPretrained(false);
}

// RESET: new random weights from the seed (the run, if any, ends)
export function reset(msg) {
  if (teachingNow()) { post(MSG.ERROR, { where: 'reset', message: 'The network is being taught your digits: reset when that is done.' }); return; }
  w.run = null;
  w.M._api_create(w.caps.threads, ...seedHalves(msg.seed ?? 1));
  w.modelSource = 'random';
  setState('idle');
  post(MSG.LOADED, { source: 'random' });
}
