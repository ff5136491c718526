// The lab's queue: designs to run over several seeds, left running. An entry is a design (text
// form), the recipe of the training form when it was added (preset and fields) and a list of
// seeds ("1-5", "1, 4, 9"). The queue runs them one after another through the path of Train
// (a new network of the design, then a run from scratch with that seed), each entry's seeds in
// order; Pause pauses the run going on and holds the queue, Resume goes on, Stop ends the run
// going on (its seed stays to do); entries move up and down and are removed. It is kept in
// localStorage: after a reload the queue is shown as it was and, if it was running, goes on once
// MNIST is loaded: the interrupted run starts again from its first step with its seed (a run is
// a pure function of its design, recipe and seed, so its figures are the ones it would have had), and
// its checkpoint is deleted. Owns #queue.
import { MSG } from '../protocol.js';
import { clearCheckpoint } from '../store.js';
import { $ } from '../ui.js';

const KEY = 'mnist-in-a-tab-queue', MAX_SEEDS = 100, MAX_ENTRIES = 50;

// "1-5", "1, 4, 9", "3 7-8" -> ['1', '2', ...] (decimal strings: seeds are 64 bits), in order, without repeats;
// throws with the reason
export function parseSeeds(text) {
  const out = [];
  for (const part of String(text).split(/[\s,]+/).filter(Boolean)) {
    const m = part.match(/^(\d{1,20})(?:-(\d{1,20}))?$/);
    if (!m) throw new Error(`"${part}" is not a seed or a range of seeds (such as 1-5)`);
    const from = BigInt(m[1]), to = m[2] !== undefined ? BigInt(m[2]) : from;
    if (to < from) throw new Error(`the range ${part} goes down`);
    if (to - from >= BigInt(MAX_SEEDS)) throw new Error(`at most ${MAX_SEEDS} seeds in a queue entry`);
    for (let s = from; s <= to; s++) if (!out.includes(String(s))) out.push(String(s));
    if (out.length > MAX_SEEDS) throw new Error(`at most ${MAX_SEEDS} seeds in a queue entry`);
  }
  if (!out.length) throw new Error('no seeds given (such as 1-5)');
  return out;
}

// the next run: the first entry, in the queue's order, with a seed not done, and that seed; or null
export function nextJob(entries) {
  for (const entry of entries) {
    const seed = entry.seeds.find((s) => !entry.done.includes(s));
    if (seed !== undefined) return { entry, seed };
  }
  return null;
}

function load() {
  try {
    const q = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (q && Array.isArray(q.entries) && ['idle', 'running', 'paused'].includes(q.state)) return q;
  } catch { /* a damaged queue is dropped */ }
  return { state: 'idle', entries: [], current: null, n: 0 };
}

// training: the training panel ({ recipe, startRun }); specNow(): the editor's design
export function createQueue({ trainer, app, errors, training, specNow }) {
  const q = load();
  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(q)); } catch (e) {
      errors.show('queue', `The queue could not be kept in this browser (${e.message}); `
        + 'it runs until the page is closed.');
    }
  }
  const changed = () => { save(); render(); };
  const runner = createRunner({ q, changed, trainer, app, errors, training });

  // an entry: the design typed (or the editor's), checked by the core and kept in its canonical form; the form's recipe
  $('queue-add').addEventListener('click', async () => {
    const { problem, config } = training.recipe();
    let seeds, spec;
    try { seeds = parseSeeds($('queue-seeds').value); } catch (e) {
      errors.show('queue', `Seeds: ${e.message}.`);
      return;
    }
    const full = q.entries.length >= MAX_ENTRIES ? `The queue holds at most ${MAX_ENTRIES} entries.` : '';
    const refusal = problem || full;
    if (refusal) { errors.show('queue', refusal); return; }
    try {
      spec = (await trainer.describe($('queue-design').value.trim() || specNow())).layers.map((l) => l.token).join(' ');
    } catch (e) { errors.show('queue', `The design was not added: ${e.message}`); return; }
    errors.hide('queue');
    q.n += 1;
    q.entries.push({ id: `q${q.n}`, spec, config, seeds, done: [] });
    changed();
  });
  $('queue-start').addEventListener('click', runner.start);
  $('queue-pause').addEventListener('click', runner.pause);
  $('queue-stop').addEventListener('click', runner.stop);

  function move(i, by) {
    [q.entries[i], q.entries[i + by]] = [q.entries[i + by], q.entries[i]];
    changed();
    const row = $('queue-list').children[i + by], same = row?.querySelector(`button[data-move="${by}"]`);
    (same && !same.disabled ? same : row?.querySelector(`button[data-move="${-by}"]`))?.focus();   // the focus follows
  }
  const remove = (i) => { q.entries.splice(i, 1); changed(); };
  const render = () => renderQueue(q, app.get().dataReady, runner.looping(), { move, remove });

  app.on('change', (patch, s) => {
    if ('dataReady' in patch || 'status' in patch) render();
    const settled = s.status === 'idle' || s.status === 'done';
    if ((patch.dataReady === true || (patch.status && s.dataReady)) && settled) runner.goOn();
  });
  trainer.on(MSG.STATE, () => render());
  $('queue-seeds').value = '1-3';
  render();
}

