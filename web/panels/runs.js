// Compare runs: every run that finished or was stopped after at least one epoch is kept in this
// browser (localStorage) with its design, recipe, seed, parameters, multiply-adds, per-epoch
// test accuracy and loss, wall time, threads, the build that computed it and browser. The runs
// table (sortable; best and final accuracy; when 99.4 % was first reached), selected runs overlaid on an accuracy and a
// loss chart, delete, and the history exported and imported as JSON. Owns #runs.
import uPlot from 'uplot';
import { MSG } from '../protocol.js';
import { DESIGNS } from '../generated/contract.js';
import { $, download } from '../ui.js';
import { buildName, BUILD_TITLES } from '../share-codec.js';

const KEY = 'mnist-in-a-tab-runs', TARGET = 99.4, MAX_RUNS = 200;
const COLOURS = ['#1f5bd1', '#c8502a', '#1e9646', '#7a3ca0', '#b08a00', '#0b8a8a', '#d1346b', '#555'];
const COLUMNS = [['#', (r) => r.n], ['design', (r) => r.spec], ['parameters', (r) => r.params],
  ['multiply-adds', (r) => r.macs], ['recipe', (r) => r.recipe], ['best %', (r) => r.best], ['final %', (r) => r.final],
  ['99.4 % at', (r) => r.reached?.seconds ?? Infinity], ['wall time', (r) => r.seconds], ['threads', (r) => r.threads],
  ['build', (r) => r.build || ''], ['browser', (r) => r.browser]];

// a stored run as it must be (an imported file is checked against this); null if it is not one
export function checkRun(r) {
  const finite = (...xs) => xs.every((x) => Number.isFinite(x));
  const ok = r && typeof r === 'object' && typeof r.id === 'string' && typeof r.spec === 'string' &&
    r.spec.length < 600 &&
    finite(r.params, r.macs) && Array.isArray(r.epochs) && r.epochs.length >= 1 && r.epochs.length <= 1000 &&
    r.epochs.every((e) => e && finite(e.epoch, e.acc, e.loss, e.elapsed));
  return ok ? r : null;
}

function summarise(r) {
  const accs = r.epochs.map((e) => e.acc), hit = r.epochs.find((e) => e.acc >= TARGET);
  return { ...r, best: Math.max(...accs), final: accs[accs.length - 1], seconds: r.epochs[r.epochs.length - 1].elapsed,
    reached: hit ? { epoch: hit.epoch, seconds: hit.elapsed } : null };
}

export function createRuns({ trainer, app, errors }) {
  const history = createHistory(errors), table = createTable(history);
  let current = null, design = DESIGNS[0].spec;

  trainer.on(MSG.LOADED, (m) => {                       // the design the next run trains (or, resumed, this one)
    if (m.design) design = m.design;
    else if (m.source === 'pretrained') design = DESIGNS[0].spec;
    if (current && m.source === 'checkpoint') { current.spec = design; count(current); }
  });
  async function count(run) {
    try {
      const { params, macs } = await trainer.describe(run.spec);
      Object.assign(run, { params, macs });
    } catch { /* counts stay 0 */ }
  }
  function begin(config, runId, epochs) {
    current = { id: runId, spec: design, params: 0, macs: 0, epochs, threads: 0, started: new Date().toISOString(),
      recipe: `${config.preset}, ${config.epochs} epochs, lr ${config.lr}, batch ${config.batch}`,
      seed: String(config.seed),
      build: buildName(app.get().caps), browser: browserName() };
    count(current);
  }
  app.on('run-started', ({ config, runId }) => begin(config, runId, []));
  app.on('run-resumed', ({ config, runId, history: epochs }) => {    // a checkpointed run goes on, its epochs kept
    history.remove(runId);
    begin(config, runId, epochs.map((h) => ({ epoch: h.epoch, acc: h.testAcc, loss: h.testLoss, elapsed: h.elapsed })));
  });
  trainer.on(MSG.PROGRESS, (p) => { if (current && p.threads) current.threads = p.threads; });
  trainer.on(MSG.EPOCH, (m) => {
    if (!current || m.runId !== current.id) return;
    current.epochs.push({ epoch: m.epoch, acc: m.testAcc, loss: m.testLoss, elapsed: m.elapsed });
  });
  trainer.on(MSG.STATE, (m) => {                        // finished, or stopped: kept if it has an epoch
    if (!current || !['done', 'idle'].includes(m.state)) return;
    if (current.epochs.length) { history.add(current); table.render(); }
    current = null;
  });
  app.on('reset', () => { current = null; });
  history.wire(table.render);
  table.render();
  return { get runs() { return history.runs; } };
}

