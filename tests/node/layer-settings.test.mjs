// The design editor's token formatter (web/panels/layer-settings.js) against the core's format,
// in the wasm build: for designs with every layer kind and every option (padding, no BatchNorm,
// groups, depthwise, dropout in several decimals, the recipe's dropout), api_describe gives per
// layer the settings the core parsed and its canonical token, and layerToken of those settings is
// that token (so the editor writes back exactly what the core would print); a layer the editor
// adds and edits reads back with the settings it was given; a text the core refuses has no layers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadWasm, stopThreads } from '../../scripts/load-wasm.mjs';
import { layerToken, designText, freshLayer, KINDS } from '../../web/panels/layer-settings.js';

let M;
after(() => stopThreads(M));
function describe(spec) {
  const bytes = new TextEncoder().encode(`${spec}\0`), p = M._api_malloc(bytes.length);
  M.HEAPU8.set(bytes, p);
  try {
    const n = M._api_describe(p);
    return n ? JSON.parse(new TextDecoder().decode(M.HEAPU8.slice(M._api_saved_ptr(), M._api_saved_ptr() + n))) : null;
  } finally { M._api_free(p); }
}
const error = () => M.UTF8ToString(M._api_error());

const DESIGNS = [
  'reference', 'small', 'no-dropout',
  'c8k3:same c8k3:nobn m2 c16k5:g8 c16k3:same:nobn:g16:d0.05 c32k1:g4:d0 c32k7:same:d0.9 gap fc24:d0.125 fc10',
  'c6k1 c12k3:g3:d0.3 m2 c12k3:g12 flat fc64:d0.05 fc32 fc10',
  'c4k5:nobn:d0.1 flat fc10',
];

test('layerToken writes the core\'s token from the settings the core gives, for every kind and option', async () => {
  M = await loadWasm('st');
  const kinds = new Set(), options = new Set();
  for (const spec of DESIGNS) {
    const design = describe(spec);
    assert.ok(design, `${spec}: ${error()}`);
    for (const layer of design.layers) {
      assert.equal(layerToken(layer.settings), layer.token, JSON.stringify(layer.settings));
      kinds.add(layer.settings.kind);
      for (const o of layer.token.split(':').slice(1)) options.add(o[0]);
      if (layer.settings.kind === 'conv') assert.equal(layer.settings.groups, layer.groups);
    }
    assert.equal(designText(design.layers.map((l) => l.settings)), design.arch);
  }
  assert.deepEqual([...kinds].sort(), KINDS.map(([k]) => k).sort());               // every kind the editor offers
  assert.deepEqual([...options].sort(), ['d', 'g', 'n', 's']);                          // :d :g :nobn :same
});

test('a layer the editor makes and edits reads back from the core with the same settings', async () => {
  M ??= await loadWasm('st');
  const conv = { ...freshLayer('conv'), channels: 24, kernel: 5, same: true, bn: false, groups: 8, dropout: '0.25' };
  const layers = [freshLayer('conv'), freshLayer('pool'), conv, freshLayer('gap'), freshLayer('flat'),
    { ...freshLayer('fc'), channels: 32, dropout: '0' }, freshLayer('fc')];
  const design = describe(designText(layers));
  assert.ok(design, error());
  assert.equal(design.arch, 'c16k3 m2 c24k5:same:nobn:g8:d0.25 gap flat fc32:d0 fc10');
  assert.deepEqual(design.layers.map((l) => l.settings), layers);
  assert.equal(describe('c8k3 bogus fc10'), null);                          // an unknown token: the core's error
  assert.match(error(), /^layer 2 \("bogus"\): unknown layer/);
  assert.equal(describe(designText([freshLayer('conv'), { ...freshLayer('conv'), groups: 5 }, freshLayer('gap'),
    freshLayer('fc')])), null);
  assert.match(error(), /^layer 2 \(c16k3:g5\): 5 groups; the group count \(1 to \d+\) divides the input channels/);
});

// the library's declarations (lib/index.d.ts) name exactly the fields describe() answers with
test('DesignDescription, LayerDescription and LayerSettings in index.d.ts are the fields the core writes', async () => {
  M ??= await loadWasm('st');
  const dts = readFileSync(new URL('../../lib/index.d.ts', import.meta.url), 'utf8');
  const fieldsOf = (body) => [...body.matchAll(/(\w+)\??:/g)].map((m) => m[1]).sort();
  const iface = (name) => fieldsOf(dts.match(new RegExp(`interface ${name} \\{([\\s\\S]*?)\\n?\\}\\n`))[1]);
  const settings = new Map([...dts.match(/type LayerSettings =([\s\S]*?);\n/)[1].matchAll(/\{([^}]*)\}/g)]
    .map((m) => [m[1].match(/kind: '(\w+)'/)[1], fieldsOf(m[1])]));
  const design = describe(DESIGNS[3]), flat = describe(DESIGNS[4]);
  assert.deepEqual(Object.keys(design).sort(), iface('DesignDescription'));
  for (const layer of [...design.layers, ...flat.layers]) {
    assert.deepEqual(Object.keys(layer).sort(), iface('LayerDescription'), layer.token);
    assert.deepEqual(Object.keys(layer.settings).sort(), settings.get(layer.settings.kind), layer.token);
  }
  assert.deepEqual([...settings.keys()].sort(), KINDS.map(([k]) => k).sort());
});
