// The Architecture panel: the design of the network as a list of layers to add, remove, move and
// set, or as its text form (src/nn/arch_spec.h); live, per layer, what the core says of it
// (output shape, parameters, multiply-adds, receptive field) or why it refuses it, the totals
// against a parameter budget and an epoch-time estimate; the named designs with their measured
// accuracy; Use this design (new random weights of it) and a link that opens the page with it.
// The core reads every design (DESCRIBE): the rows are the settings it gave per layer, edited
// here and written back as text by layerToken (the inverse of the core's format); a text the core
// refuses (an unknown token too) shows its message and leaves the rows as they were.
// Rows: web/panels/arch-rows.js. Owns #architecture.
import { MSG } from '../protocol.js';
import { DESIGNS } from '../generated/contract.js';
import MEASURED from '../designs-measured.json';
import { $ } from '../ui.js';
import { designText, freshLayer } from './layer-settings.js';
import { layerRow } from './arch-rows.js';

const REFERENCE = DESIGNS[0], REFERENCE_MACS = MEASURED.reference?.macs || 3375424;
const nf = (x) => Math.round(x).toLocaleString('en-US');
const BUDGET = () => Number($('arch-budget').value) || 20000;

export function createArchitecture({ trainer, app, errors }) {
  // layers: the settings being edited; described: the core's answer for them (null: refused or
  // not asked yet); asked: the number of the latest question, so a late answer is dropped;
  // answered: the number of the question answered last (Apply waits for the latest)
  const ed = { trainer, app, layers: [], described: null, asked: 0, answered: 0, speed: createSpeed() };
  fillNamed(ed);
  $('arch-spec').addEventListener('change', () => showText(ed, $('arch-spec').value));
  $('arch-budget').addEventListener('input', () => {          // the design bar shows the same budget
    render(ed);
    app.emit('budget', BUDGET());
  });
  $('arch-apply').addEventListener('click', () => trainer.setDesign(designText(ed.layers)).catch(errors.of('design')));
  trainer.on(MSG.LOADED, async (m) => {      // a file, a link, Use this design: the editor shows the network in use
    if (!m.design) { ed.speed.inUse = REFERENCE_MACS; return; }
    if (m.source === 'link') $('architecture').open = true;
    const design = await showText(ed, m.design);
    if (design) ed.speed.inUse = design.macs;
  });
  trainer.on(MSG.PROGRESS, (m) => ed.speed.measured(m.imagesPerSec));
  trainer.on(MSG.READY, () => (ed.layers.length ? changed(ed) : showText(ed, REFERENCE.spec)));
  return { get spec() { return designText(ed.layers); } };
}

// the named designs, with the accuracy measured for each (designs-measured.json)
function fillNamed(ed) {
  const named = $('arch-named');
  for (const d of DESIGNS) {
    const m = MEASURED[d.name];
    const acc = m ? `, measured ${Math.min(...m.final).toFixed(2)}–${Math.max(...m.final).toFixed(2)} %` : '';
    named.append(new Option(`${d.name}: ${d.title}${acc}${m?.recipe ? ` (${m.recipe})` : ''}`, d.name));
  }
  named.addEventListener('change', () => showText(ed, DESIGNS.find((d) => d.name === named.value).spec));
}

// A text (typed, named, loaded) read by the core: the rows become the layers it parsed, with its
// counts; the design, or null when it refuses it (its message shown, the rows kept).
async function showText(ed, text) {
  const mine = ++ed.asked;
  ed.app.emit('design-draft', text);                 // the design link follows at once (share.js)
  $('arch-apply').disabled = true;                   // until the core has read it (the rows are its answer)
  try {
    const design = await ed.trainer.describe(text);
    if (mine !== ed.asked) return design;
    ed.layers = design.layers.map((l) => ({ ...l.settings }));
    answered(ed, design, '', design.arch);
    return design;
  } catch (err) {
    if (mine === ed.asked) answered(ed, null, err.message, text);
    return null;
  }
}

