// The Architecture panel: the design of the network as a list of layers to add, remove, move and
// set, or as its text form (src/nn/arch_spec.h); live, per layer, what the core says of it
// (output shape, parameters, multiply-adds, receptive field) or why it refuses it, the totals
// against a parameter budget and an epoch-time estimate; the named designs with their measured
// accuracy; Use this design (new random weights of it) and a link that opens the page with it.
// The core parses and checks every design (DESCRIBE); this panel only builds the text. Owns #architecture.
import { MSG } from '../protocol.js';
import { LIMITS, DESIGNS } from '../generated/contract.js';
import MEASURED from '../designs-measured.json';
import { $ } from '../ui.js';

const KINDS = [['conv', 'convolution'], ['pool', 'max-pool 2×2'], ['gap', 'global average pool'], ['flat', 'flatten'], ['fc', 'fully connected']];
const REFERENCE = DESIGNS[0], REFERENCE_MACS = MEASURED.reference?.macs || 3375424;
const nf = (x) => Math.round(x).toLocaleString('en-US');

// a layer's token (the grammar of docs/network.md) and back, for the canonical tokens the core prints
export function tokenOf(l) {
  const d = l.p === '' || l.p === undefined ? '' : `:d${l.p}`;
  if (l.kind === 'conv') return `c${l.out}k${l.k}${l.same ? ':same' : ''}${l.bn ? '' : ':nobn'}${d}`;
  if (l.kind === 'fc') return `fc${l.out}${d}`;
  return { pool: 'm2', gap: 'gap', flat: 'flat' }[l.kind];
}
export function layerOf(token) {
  const p = (token.match(/:d([0-9.]+)/) || [])[1] ?? '';
  let m = token.match(/^c(\d+)k(\d+)/);
  if (m) return { kind: 'conv', out: Number(m[1]), k: Number(m[2]), same: token.includes(':same'), bn: !token.includes(':nobn'), p };
  if ((m = token.match(/^fc(\d+)/))) return { kind: 'fc', out: Number(m[1]), p };
  return { kind: { m2: 'pool', gap: 'gap', flat: 'flat' }[token] || 'gap' };
}
const specOf = (layers) => layers.map(tokenOf).join(' ');
const freshLayer = (kind) => ({ conv: { kind, out: 16, k: 3, same: false, bn: true, p: '' }, fc: { kind, out: 10, p: '' } }[kind] || { kind });