// the runs kept in this browser (localStorage), exported and imported as JSON
function createHistory(errors) {
  let runs = load();
  function load() {
    try {
      return (JSON.parse(localStorage.getItem(KEY) || '[]') || []).map(checkRun).filter(Boolean);
    } catch { return []; }
  }
  function store() {
    try { localStorage.setItem(KEY, JSON.stringify(runs.slice(-MAX_RUNS))); } catch (e) {
      errors.show('runs', `The runs history could not be kept in this browser (${e.message}); export it to keep it.`);
    }
  }
  const add = (run) => { runs.push({ ...run, n: (runs.at(-1)?.n || 0) + 1 }); store(); };
  // the buttons: export, import (a file that is not a runs history of this app changes nothing)
  function wire(render) {
    $('runs-export').addEventListener('click', () => {
      const json = JSON.stringify({ format: 'mnist-in-a-tab runs', runs }, null, 1);
      download(new Blob([json], { type: 'application/json' }), 'mnist-runs.json');
    });
    $('runs-import').addEventListener('change', async (e) => {
      const file = e.target.files[0];
      e.target.value = '';
      if (!file) return;
      try {
        const data = JSON.parse(await file.text());
        const list = Array.isArray(data?.runs) ? data.runs.map(checkRun) : null;
        if (!list || list.some((r) => !r)) throw new Error('it is not a runs history of this app');
        const known = new Set(runs.map((r) => r.id));
        for (const r of list) if (!known.has(r.id)) runs.push({ ...r, n: (runs.at(-1)?.n || 0) + 1 });
        store(); render();
        errors.hide('runs');
      } catch (err) {
        errors.show('runs', `${file.name} was not imported: ${err.message}. The runs kept are unchanged.`);
      }
    });
  }
  return { get runs() { return runs; }, add, wire, remove(id) { runs = runs.filter((r) => r.id !== id); }, store };
}

// the table (sortable by any column; a row's data-* attributes let two runs be compared to the bit) and the
// overlay chart of the runs ticked
function createTable(history) {
  let sortBy = 0, ascending = true, chart = null;
  const selected = new Set();
  function render() {
    const rows = history.runs.map(summarise);
    const [, key] = COLUMNS[sortBy];
    rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1); });
    const table = $('runs-table');
    table.tHead.rows[0].replaceChildren(...COLUMNS.map(([name], i) => {
      const th = document.createElement('th');
      th.setAttribute('aria-sort', i === sortBy ? (ascending ? 'ascending' : 'descending') : 'none');
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: name });
      b.className = 'sort';
      b.addEventListener('click', () => { ascending = sortBy === i ? !ascending : true; sortBy = i; render(); });
      th.append(b);
      return th;
    }), ...['compare', 'delete'].map((name) => Object.assign(document.createElement('th'), { textContent: name })));
    table.tBodies[0].replaceChildren(...rows.map(row));
    $('runs-count').textContent = String(history.runs.length);
    plot();
  }
  function row(r) {
    const tr = document.createElement('tr');
    // the final test loss as the worker reported it: String() of a double gives back that double exactly
    Object.assign(tr.dataset, { spec: r.spec, finalAcc: r.final.toFixed(2), params: String(r.params), run: r.id,
      seed: String(r.seed ?? ''), finalLoss: String(r.epochs.at(-1).loss), build: r.build || 'unknown' });
    const reached = r.reached ? `epoch ${r.reached.epoch}, ${Math.round(r.reached.seconds)} s` : 'not reached';
    const nf = (x) => x.toLocaleString('en-US');
    const cells = [r.n, r.spec, nf(r.params), nf(r.macs), `${r.recipe}, seed ${r.seed}`, r.best.toFixed(2),
      r.final.toFixed(2), reached, `${Math.round(r.seconds)} s`, r.threads, BUILD_TITLES[r.build] || 'not recorded',
      r.browser];
    tr.append(...cells.map((c) => Object.assign(document.createElement('td'), { textContent: String(c) })));
    const pick = Object.assign(document.createElement('input'), { type: 'checkbox', checked: selected.has(r.id) });
    pick.setAttribute('aria-label', `Compare run ${r.n}`);
    pick.addEventListener('change', () => {
      if (pick.checked) selected.add(r.id); else selected.delete(r.id);
      plot();
    });
    const del = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Delete' });
    del.className = 'small';
    del.setAttribute('aria-label', `Delete run ${r.n}`);
    del.addEventListener('click', () => { history.remove(r.id); selected.delete(r.id); history.store(); render(); });
    const td1 = document.createElement('td'), td2 = document.createElement('td');
    const box = Object.assign(document.createElement('label'), { className: 'check' });
    box.append(pick);
    td1.append(box); td2.append(del);
    tr.append(td1, td2);
    return tr;
  }

  // the selected runs' test accuracy and loss per epoch, one colour each
  function plot() {
    const chosen = history.runs.filter((r) => selected.has(r.id));
    $('runs-compare').hidden = chosen.length === 0;
    chart?.destroy();
    chart = null;
    if (!chosen.length) return;
    const epochs = [...new Set(chosen.flatMap((r) => r.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
    const column = (r, f) => epochs.map((x) => r.epochs.find((e) => e.epoch === x)?.[f] ?? null);
    const series = [{ label: 'epoch' }], data = [epochs];
    chosen.forEach((r, i) => {
      const colour = COLOURS[i % COLOURS.length];
      series.push({ label: `run ${r.n} accuracy %`, stroke: colour, width: 2, scale: 'acc', points: { show: true } },
        { label: `run ${r.n} test loss`, stroke: colour, width: 1, dash: [5, 4] });
      data.push(column(r, 'acc'), column(r, 'loss'));
    });
    const el = $('runs-chart');
    const axes = [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50] }, { label: 'accuracy %', scale: 'acc', size: 60 },
      { label: 'test loss (dashed)', side: 1, grid: { show: false }, size: 60 }];
    const width = Math.max(260, el.clientWidth || 320);
    chart = new uPlot({ width, height: 220, scales: { x: { time: false } }, series, axes }, data, el);
  }
  return { render };
}

function browserName() {
  const ua = navigator.userAgent;
  const m = ua.match(/(Firefox|Chrome|Chromium|Version)\/(\d+)/);
  return m ? `${m[1] === 'Version' ? 'Safari' : m[1]} ${m[2]}` : 'unknown';
}
