// The page <-> worker protocol (web/protocol.js) against the code that speaks it: every message
// type the page or the worker sends is declared, every one is handled by the other side, and
// nothing is declared that nobody sends. Read from the sources, so a new message that is sent
// but not declared, or declared but not handled, fails here before it fails in a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/load-wasm.mjs';
import { MSG, TEST_MSG, REPLIES, TEST_REPLIES } from '../../web/protocol.js';

const source = (f) => readFileSync(path.join(root, 'web', f), 'utf8');
const folder = (d) => readdirSync(path.join(root, 'web', d)).filter((f) => f.endsWith('.js')).map((f) => source(`${d}/${f}`)).join('\n');
const names = (text, re) => new Set([...text.matchAll(re)].map((m) => `${m[1]}.${m[2]}`));
// the worker: its dispatcher and its modules by job; the page: the shell, the client, the panels
const worker = source('worker.js') + folder('worker'), page = source('main.js') + source('client.js') + source('trainer.js') + folder('panels');

// a reply is handled where its request is made (client.request resolves with it; a run's
// request goes through Trainer's #run)
const requested = new Set([...names(page, /\brequest\((MSG|TEST_MSG)\.(\w+)/g), ...names(page, /#run\([^,]+, (MSG)\.(\w+)/g)]);
const replies = [...Object.entries(REPLIES).map(([q, r]) => [`MSG.${q}`, `MSG.${r}`]),
  ...Object.entries(TEST_REPLIES).map(([q, r]) => [`TEST_MSG.${q}`, r in TEST_MSG ? `TEST_MSG.${r}` : `MSG.${r}`])];
const sent = {
  worker: names(worker, /\bpost\((MSG|TEST_MSG)\.(\w+)/g),
  page: new Set([...names(page, /\bsend\((MSG|TEST_MSG)\.(\w+)/g), ...requested]),
};
const handled = {
  worker: names(worker, /\bcase (MSG|TEST_MSG)\.(\w+)\s*:/g),
  page: new Set([...names(page, /\bon\((MSG|TEST_MSG)\.(\w+)/g), ...replies.filter(([q]) => requested.has(q)).map(([, r]) => r)]),
};

test('every request the page makes has its reply declared, and the worker sends it', () => {
  for (const q of requested) {
    const reply = replies.find(([r]) => r === q);
    assert.ok(reply, `the page requests ${q}, but REPLIES in protocol.js names no reply for it`);
    assert.ok(sent.worker.has(reply[1]), `the worker never sends ${reply[1]}, the reply to ${q}`);
  }
});
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

// The page is a user of the public API (web/trainer.js), like any page that installs the npm
// package: no panel and not the shell speak the protocol themselves.
test('the page uses the trainer API only: no panel sends or requests a message itself', () => {
  const shell = source('main.js') + folder('panels');
  for (const m of shell.matchAll(/\.(send|request|addFilter)\(\s*(MSG|TEST_MSG)?/g)) assert.fail(`the page calls .${m[1]}( directly: ${shell.slice(m.index - 40, m.index + 40)}`);
  assert.match(source('main.js'), /new Trainer\(/);
});
