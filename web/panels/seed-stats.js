// Runs over seeds: the runs kept in this browser (the runs table's) grouped by design and recipe,
// one row per group: how many seeds, the mean ± sd of the final test accuracy, the worst seed,
// how many seeds reached 99.4 % and at which epoch (the first epoch at or above it; min and
// median over those seeds). A seed run more than once counts once, with its latest run.
// designStats() is pure (tests/node/lab-stats.test.mjs); createSeedStats() owns #seed-stats.
import { $ } from '../ui.js';

export const TARGET = 99.4;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// runs: stored runs ({ spec, recipe, seed, params, macs, started, epochs: [{ epoch, acc }] }) ->
// [{ spec, recipe, params, macs, seeds: [{ seed, final, reachedAt }], n, mean, sd, worst, reached,
//    reachedMin, reachedMedian }], in the order each group first appears; sd is the sample's (n - 1), 0 for one seed
export function designStats(runs) {
  const groups = new Map();
  for (const r of runs) {
    if (!r.epochs?.length) continue;
    const key = `${r.spec}\u0000${r.recipe ?? ''}`;
    if (!groups.has(key)) {
      groups.set(key, { spec: r.spec, recipe: r.recipe ?? '', params: r.params, macs: r.macs, bySeed: new Map() });
    }
    const g = groups.get(key), seed = String(r.seed ?? '');
    const prior = g.bySeed.get(seed);
    if (!prior || String(prior.started ?? '') <= String(r.started ?? '')) g.bySeed.set(seed, r);
  }
  return [...groups.values()].map(({ bySeed, ...g }) => {
    const seeds = [...bySeed.entries()].map(([seed, r]) => ({ seed, final: r.epochs[r.epochs.length - 1].acc,
      reachedAt: r.epochs.find((e) => e.acc >= TARGET)?.epoch ?? null }));
    const finals = seeds.map((s) => s.final), n = seeds.length;
    const mean = finals.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 ? Math.sqrt(finals.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
    const worst = seeds.reduce((w, s) => (s.final < w.final ? s : w));
    const at = seeds.map((s) => s.reachedAt).filter((e) => e !== null);
    return { ...g, seeds, n, mean, sd, worst, reached: at.length,
      reachedMin: at.length ? Math.min(...at) : null, reachedMedian: at.length ? median(at) : null };
  });
}

const nf = (x) => Math.round(x).toLocaleString('en-US');

// runs(): the runs table's list; changed(listener) calls listener when it may have changed
export function createSeedStats({ runs, changed }) {
  const table = $('seed-stats');
  function render() {
    const rows = designStats(runs());
    table.tBodies[0].replaceChildren(...rows.map((g) => {
      const tr = document.createElement('tr');
      Object.assign(tr.dataset, { spec: g.spec, seeds: String(g.n), mean: g.mean.toFixed(4),
        reached: String(g.reached) });
      const epochs = g.reached ? `epoch ${g.reachedMin}${g.reached > 1 ? ` (median ${g.reachedMedian})` : ''}` : '–';
      const cells = [g.spec, nf(g.params), g.recipe, g.n, `${g.mean.toFixed(2)} ± ${g.sd.toFixed(2)}`,
        `${g.worst.final.toFixed(2)} (seed ${g.worst.seed})`, `${g.reached} of ${g.n}`, epochs];
      tr.append(...cells.map((c) => Object.assign(document.createElement('td'), { textContent: String(c) })));
      return tr;
    }));
    $('seed-stats-empty').hidden = rows.length > 0;
  }
  changed(render);
  render();
  return { render };
}
