// The links the page shares (web/share-codec.js): the result link's fragment gives back the model file byte for
// byte and refuses what is not one (a wrong prefix, damaged text, damaged compressed bytes, a file that unpacks
// beyond the limit); the design link's query carries the preset, the fields that differ from it, the seed and
// the build, and refuses a recipe it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/load-wasm.mjs';
import { encodeResult, decodeResult, designQuery, readDesignQuery, buildName } from '../../web/share-codec.js';

const MAX = 4 << 20;
const reference = new Uint8Array(readFileSync(path.join(root, 'public/models/reference.bin')));

async function deflated(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const out = await new Response(stream).arrayBuffer();
  return Buffer.from(out).toString('base64url');
}

test('a model file goes through a result link byte for byte, in a few tens of thousands of characters', async () => {
  const text = await encodeResult(reference);
  assert.match(text, /^d\.[A-Za-z0-9_-]+$/);
  assert.ok(text.length < 100_000, `${text.length} characters for the reference net's ${reference.length} bytes`);
  assert.deepEqual(await decodeResult(text, MAX), reference);
  for (const n of [0, 1, 2, 3, 70_000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24);
    assert.deepEqual(await decodeResult(await encodeResult(bytes), MAX), bytes, `${n} bytes`);
  }
});

test('what is not a result link is refused with the reason', async () => {
  const good = await encodeResult(reference);
  const refusals = [
    ['', /not a result link/], ['x.' + good.slice(2), /not a result link/],
    [`${good.slice(0, 500)}*${good.slice(501)}`, /not base64url/],
    [`${good.slice(0, 2)}${'A'.repeat(5)}`, /not base64url/],
    [good.slice(0, good.length >> 1), /compressed bytes are damaged/],
    [`d.${'_'.repeat(4000)}`, /compressed bytes are damaged/],
    [`d.${'A'.repeat(Math.ceil(MAX / 3) * 4 + 2000)}`, /far longer/],
  ];
  for (const [text, why] of refusals) await assert.rejects(decodeResult(text, MAX), why, text.slice(0, 40));
  // a small link that unpacks to 8 MB: refused at the limit, not unpacked whole
  const bomb = `d.${await deflated(new Uint8Array(8 << 20))}`;
  assert.ok(bomb.length < 20_000);
  await assert.rejects(decodeResult(bomb, MAX), /unpacks to more than 4,194,304 bytes/);
});

const FIELDS = [{ js: 'epochs', type: 'int' }, { js: 'lr', type: 'float' }, { js: 'optimizer', type: 'choice' },
  { js: 'augment', type: 'bool' }, { js: 'seed', type: 'u64' }, { js: 'subset', type: 'int' }];
const base = { epochs: 6, lr: 0.1, optimizer: 'sgd', augment: true, seed: '1', subset: 0 };

test('a design link carries the design, the preset, what differs from it, the seed and the build', () => {
  const recipe = { ...base, epochs: 1, augment: false, seed: '18446744073709551615', subset: 1280 };
  const query = designQuery({ spec: 'c8k3 m2 gap fc10', preset: 'fast', recipe, base, fields: FIELDS,
    build: 'relaxed' });
  assert.equal(query,
    'arch=c8k3+m2+gap+fc10&recipe=fast&epochs=1&augment=0&subset=1280&seed=18446744073709551615&build=relaxed');
  const read = readDesignQuery(new URLSearchParams(query), { presets: ['fast', 'reference'], fields: FIELDS });
  assert.deepEqual(read, { spec: 'c8k3 m2 gap fc10', preset: 'fast', build: 'relaxed',
    values: { epochs: 1, augment: false, seed: '18446744073709551615', subset: 1280 } });
  const same = designQuery({ spec: 'gap fc10', preset: 'fast', recipe: base, base, fields: FIELDS });
  assert.equal(same, 'arch=gap+fc10&recipe=fast&seed=1');
  assert.equal(readDesignQuery(new URLSearchParams('arch=gap+fc10'), { presets: ['fast'], fields: FIELDS }), null);
  const unknownBuild = readDesignQuery(new URLSearchParams('recipe=fast&build=quantum'),
    { presets: ['fast'], fields: FIELDS });
  assert.equal(unknownBuild.build, null);
});

test('a design link with a recipe this app does not know is refused with the reason', () => {
  const opts = { presets: ['fast', 'reference'], fields: FIELDS };
  const refusals = [['recipe=turbo', /"turbo" is not a recipe/], ['recipe=fast&augment=yes', /augment must be 1 or 0/],
    ['recipe=fast&lr=fast', /lr must be a number/], ['recipe=fast&lr=', /lr must be a number/],
    ['recipe=fast&epochs=1&epochs=2', /given 2 times/]];
  for (const [query, why] of refusals)
    assert.throws(() => readDesignQuery(new URLSearchParams(query), opts), why, query);
});

test('the build is named as the links carry it', () => {
  assert.equal(buildName({ build: 'threaded', relaxed: true }), 'relaxed');
  assert.equal(buildName({ build: 'threaded', relaxed: false }), 'simd');
  assert.equal(buildName({ build: 'single-threaded', relaxed: false }), 'single');
  assert.equal(buildName(null), null);
});