export function createArchitecture({ trainer, app, errors }) {
  const panel = $('architecture'), list = $('arch-layers'), specInput = $('arch-spec'), errorBox = $('arch-error');
  let layers = REFERENCE.spec.split(' ').map(layerOf), described = null, asked = 0, imagesPerSec = null, measuredMacs = REFERENCE_MACS;

  const named = $('arch-named');
  for (const d of DESIGNS) {
    const m = MEASURED[d.name];
    const acc = m ? `, measured ${Math.min(...m.final).toFixed(2)}–${Math.max(...m.final).toFixed(2)} %${m.recipe ? ` (${m.recipe})` : ''}` : '';
    named.append(new Option(`${d.name}: ${d.title}${acc}`, d.name));
  }
  named.addEventListener('change', () => { layers = DESIGNS.find((d) => d.name === named.value).spec.split(' ').map(layerOf); changed(); });

  // the core's word on the current text: counts per layer, or the reason it is refused
  async function describe() {
    const spec = specOf(layers), mine = ++asked;
    specInput.value = spec;
    app.emit('design-draft', spec);                     // the design link follows it (share.js)
    try {
      const design = await trainer.describe(spec);
      if (mine !== asked) return;
      described = design;
      errorBox.textContent = '';
    } catch (err) {
      if (mine !== asked) return;
      described = null;
      errorBox.textContent = err.message;
    }
    render();
  }
  function changed() { render(); describe(); }

  // The epoch-time estimate: an image's training time taken as a quarter fixed and three quarters
  // in proportion to the multiply-adds (fitted to the named designs' speeds in Chromium:
  // bench/results/designs.json), scaled from the speed measured here (the last run's, of the
  // design then in use) or, before any run, from the reference net's measured speed.
  let inUseMacs = REFERENCE_MACS;
  const share = (macs) => 0.25 + 0.75 * macs / REFERENCE_MACS;
  function epochSeconds(macs) {
    const referenceRate = imagesPerSec ? imagesPerSec * share(measuredMacs) : MEASURED.reference?.chromium_images_per_s;
    return referenceRate ? 60000 * share(macs) / referenceRate : null;
  }

  // The rows are made anew on every change and on the core's answer; the control that had the
  // focus gets it back by its label, so a keyboard user is not thrown out of the list each time
  // the counts arrive (nor a typed value's caret lost).
  function render() {
    const faultLayer = Number((errorBox.textContent.match(/^layer (\d+)/) || [])[1] || 0);
    const active = list.contains(document.activeElement) ? document.activeElement : null;
    const label = active?.getAttribute('aria-label'), caret = active?.selectionStart ?? null;
    list.replaceChildren(...layers.map((l, i) => row(l, i, described?.layers[i], faultLayer === i + 1)));
    const again = label && [...list.querySelectorAll('[aria-label]')].find((el) => el.getAttribute('aria-label') === label);
    if (again) {
      again.focus();
      if (caret !== null && typeof again.setSelectionRange === 'function') again.setSelectionRange(caret, caret);
    }
    const budget = Number($('arch-budget').value) || 20000;
    $('arch-params').textContent = described ? nf(described.params) : '–';
    $('arch-macs').textContent = described ? nf(described.macs) : '–';
    $('arch-over').hidden = !described || described.params <= budget;
    const secs = described && epochSeconds(described.macs);
    $('arch-epoch').textContent = secs ? `${Math.round(secs)} s` : '–';
    $('arch-apply').disabled = !described || app.get().status === 'training';
    panel.dataset.valid = described ? 'yes' : 'no';
  }

  function row(l, i, info, fault) {
    const li = document.createElement('li');
    li.dataset.testid = `arch-layer-${i + 1}`;
    if (fault) li.classList.add('fault');
    const label = (text, input) => { const el = document.createElement('label'); el.append(text, input); return el; };
    const select = (options, value, name, on) => {
      const s = document.createElement('select');
      for (const [v, t] of options) s.append(new Option(t, v));
      s.value = String(value);
      s.setAttribute('aria-label', `Layer ${i + 1} ${name}`);
      s.addEventListener('change', () => on(s.value));
      return s;
    };
    const number = (value, min, max, name, on) => {
      const n = Object.assign(document.createElement('input'), { type: 'number', min, max, value, step: 1 });
      n.setAttribute('aria-label', `Layer ${i + 1} ${name}`);
      n.addEventListener('change', () => on(n.value));
      return n;
    };
    const set = (field) => (v) => { l[field] = v; changed(); };
    li.append(select(KINDS, l.kind, 'kind', (v) => { layers[i] = freshLayer(v); changed(); }));
    if (l.kind === 'conv') {
      li.append(label('out ', number(l.out, 1, LIMITS.DESIGN_MAX_CHANNELS, 'output channels', set('out'))),
        label(' kernel ', select([[1, '1×1'], [3, '3×3'], [5, '5×5'], [7, '7×7']], l.k, 'kernel', set('k'))),
        check('same padding', l.same, i, (v) => { l.same = v; changed(); }), check('batch norm', l.bn, i, (v) => { l.bn = v; changed(); }));
    }
    if (l.kind === 'fc') li.append(label('out ', number(l.out, 1, LIMITS.DESIGN_MAX_FC, 'outputs', set('out'))));
    if (l.kind === 'conv' || l.kind === 'fc') {
      const p = Object.assign(document.createElement('input'), { type: 'text', value: l.p, placeholder: 'recipe', size: 5, inputMode: 'decimal' });
      p.setAttribute('aria-label', `Layer ${i + 1} dropout (empty: the recipe's)`);
      p.addEventListener('change', () => { l.p = p.value.trim(); changed(); });
      li.append(label(' dropout ', p));
    }
    const out = document.createElement('span');
    out.className = 'arch-info';
    out.dataset.testid = `arch-info-${i + 1}`;
    if (info) out.textContent = `→ ${info.out.join('×')} · ${nf(info.params)} parameters · ${nf(info.macs)} multiply-adds · sees ${info.rf}×${info.rf}`;
    li.append(out, button('↑', `Move layer ${i + 1} up`, i > 0, () => move(i, -1)), button('↓', `Move layer ${i + 1} down`, i < layers.length - 1, () => move(i, 1)),
      button('✕', `Remove layer ${i + 1}`, layers.length > 1, () => { layers.splice(i, 1); changed(); }),
      button('+', `Add a layer after layer ${i + 1}`, layers.length < LIMITS.DESIGN_MAX_LAYERS, () => { layers.splice(i + 1, 0, freshLayer('conv')); changed(); }));
    return li;
  }
  function move(i, by) {
    [layers[i], layers[i + by]] = [layers[i + by], layers[i]];
    changed();
    list.querySelectorAll('li')[i + by]?.querySelector(`button[aria-label^="Move layer ${i + by + 1} ${by < 0 ? 'up' : 'down'}"]`)?.focus();
  }

  // the text form typed in: the core reads it; the rows follow its canonical tokens
  specInput.addEventListener('change', async () => {
    const mine = ++asked;
    try {
      const design = await trainer.describe(specInput.value);
      if (mine !== asked) return;
      layers = design.layers.map((x) => layerOf(x.token));
      errorBox.textContent = '';
      changed();
    } catch (err) {
      if (mine === asked) { described = null; errorBox.textContent = err.message; render(); }
    }
  });
  $('arch-budget').addEventListener('input', () => {          // the design bar shows the same budget
    render();
    app.emit('budget', Number($('arch-budget').value) || 20000);
  });
  $('arch-apply').addEventListener('click', () => trainer.setDesign(specOf(layers)).catch(errors.of('design')));

  trainer.on(MSG.LOADED, async (m) => {          // a file, a link or Use this design: the editor shows the network in use
    if (!m.design) { inUseMacs = REFERENCE_MACS; return; }
    layers = m.design.split(' ').map(layerOf);
    if (m.source === 'link') panel.open = true;
    changed();
    try { inUseMacs = (await trainer.describe(m.design)).macs; } catch { /* the core made it: it describes */ }
  });
  trainer.on(MSG.PROGRESS, (m) => { if (m.imagesPerSec) { imagesPerSec = m.imagesPerSec; measuredMacs = inUseMacs; } });
  trainer.on(MSG.READY, () => changed());
  return { get spec() { return specOf(layers); } };
}

function check(text, value, i, on) {
  const el = document.createElement('label');
  el.className = 'check inline';
  const c = Object.assign(document.createElement('input'), { type: 'checkbox', checked: value });
  c.setAttribute('aria-label', `Layer ${i + 1} ${text}`);
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
