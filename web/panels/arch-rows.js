// The rows of the design editor (web/panels/architecture.js): one list item per layer with the
// fields of its kind (kind, channels, kernel, padding, batch norm, groups, dropout), what the
// core says of it, and the buttons that move, remove and add layers. A row only reports edits
// (to the callbacks it is given); the editor owns the layers and makes the rows anew.
import { LIMITS } from '../generated/contract.js';
import { KINDS } from './layer-settings.js';

const nf = (x) => Math.round(x).toLocaleString('en-US');
const KERNELS = [[1, '1×1'], [3, '3×3'], [5, '5×5'], [7, '7×7']];

// l: the layer's settings; i: its index; at: { info (the core's counts, or none), fault, count,
// set(field, value), kind(kind), move(by), remove(), add() }
export function layerRow(l, i, at) {
  const li = document.createElement('li');
  li.dataset.testid = `arch-layer-${i + 1}`;
  if (at.fault) li.classList.add('fault');
  const name = (what) => `Layer ${i + 1} ${what}`;
  const set = (field) => (v) => at.set(field, v);
  li.append(select(KINDS, l.kind, name('kind'), at.kind));
  if (l.kind === 'conv') {
    const inputs = at.info?.in[0] ?? LIMITS.DESIGN_MAX_CHANNELS;
    const channels = number(l.channels, 1, LIMITS.DESIGN_MAX_CHANNELS, name('output channels'), set('channels'));
    li.append(label('out ', channels),
      label(' kernel ', select(KERNELS, l.kernel, name('kernel'), set('kernel'))),
      check('same padding', l.same, name('same padding'), set('same')),
      check('batch norm', l.bn, name('batch norm'), set('bn')),
      label(' groups ', number(l.groups, 1, inputs, name('groups'), set('groups'))));
  }
  if (l.kind === 'fc') {
    li.append(label('out ', number(l.channels, 1, LIMITS.DESIGN_MAX_FC, name('outputs'), set('channels'))));
  }
  if (l.kind === 'conv' || l.kind === 'fc') li.append(label(' dropout ', dropout(l.dropout, name, set('dropout'))));
  li.append(infoOf(at.info, i),
    button('↑', `Move layer ${i + 1} up`, i > 0, () => at.move(-1)),
    button('↓', `Move layer ${i + 1} down`, i < at.count - 1, () => at.move(1)),
    button('✕', `Remove layer ${i + 1}`, at.count > 1, at.remove),
    button('+', `Add a layer after layer ${i + 1}`, at.count < LIMITS.DESIGN_MAX_LAYERS, at.add));
  return li;
}

function infoOf(info, i) {
  const out = document.createElement('span');
  out.className = 'arch-info';
  out.dataset.testid = `arch-info-${i + 1}`;
  if (info) {
    out.textContent = `→ ${info.out.join('×')} · ${nf(info.params)} parameters · ${nf(info.macs)} multiply-adds`
      + ` · sees ${info.rf}×${info.rf}`;
  }
  return out;
}

function label(text, input) {
  const el = document.createElement('label');
  el.append(text, input);
  return el;
}

function select(options, value, name, on) {
  const s = document.createElement('select');
  for (const [v, t] of options) s.append(new Option(t, v));
  s.value = String(value);
  s.setAttribute('aria-label', name);
  s.addEventListener('change', () => on(s.value));
  return s;
}

function number(value, min, max, name, on) {
  const n = Object.assign(document.createElement('input'), { type: 'number', min, max, value, step: 1 });
  n.setAttribute('aria-label', name);
  n.addEventListener('change', () => on(n.value));
  return n;
}

function dropout(value, name, on) {
  const p = Object.assign(document.createElement('input'), { type: 'text', value, placeholder: 'recipe', size: 5,
    inputMode: 'decimal' });
  p.setAttribute('aria-label', name('dropout (empty: the recipe\'s)'));
  p.addEventListener('change', () => on(p.value.trim()));
  return p;
}

function check(text, value, name, on) {
  const el = document.createElement('label');
  el.className = 'check inline';
  const c = Object.assign(document.createElement('input'), { type: 'checkbox', checked: value });
  c.setAttribute('aria-label', name);
  c.addEventListener('change', () => on(c.checked));
  el.append(c, ` ${text}`);
  return el;
}

function button(text, label, enabled, on) {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, disabled: !enabled });
  b.setAttribute('aria-label', label);
  b.className = 'small';
  b.addEventListener('click', on);
  return b;
}