// The queue's runs, one at a time: start (or resume), pause, stop, and goOn (after a reload, or Start).
// q.current names the run going on ({ entry, seed, runId }); changed() keeps and shows the queue.
function createRunner({ q, changed, trainer, app, errors, training }) {
  let looping = false;
  const ours = () => q.current && app.get().runId === q.current.runId;

  // one run: the design's network, then the recipe with this seed from scratch; resolves with how it ended
  async function runOne({ entry, seed }) {
    await trainer.setDesign(entry.spec);
    if (q.state !== 'running') return 'held';                   // paused or stopped while the network was made
    const { runId, ended } = training.startRun({ ...entry.config, seed, init: 'scratch' });
    q.current = { entry: entry.id, seed, runId };
    changed();
    return (await ended).state;
  }

  async function loop() {
    if (looping) return;
    looping = true;
    try {
      while (q.state === 'running') {
        const job = nextJob(q.entries);
        if (!job) { q.state = 'idle'; q.current = null; break; }
        q.current = { entry: job.entry.id, seed: job.seed, runId: null };
        changed();
        let state;
        try { state = await runOne(job); } catch (e) {
          if (e?.code !== 'diverged') {                         // refused (busy) or the worker is gone: the queue waits
            q.state = 'paused';
            errors.show('queue', `The queue is paused: ${e?.message ?? e}`);
            break;
          }
          state = 'done';                                       // a diverged run is a result: the next seed
        }
        if (state === 'done') job.entry.done.push(job.seed);
        else if (q.state === 'running') q.state = 'paused';      // stopped from the training panel: the queue waits
        q.current = null;
        changed();
      }
    } finally {
      looping = false;
      changed();
    }
  }

  // the queue goes on; a run a reload interrupted starts again, its checkpoint deleted
  async function goOn() {
    if (q.state !== 'running' || looping) return;
    const interrupted = q.current?.runId;
    q.current = null;
    if (interrupted) {
      try { await clearCheckpoint(interrupted); } catch { /* none was written */ }
      if ($('banner-text').dataset.run === interrupted) $('banner').hidden = true;   // not offered: the queue reruns it
    }
    loop();
  }
  const live = (...states) => ours() && states.includes(app.get().status);
  return {
    goOn,
    looping: () => looping,
    start() {
      errors.hide('queue');
      q.state = 'running';
      changed();
      if (live('paused')) trainer.resume().catch(errors.of('queue'));
      else goOn();
    },
    pause() {
      q.state = 'paused';
      changed();
      if (live('training', 'evaluating')) trainer.pause().catch(errors.of('queue'));
    },
    stop() {
      q.state = 'idle';
      changed();
      if (live('training', 'evaluating', 'paused')) trainer.stop().catch(errors.of('queue'));
    },
  };
}

// the entries (each with move up, move down, remove; the running one cannot be removed), the state and the buttons;
// on #queue for the tests: data-state, data-run (a run of the queue has started and not ended), data-looping
function renderQueue(q, dataReady, looping, { move, remove }) {
  const busy = q.state !== 'idle' && q.current;
  $('queue-list').replaceChildren(...q.entries.map((e, i) => {
    const li = document.createElement('li'), running = busy && q.current.entry === e.id;
    Object.assign(li.dataset, { spec: e.spec, done: String(e.done.length), seeds: String(e.seeds.length),
      testid: 'queue-entry' });
    const c = e.config, images = c.subset ? `, ${c.subset} images` : '';
    const now = running ? `, seed ${q.current.seed} running` : '';
    const text = Object.assign(document.createElement('span'), { className: 'queue-what',
      textContent: `${e.spec} — ${c.preset}, ${c.epochs} epochs, batch ${c.batch}${images}; `
        + `seeds ${e.seeds.join(', ')}: ${e.done.length} of ${e.seeds.length} done${now}` });
    li.append(text, button('↑', `Move queue entry ${i + 1} up`, i > 0, () => move(i, -1), -1),
      button('↓', `Move queue entry ${i + 1} down`, i < q.entries.length - 1, () => move(i, 1), 1),
      button('✕', `Remove queue entry ${i + 1}`, !running, () => remove(i)));
    return li;
  }));
  const pending = nextJob(q.entries) !== null;
  Object.assign($('queue').dataset, { state: q.state, run: q.current?.runId ? 'yes' : 'no',
    looping: looping ? 'yes' : 'no' });
  $('queue-state').textContent = q.state === 'running' ? 'running' : q.state === 'paused' ? 'paused'
    : pending ? 'waiting for Start' : q.entries.length ? 'every seed done' : 'empty';
  $('queue-start').textContent = q.state === 'paused' ? 'Resume the queue' : 'Start the queue';
  $('queue-start').disabled = q.state === 'running' || !pending || !dataReady;
  $('queue-pause').disabled = q.state !== 'running';
  $('queue-stop').disabled = q.state === 'idle';
}

function button(text, label, enabled, on, move) {
  const b = Object.assign(document.createElement('button'),
    { type: 'button', textContent: text, disabled: !enabled, className: 'small' });
  b.setAttribute('aria-label', label);
  if (move) b.dataset.move = String(move);
  b.addEventListener('click', on);
  return b;
}
