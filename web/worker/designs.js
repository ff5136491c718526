// Designs (the text form of src/nn/arch_spec.h): what the core says of one (DESCRIBE: counts per
// layer, or the reason it is refused), and making it the network (SET_DESIGN: new random
// weights of that design; the run, if any, ends). The core parses and checks; nothing here does.
import { MSG, seedHalves } from '../protocol.js';
import { w, post, setState, errorText, busyTraining } from './context.js';
import { scoped } from './wasm-memory.js';
import { teachingNow } from './teaching.js';

function withText(text, fn) {
  return scoped((mem) => fn(mem.copyIn(new TextEncoder().encode(`${text}\0`))));
}

// DESCRIBE { spec } -> DESCRIBED { spec, design } (design: the core's JSON) | ERROR { message }
export function describe(msg) {
  const n = withText(msg.spec, (p) => w.M._api_describe(p));
  if (!n) throw new Error(errorText());
  const at = w.M._api_saved_ptr();
  const design = JSON.parse(new TextDecoder().decode(w.M.HEAPU8.slice(at, at + n)));
  post(MSG.DESCRIBED, { spec: msg.spec, design, rid: msg.rid });
}

// SET_DESIGN { spec, seed } -> LOADED { source: 'design', design, params } | ERROR (nothing changed)
export function setDesign(msg) {
  if (busyTraining() || teachingNow()) throw new Error('Pause or stop training (or wait for the fine-tune) before changing the design.');
  if (withText(msg.spec, (p) => w.M._api_set_design(p)) !== 0) throw new Error(errorText());
  if (w.M._api_create(w.caps.threads, ...seedHalves(msg.seed ?? 1)) !== 0) throw new Error(errorText());
  w.run = null;
  w.modelSource = 'design';
  w.caps.params = w.M._api_param_count();
  setState('idle');
  post(MSG.LOADED, { source: 'design', design: w.M.UTF8ToString(w.M._api_design()), params: w.caps.params });   // every panel hears of it
}
