// The page <-> worker protocol (web/protocol.js) against the code that speaks it: every message
// type the page or the worker sends is declared, every one is handled by the other side, and
// nothing is declared that nobody sends. Read from the sources, so a new message that is sent
// but not declared, or declared but not handled, fails here before it fails in a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './load-wasm.mjs';
import { MSG, TEST_MSG } from '../../web/protocol.js';

const source = (f) => readFileSync(path.join(root, 'web', f), 'utf8');
const names = (text, re) => new Set([...text.matchAll(re)].map((m) => `${m[1]}.${m[2]}`));
// the page's side: main.js and the modules that talk to the worker through it (teach.js)
const worker = source('worker.js'), page = source('main.js') + source('teach.js');

const sent = {
  worker: names(worker, /\bpost\((MSG|TEST_MSG)\.(\w+)/g),
  page: names(page, /\bsend\((MSG|TEST_MSG)\.(\w+)/g),
};
const handled = {
  worker: names(worker, /\bcase (MSG|TEST_MSG)\.(\w+)\s*:/g),
  page: new Set([...names(page, /\bcase (MSG|TEST_MSG)\.(\w+)\s*:/g), ...names(page, /=== (MSG|TEST_MSG)\.(\w+)/g)]),
};
const declared = new Set([...Object.keys(MSG).map((k) => `MSG.${k}`), ...Object.keys(TEST_MSG).map((k) => `TEST_MSG.${k}`)]);

test('the scan finds the protocol (it would pass vacuously otherwise)', () => {
  assert.ok(sent.worker.size >= 10 && sent.page.size >= 10, `sent: worker ${sent.worker.size}, page ${sent.page.size}`);
  assert.ok(handled.worker.size >= 10 && handled.page.size >= 10);
});

test('every message sent is declared in protocol.js', () => {
  for (const side of ['worker', 'page'])
    for (const m of sent[side]) assert.ok(declared.has(m), `the ${side} sends ${m}, which protocol.js does not declare`);
});

test('every message sent is handled by the other side', () => {
  for (const m of sent.page) assert.ok(handled.worker.has(m), `the page sends ${m}, which the worker does not handle`);
  for (const m of sent.worker) assert.ok(handled.page.has(m), `the worker sends ${m}, which the page does not handle`);
});

test('every declared message is sent by someone, and the values are distinct', () => {
  for (const m of declared) assert.ok(sent.page.has(m) || sent.worker.has(m), `${m} is declared but never sent`);
  const values = [...Object.values(MSG), ...Object.values(TEST_MSG)];
  assert.equal(new Set(values).size, values.length, 'two message types share a value');
});
