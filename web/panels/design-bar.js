// The design bar, first on the page: the network in use (the one Train trains) in its text form,
// its parameters against the editor's budget and its multiply-adds per image, as the core counts
// them (DESCRIBE), and the way to the editor. Owns #design-bar.
import { MSG } from '../protocol.js';
import { DESIGNS } from '../generated/contract.js';
import { $ } from '../ui.js';

const nf = (x) => Math.round(x).toLocaleString('en-US');

export function createDesignBar({ trainer, app }) {
  let spec = DESIGNS[0].spec, described = null, budget = 20000, asked = 0;

  function render() {
    const named = DESIGNS.find((d) => d.spec === spec);
    $('design-spec').textContent = spec;
    $('design-name').textContent = !named ? 'a design of your own'
      : named.name === 'reference' ? named.title : `${named.name} (${named.title})`;
    $('design-params').textContent = described ? nf(described.params) : '–';
    $('design-macs').textContent = described ? nf(described.macs) : '–';
    $('design-budget').textContent = nf(budget);
    $('design-over').hidden = !described || described.params <= budget;
  }
  // the core's counts of the design in use (it made the network, so it describes it)
  async function describe() {
    const mine = ++asked;
    render();
    try {
      const design = await trainer.describe(spec);
      if (mine === asked) { described = design; render(); }
    } catch { /* the worker is gone or not ready: the counts wait for the next READY */ }
  }

  trainer.on(MSG.READY, describe);
  trainer.on(MSG.LOADED, (m) => {           // a file, a link, Use this design, a resumed run: another network
    const next = m.design || (m.source === 'pretrained' ? DESIGNS[0].spec : spec);
    if (next !== spec) { spec = next; described = null; describe(); }
  });
  app.on('budget', (value) => { budget = value; render(); });
  render();
}
