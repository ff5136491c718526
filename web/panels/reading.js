// The draw pad and what the network reads: the newest drawing is read through the worker (one
// request in flight, the newest queued), the model's 28x28 input and the ten probabilities
// shown. data-settled on the reading is "yes" when the shown prediction is of the newest
// drawing and weights (no pad frame, request or queued request outstanding): tests wait for
// it, not a delay. Owns the draw panel's pad, buttons, reading and bars.
import { MSG } from '../protocol.js';
import { DrawPad } from '../drawpad.js';
import { $, tid, tile } from '../ui.js';

const SOURCE_TEXT = { pretrained: 'Using the pretrained model.', training: 'Using the weights being trained.',
  file: 'Using the loaded model.', random: 'Untrained network.', taught: 'Using the model taught your digits.' };

// Screen readers hear the reading once it has settled and stayed so for a moment (not every
// frame of a stroke), and only when it changed: a polite live region. say(text) sets what would be
// announced; settled(yes) starts or stops the wait.
function createAnnouncer() {
  let timer = 0, announced = '', reading = '';
  return {
    say(text) { reading = text; },
    settled(yes) {
      clearTimeout(timer);
      if (!yes) return;
      timer = setTimeout(() => {
        if (reading === announced) return;
        announced = reading;
        tid('prediction-announce').textContent = reading;
      }, 800);
    },
  };
}

// the ten probability bars, one list item per digit
function createBars(bars) {
  for (let d = 0; d < 10; d++) {
    const li = document.createElement('li');
    li.innerHTML = '<span class="digit"></span><span class="bar"><span class="fill"></span></span>'
      + '<span class="pct"></span>';
    li.querySelector('.digit').textContent = String(d);
    li.dataset.digit = String(d);
    bars.appendChild(li);
  }
}

// a PREDICTION reply on the page: the model's input, the digit read and the bars; returns the
// sentence a screen reader is told
function showPrediction(m, bars) {
  $('model-source').textContent = SOURCE_TEXT[m.source] || '';
  tile($('model-input'), 28, 28, m.img28, 0, 0, 1);
  let best = 0;
  for (let d = 1; d < 10; d++) if (m.probs[d] > m.probs[best]) best = d;
  tid('prediction').textContent = m.ink ? String(best) : '–';
  bars.querySelectorAll('li').forEach((li, d) => {
    const p = m.ink ? m.probs[d] : 0;
    li.querySelector('.fill').style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector('.pct').textContent = `${(100 * p).toFixed(1)} %`;
    li.classList.toggle('best', m.ink && d === best);
    li.dataset.p = String(p);
  });
  return m.ink ? `The network reads ${best}, ${(100 * m.probs[best]).toFixed(0)} % sure.` : 'The pad is empty.';
}

// What the pad holds now, read through the worker: { img28, ink, read } (teaching keeps img28),
// or null for an empty pad or no worker; a worker starting again (after Restart) is waited for.
async function readPadNow({ pad, app, canAsk, readInk }) {
  const later = () => new Promise((resolve) => setTimeout(resolve, 500));
  for (let tries = 0; ; tries++) {
    if (!canAsk()) {                 // no worker yet (starting again) or none any more (crashed)
      if (app.get().status === 'crashed' || tries >= 120) return null;
      await later();
      continue;
    }
    const { ink, w, h, empty } = pad.ink();
    if (empty) return null;
    try {
      const m = await readInk(ink, w, h);
      return { img28: m.img28, ink: !m.blank, read: m.digit ?? 0 };
    } catch (e) {
      if (!['busy', 'terminated'].includes(e.code) || tries >= 120) throw e;
      await later();
    }
  }
}

// wantsInside(): whether the inside view is open (then each reading brings it along)
export function createReading({ trainer, app, wantsInside }) {
  let lastInk = null, lastImg28 = null, pending = false, queued = false;
  const pad = new DrawPad($('draw-canvas'), (ink) => { lastInk = ink; requestPrediction(); markSettled(); },
    () => markSettled());
  const announcer = createAnnouncer();
  const markSettled = () => {
    const settled = !(pad.pending || pending || queued);
    tid('prediction').dataset.settled = settled ? 'yes' : 'no';
    announcer.settled(settled);
  };
  $('clear').addEventListener('click', () => pad.clear());
  $('undo').addEventListener('click', () => pad.undo());
  const bars = $('probabilities');
  createBars(bars);

  const canAsk = () => app.get().caps && app.get().status !== 'crashed';
  function requestPrediction() {
    if (!lastInk || !canAsk()) return;                       // no worker to ask (yet, or any more)
    if (pending) { queued = true; markSettled(); return; }   // one in flight, the newest next
    pending = true;
    markSettled();
    const ink = lastInk.ink.slice();
    trainer.postDrawing(ink, lastInk.w, lastInk.h, { inspect: wantsInside() });
  }
  const readAgainIfDrawn = () => { if (lastInk && !lastInk.empty) requestPrediction(); };

  trainer.on(MSG.PREDICTION, (m) => {
    lastImg28 = m.img28;
    pending = false;
    announcer.say(showPrediction(m, bars));
    if (queued) { queued = false; requestPrediction(); }
    markSettled();
  });
  // new weights: read the drawing again
  trainer.on(MSG.LOADED, (m) => {
    $('model-source').textContent = m.source === 'pretrained' || m.source === 'random' ? SOURCE_TEXT[m.source] : '';
    requestPrediction();
  });
  trainer.on(MSG.EPOCH, readAgainIfDrawn);
  app.on('run-started', () => { $('model-source').textContent = SOURCE_TEXT.training; });
  app.on('change', (patch) => { if (patch.status === 'crashed') { pending = queued = false; markSettled(); } });

  // a given ink image classified through the same worker path as the pad (tests, scripts, teaching)
  const readInk = (ink, w, h) => trainer.predictDrawing(ink, w, h);

  return {
    readAgainIfDrawn,
    drawnImage: () => lastImg28,
    clearPad: () => pad.clear(),
    changed: () => pad.changed(),
    classifyInk: async (ink, w, h) => Array.from((await readInk(ink, w, h)).probs),
    // the drawing as the network reads it (readPadNow)
    currentDrawing: () => readPadNow({ pad, app, canAsk, readInk }),
  };
}
