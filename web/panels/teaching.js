// "Teach it your handwriting": the page side. The digit buttons (and keys 0-9) store the
// current drawing's 28x28 input with its label in "my digits" (IndexedDB, store.js); the
// gallery shows them with a delete button each; Fine-tune sends them to the worker, which
// fine-tunes the current model in the C core (teach.h) and reports the scores before and
// after; my digits go to and come from a versioned file that the core writes and checks.
// Owns the "Teach it your handwriting" panel and the digit buttons under the reading.
import { MSG } from '../protocol.js';
import { LIMITS } from '../generated/contract.js';
import { addMyDigit, addMyDigits, listMyDigits, deleteMyDigit, clearMyDigits, storageProblem } from '../store.js';
import { $, tid, tile, download } from '../ui.js';

const PHASE_TEXT = {
  queued: () => 'waits until training pauses or ends (Pause starts it now)',
  before: () => 'reading the MNIST test set with the model as it is',
  checking: (m) => `check run, every third digit of each kind left out: step ${m.stepsDone} of ${m.totalSteps}`,
  tuning: (m) => `learning your digits: step ${m.stepsDone} of ${m.totalSteps}`,
  after: () => 'reading the MNIST test set with the fine-tuned model',
  cancelled: () => 'cancelled: the model is as it was',
};

// the digits kept, in the order taught, as the worker takes them
function packed(list) {
  const labels = Uint8Array.from(list, (d) => d.label), pixels = new Uint8Array(784 * list.length);
  list.forEach((d, i) => pixels.set(d.pixels, 784 * i));
  return { labels, pixels };
}

// drawing(): Promise of the current drawing's { img28, ink, read } (or null); afterTeach(): clears the pad
export function createTeaching({ trainer, app, errors, drawing, afterTeach }) {
  // [{ key, label, pixels }] in the order taught; a fine-tune running; digits kept in memory only
  const my = { digits: [], running: false, visitOnly: 0 };
  const note = $('teach-note'), status = tid('finetune-status');
  const render = createGallery(my);
  addDigitButtons((label) => keep(label));

  async function keep(label) {
    if (my.digits.length >= LIMITS.MY_DIGITS_MAX) { errors.show('digits', `My digits hold at most ${LIMITS.MY_DIGITS_MAX}: delete some first.`); return; }
    const d = await drawing();
    if (!d || !d.ink) { note.textContent = 'Draw a digit first, then press the digit it is.'; return; }
    const pixels = Uint8Array.from(d.img28, (v) => Math.round(255 * Math.min(1, Math.max(0, v))));
    try {
      const key = await addMyDigit(label, pixels);
      my.digits.push({ key, label, pixels });
    } catch (e) {
      // without storage the digit still counts for this visit: teaching goes on, and says what it means
      my.digits.push({ key: `visit-${++my.visitOnly}`, label, pixels });
      errors.show('digits', `My digits are kept for this visit only: ${storageProblem(e)}. A reload loses them; Export my digits keeps them in a file.`);
    }
    note.textContent = `Kept as a ${label}${d.read !== label ? ` (it was read as ${d.read})` : ''}. Draw the next one.`;
    render();
    afterTeach();
  }

  $('my-digits-gallery').addEventListener('click', async (e) => {
    const del = e.target.closest('button.delete');
    if (!del || my.running) return;
    const digit = my.digits.find((d) => String(d.key) === del.parentElement.dataset.key);
    if (!digit) return;
    if (typeof digit.key === 'number')
      try { await deleteMyDigit(digit.key); } catch (err) { errors.show('digits', `Could not delete: ${storageProblem(err)}`); return; }
    my.digits = my.digits.filter((d) => d !== digit);
    render();
  });

  $('finetune').addEventListener('click', () => {
    if (!my.digits.length) return;
    errors.hide('teach');
    my.running = true;
    render();
    status.textContent = 'starting';
    const { labels, pixels } = packed(my.digits);
    trainer.teach(labels, pixels).catch((e) => {       // a Stop ('aborted') is said by the 'cancelled' phase
      if (e.code === 'aborted') return;
      if (my.running) { my.running = false; status.textContent = 'failed'; render(); }
      errors.of('teach')(e);
    });
  });
  trainer.on(MSG.TEACH_PROGRESS, (m) => {
    const bar = $('finetune-progress');
    status.textContent = PHASE_TEXT[m.phase]?.(m) || m.phase;
    bar.max = m.totalSteps || 1;
    bar.value = m.stepsDone;
    if (m.phase === 'cancelled') { my.running = false; render(); }
  });
  trainer.on(MSG.TAUGHT, (m) => {
    my.running = false;
    status.textContent = 'done';
    showTaught(m);
    note.textContent = 'Fine-tuned: draw a new digit in your style to see what it reads now.';
    render();
  });
  // a crashed worker takes its fine-tune with it: the panel is usable again after Restart
  app.on('change', (patch) => { if (patch.status === 'crashed' && my.running) { my.running = false; status.textContent = 'failed'; render(); } });

  createDigitFiles({ trainer, errors, my, note, render });
  listMyDigits().then((list) => { my.digits = list; render(); }).catch(() => render());
  return { get count() { return my.digits.length; } };
}