// the rows edited: the core's word on the text they make
async function changed(ed) {
  const text = designText(ed.layers), mine = ++ed.asked;
  ed.app.emit('design-draft', text);
  render(ed);
  try {
    const design = await ed.trainer.describe(text);
    if (mine === ed.asked) answered(ed, design, '', text);
  } catch (err) {
    if (mine === ed.asked) answered(ed, null, err.message, text);
  }
}

function answered(ed, design, error, text) {
  ed.described = design;
  ed.answered = ed.asked;
  $('arch-error').textContent = error;
  $('arch-spec').value = text;
  ed.app.emit('design-draft', text);                       // as the core wrote it
  render(ed);
}

// What a row reports, applied to the layers; then the core is asked again.
function rowActions(ed, i) {
  const again = (layers) => { ed.layers = layers; changed(ed); };
  const at = (j, layer) => ed.layers.map((l, k) => (k === j ? layer : l));
  return {
    set: (field, value) => again(at(i, { ...ed.layers[i], [field]: value })),
    kind: (kind) => again(at(i, freshLayer(kind))),
    remove: () => again(ed.layers.filter((_, k) => k !== i)),
    add: () => again([...ed.layers.slice(0, i + 1), freshLayer('conv'), ...ed.layers.slice(i + 1)]),
    move: (by) => {
      again(at(i + by, ed.layers[i]).map((l, k) => (k === i ? ed.layers[i + by] : l)));
      const button = `button[aria-label^="Move layer ${i + by + 1} ${by < 0 ? 'up' : 'down'}"]`;
      $('arch-layers').querySelectorAll('li')[i + by]?.querySelector(button)?.focus();
    },
  };
}

// The rows are made anew on every change and on the core's answer; the control that had the
// focus gets it back by its label, so a keyboard user is not thrown out of the list each time
// the counts arrive (nor a typed value's caret lost).
function render(ed) {
  const list = $('arch-layers'), { described, layers } = ed;
  const faultLayer = Number(($('arch-error').textContent.match(/^layer (\d+)/) || [])[1] || 0);
  const active = list.contains(document.activeElement) ? document.activeElement : null;
  const label = active?.getAttribute('aria-label'), caret = active?.selectionStart ?? null;
  list.replaceChildren(...layers.map((l, i) => layerRow(l, i, {
    info: described?.layers[i], fault: faultLayer === i + 1, count: layers.length, ...rowActions(ed, i) })));
  const again = label && [...list.querySelectorAll('[aria-label]')].find((e) => e.getAttribute('aria-label') === label);
  if (again) {
    again.focus();
    if (caret !== null && typeof again.setSelectionRange === 'function') again.setSelectionRange(caret, caret);
  }
  $('arch-params').textContent = described ? nf(described.params) : '–';
  $('arch-macs').textContent = described ? nf(described.macs) : '–';
  $('arch-over').hidden = !described || described.params <= BUDGET();
  const secs = described && ed.speed.epochSeconds(described.macs);
  $('arch-epoch').textContent = secs ? `${Math.round(secs)} s` : '–';
  $('arch-apply').disabled = !described || ed.answered !== ed.asked || ed.app.get().status === 'training';
  $('architecture').dataset.valid = described ? 'yes' : 'no';
}

// The epoch-time estimate: an image's training time taken as a quarter fixed and three quarters
// in proportion to the multiply-adds (fitted to the named designs' speeds in Chromium:
// bench/results/designs.json), scaled from the speed measured here (the last run's, of the
// design then in use: inUse) or, before any run, from the reference net's measured speed.
function createSpeed() {
  let imagesPerSec = null, measuredMacs = REFERENCE_MACS;
  const share = (macs) => 0.25 + 0.75 * macs / REFERENCE_MACS;
  return {
    inUse: REFERENCE_MACS,
    measured(rate) { if (rate) { imagesPerSec = rate; measuredMacs = this.inUse; } },
    epochSeconds(macs) {
      const referenceRate = imagesPerSec ? imagesPerSec * share(measuredMacs)
        : MEASURED.reference?.chromium_images_per_s;
      return referenceRate ? 60000 * share(macs) / referenceRate : null;
    },
  };
}
