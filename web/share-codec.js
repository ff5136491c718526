// The two kinds of link the page shares, as text, with no DOM and no worker (tests/node/share-codec.test.mjs):
//  - the design link's query: ?arch=<design>&recipe=<preset>&<field>=<value>…&seed=<seed>&build=<build>, the recipe
//    given as the preset's name and only the fields that differ from what that preset fills in;
//  - the result link's fragment: #result=d.<base64url of the deflate-raw compressed model file>. The model file is
//    the core's own (float32 weights, no training state), so the receiver's core checks it like any file it loads.
// What is not here: checking a recipe's ranges (trainer.js checkRecipe) and a model file (the core).

export const RESULT_KEY = 'result';
const RESULT_PREFIX = 'd.';                     // d: deflate-raw; another prefix is a link of another kind

// the build that computes a run here, by the name the links carry: relaxed-SIMD threads, plain SIMD threads, or
// the single-threaded SIMD build. A run is promised to repeat to the bit only in the same build (relaxed SIMD's
// FMA rounds differently from plain SIMD).
export function buildName(caps) {
  if (!caps) return null;
  if (caps.build !== 'threaded') return 'single';
  return caps.relaxed ? 'relaxed' : 'simd';
}
export const BUILD_TITLES = Object.freeze({ relaxed: 'relaxed SIMD (FMA), threaded', simd: 'plain SIMD, threaded',
  single: 'SIMD, single-threaded' });

// A link's value of a form field, and back (booleans as 1 and 0; everything else as its text).
const valueText = (v) => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
function valueOf(text, field) {
  if (field.type === 'bool') {
    if (text !== '1' && text !== '0') throw new Error(`${field.js} must be 1 or 0, not "${text}"`);
    return text === '1';
  }
  if (field.type === 'choice' || field.type === 'u64') return text;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new Error(`${field.js} must be a number, not "${text}"`);
  return v;
}

// The query of a design link. recipe: the form's values by field name; base: the values the preset fills in
// (a field equal to it is left out); fields: the form's fields ({ js, type }). The seed is always written.
export function designQuery({ spec, preset, recipe, base, fields, build }) {
  const q = new URLSearchParams();
  q.set('arch', spec);
  q.set('recipe', preset);
  for (const f of fields) {
    if (f.js === 'seed' || recipe[f.js] === undefined) continue;
    if (valueText(recipe[f.js]) !== valueText(base[f.js])) q.set(f.js, valueText(recipe[f.js]));
  }
  if (recipe.seed !== undefined) q.set('seed', valueText(recipe.seed));
  if (build) q.set('build', build);
  return q.toString();
}

// What a design link asks for: { spec, preset, values, build } (values by field name, parsed by type; the
// seed among them), or null when it carries no recipe. Throws with the reason when the preset is not one of
// presets, a field is given twice, or a value does not parse; unknown keys are not this function's business.
export function readDesignQuery(params, { presets, fields }) {
  if (!params.has('recipe')) return null;
  const preset = params.get('recipe');
  if (!presets.includes(preset)) {
    throw new Error(`"${preset}" is not a recipe of this app; the recipes are ${presets.join(', ')}`);
  }
  const values = {};
  for (const f of fields) {
    const all = params.getAll(f.js);
    if (all.length > 1) throw new Error(`${f.js} is given ${all.length} times`);
    if (all.length) values[f.js] = valueOf(all[0], f);
  }
  const build = params.get('build');
  return { spec: params.get('arch'), preset, values, build: build in BUILD_TITLES ? build : null };
}

// bytes -> base64url (no padding), and back; throws on a character outside the alphabet
function toBase64Url(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('its text is damaged (not base64url)');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function streamed(bytes, transform, maxBytes) {
  const reader = new Blob([bytes]).stream().pipeThrough(transform).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      const limit = maxBytes.toLocaleString('en-US');
      throw new Error(`it unpacks to more than ${limit} bytes, far more than a model of this app`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

// a model file -> the text after #result= (the bytes compressed with deflate-raw, as base64url)
export async function encodeResult(bytes) {
  return RESULT_PREFIX + toBase64Url(await streamed(bytes, new CompressionStream('deflate-raw'), Infinity));
}

// the text after #result= -> the model file's bytes (at most maxBytes); throws with the reason when it is not
// a result link of this app. The bytes are not checked here: the core does that when it loads them.
export async function decodeResult(text, maxBytes) {
  if (typeof text !== 'string' || !text.startsWith(RESULT_PREFIX)) {
    throw new Error('it is not a result link of this app (no "d." after #result=)');
  }
  const packed = text.slice(RESULT_PREFIX.length);
  if (packed.length > Math.ceil(maxBytes / 3) * 4 + 1024) {
    throw new Error('it is far longer than a result link of this app');
  }
  const deflated = fromBase64Url(packed);
  try {
    return await streamed(deflated, new DecompressionStream('deflate-raw'), maxBytes);
  } catch (e) {
    if (/unpacks to more/.test(e.message)) throw e;
    throw new Error(`its compressed bytes are damaged (${e.message})`);
  }
}