function addDigitButtons(keep) {
  const buttons = $('teach-buttons');
  for (let d = 0; d < 10; d++) {
    const b = document.createElement('button');
    b.textContent = String(d);
    b.dataset.testid = `teach-${d}`;
    b.title = `Keep this drawing as a ${d} in my digits (key ${d})`;
    b.addEventListener('click', () => keep(d));
    buttons.appendChild(b);
  }
  // keys 0-9 anywhere but in a text field
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !/^[0-9]$/.test(e.key)) return;
    if (e.target.closest?.('input, select, textarea, [contenteditable="true"]')) return;
    e.preventDefault();
    keep(Number(e.key));
  });
}

// the gallery of my digits and the panel's buttons, drawn from my.digits: returns render()
function createGallery(my) {
  const gallery = $('my-digits-gallery');
  let job = 0;
  return function render() {
    const { digits, running } = my;
    tid('my-digits-count').textContent = String(digits.length);
    const per = Array(10).fill(0);
    for (const d of digits) per[d.label]++;
    $('my-digits-per-class').textContent = digits.length ? `(${per.map((c, d) => `${c}×${d}`).filter((_, d) => per[d]).join(', ')})` : '';
    $('finetune').disabled = running || digits.length === 0;
    $('export-my-digits').disabled = digits.length === 0;
    $('clear-my-digits').disabled = running || digits.length === 0;
    while (gallery.children.length > digits.length) gallery.lastChild.remove();
    const mine = ++job;
    let i = 0;
    const step = () => {                              // a few per frame: the page stays smooth
      if (mine !== job) return;
      for (const end = Math.min(i + 24, digits.length); i < end; i++) {
        const item = digits[i];
        let fig = gallery.children[i];
        if (!fig) {
          fig = document.createElement('figure');
          const cv = document.createElement('canvas'), cap = document.createElement('figcaption'), del = document.createElement('button');
          del.className = 'delete';
          del.textContent = '×';
          fig.append(cv, cap, del);
          gallery.appendChild(fig);
        }
        if (fig.dataset.key === String(item.key)) continue;
        fig.dataset.key = String(item.key);
        fig.dataset.label = String(item.label);
        tile(fig.firstChild, 28, 28, item.pixels, 0, 0, 255);
        fig.children[1].textContent = String(item.label);
        fig.lastChild.title = `Delete this ${item.label}`;
        fig.lastChild.setAttribute('aria-label', `Delete this ${item.label}`);
      }
      if (i < digits.length) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
}

function showTaught(m) {
  $('finetune-progress').value = $('finetune-progress').max;
  const acc = tid('my-digits-accuracy');
  const held = m.heldCount
    ? `held out of a check run: ${m.heldBefore} of ${m.heldCount} read right before, ${m.heldAfter} of ${m.heldCount} after; `
    : 'too few digits of a kind to hold some out (3 of a kind give an honest estimate); ';
  acc.textContent = `${held}all ${m.allCount} taught: ${m.allBefore} before, ${m.allAfter} after`;
  Object.assign(acc.dataset, { heldCount: m.heldCount, heldBefore: m.heldBefore, heldAfter: m.heldAfter,
    allCount: m.allCount, allBefore: m.allBefore, allAfter: m.allAfter });
  const mnist = tid('finetune-mnist-accuracy');
  mnist.textContent = `${m.mnistAfter.toFixed(2)} %`;
  mnist.dataset.value = m.mnistAfter.toFixed(2);
  $('finetune-mnist-before').textContent = `(${m.mnistBefore.toFixed(2)} % before)`;
  $('finetune-time').textContent = `${m.steps} steps in ${m.seconds.toFixed(1)} s, MNIST read before and after included.`;
}

// my digits to and from their file (written and checked by the core), and Clear
function createDigitFiles({ trainer, errors, my, note, render }) {
  $('export-my-digits').addEventListener('click', async () => {
    const { labels, pixels } = packed(my.digits);
    const m = await trainer.writeDigits(labels, pixels).then((bytes) => ({ bytes }), (e) => errors.show('digits', e.message));
    if (m) download(new Blob([m.bytes], { type: 'application/octet-stream' }), 'my-digits.mydigits');
  });
  $('import-my-digits').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    const bytes = await file.arrayBuffer();
    const m = await trainer.readDigits(bytes, file.name).catch((err) => errors.show('digits', err.message));
    if (m) imported(m);
  });
  async function imported(m) {
    const n = m.labels.length;
    if (my.digits.length + n > LIMITS.MY_DIGITS_MAX) {
      errors.show('digits', `${m.name} holds ${n} digits; with the ${my.digits.length} kept that is more than ${LIMITS.MY_DIGITS_MAX}. My digits are unchanged.`);
      return;
    }
    const items = Array.from(m.labels, (label, i) => ({ label, pixels: m.pixels.slice(784 * i, 784 * (i + 1)) }));
    try { await addMyDigits(items); } catch (err) { errors.show('digits', `Could not keep the imported digits: ${storageProblem(err)}. My digits are unchanged.`); return; }
    errors.hide('digits');
    my.digits = await listMyDigits();
    note.textContent = `Imported ${n} digit${n === 1 ? '' : 's'} from ${m.name}.`;
    render();
  }
  $('clear-my-digits').addEventListener('click', async () => {
    try { await clearMyDigits(); } catch (err) { errors.show('digits', `Could not clear: ${storageProblem(err)}`); return; }
    my.digits = [];
    note.textContent = 'My digits are cleared (the model keeps what it learnt; Load pretrained undoes that).';
    render();
  });
}
