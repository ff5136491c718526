// Designs (the text form of src/nn/arch_spec.h): what the core says of one (DESCRIBE: counts per
// layer, or the reason it is refused), and making it the network (SET_DESIGN: new random
// weights of that design; the run, if any, ends). The core parses and checks; nothing here does.
import { MSG, seedHalves } from '../protocol.js';
import { w, post, setState, errorText, refusal, LATER } from './context.js';
import { scoped } from './wasm-memory.js';
import { endPausedRun } from './training.js';

function withText(text, fn) {
  return scoped((mem) => fn(mem.copyIn(new TextEncoder().encode(`${text}\0`))));
}

// DESCRIBE { spec } -> DESCRIBED { spec, design } (design: the core's JSON) | ERROR { message }
export function describe(msg) {
  if (typeof msg.spec !== 'string') throw refusal('invalid', 'a design is given in its text form (a string)');
  const n = withText(msg.spec, (p) => w.M._api_describe(p));
  if (!n) throw refusal('refused', errorText());
  const at = w.M._api_saved_ptr();
  const design = JSON.parse(new TextDecoder().decode(w.M.HEAPU8.slice(at, at + n)));
  post(MSG.DESCRIBED, { spec: msg.spec, design, rid: msg.rid });
  return LATER;
}

// SET_DESIGN { spec, seed } -> LOADED { source: 'design', design, params } and the answer, or a
// refusal: a design the core refuses, or cannot make (out of memory), changes nothing (the
// design the next network is made of is put back; a paused run goes on)
export function setDesign(msg) {
  if (typeof msg.spec !== 'string') throw refusal('invalid', 'a design is given in its text form (a string)');
  let seed;
  try { seed = seedHalves(msg.seed ?? 1); } catch (e) { throw refusal('invalid', e.message); }
  const M = w.M, before = M.UTF8ToString(M._api_design());
  if (withText(msg.spec, (p) => M._api_set_design(p)) !== 0) throw refusal('refused', errorText());
  if (M._api_create(w.caps.threads, ...seed) !== 0) {
    const why = errorText();
    withText(before, (p) => M._api_set_design(p));            // the next reset makes the network in use again
    throw refusal('refused', `The design ${msg.spec} could not be made: ${why}. The network in use is unchanged.`);
  }
  endPausedRun();
  w.modelSource = 'design';
  w.caps.params = M._api_param_count();
  setState('idle');
  const loaded = { source: 'design', design: M.UTF8ToString(M._api_design()), params: w.caps.params };
  post(MSG.LOADED, loaded);       // every panel hears of it
  return loaded;
}
