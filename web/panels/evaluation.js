// Evaluation after every epoch: per-class accuracy, the confusion matrix and the gallery of
// misread test digits (a digit clicked opens the inside view of it). Owns #per-class,
// #confusion, #gallery and #eval-empty.
import { MSG } from '../protocol.js';
import { $, tile } from '../ui.js';

export function createEvaluation({ trainer, app, inspectDigit }) {
  const perClassTable = $('per-class'), confusionTable = $('confusion'), gallery = $('gallery');
  const clear = () => {
    perClassTable.textContent = ''; confusionTable.textContent = ''; gallery.textContent = '';
    $('eval-empty').hidden = false;
  };
  app.on('run-started', clear);
  app.on('reset', clear);
  const renderGallery = createGalleryRenderer(gallery);

  trainer.on(MSG.EPOCH, (m) => {
    $('eval-empty').hidden = true;               // the text that says what will be here, until it is
    // the tables and the gallery are built over the next frames, a piece per frame
    requestAnimationFrame(() => {
      renderPerClass(perClassTable, m.perClass);
      requestAnimationFrame(() => { renderConfusion(confusionTable, m.confusion); renderGallery(m.gallery); });
    });
  });

  // a misread test digit, clicked: read and looked inside
  gallery.addEventListener('click', (e) => {
    const fig = e.target.closest('figure');
    if (fig && fig.pixels) inspectDigit(fig.pixels);
  });
}

const headerCell = (text) => Object.assign(document.createElement('th'), { textContent: text });

function renderPerClass(pc, perClass) {
  if (!pc.rows.length) {
    const head = pc.insertRow();
    for (const t of ['digit', 'accuracy']) head.appendChild(headerCell(t));
    for (let d = 0; d < 10; d++) { const r = pc.insertRow(); r.insertCell().textContent = String(d); r.insertCell(); }
  }
  perClass.forEach((a, d) => { pc.rows[d + 1].cells[1].textContent = `${a.toFixed(2)} %`; });
}

// rows: the true digit; columns: the digit read
function renderConfusion(cm, confusion) {
  if (!cm.rows.length) {
    const top = cm.insertRow();
    top.appendChild(Object.assign(document.createElement('th'), { textContent: 'true \\ read' }));
    for (let p = 0; p < 10; p++) top.appendChild(headerCell(String(p)));
    for (let t = 0; t < 10; t++) {
      const r = cm.insertRow(), th = document.createElement('th');
      th.textContent = String(t); r.appendChild(th);
      for (let p = 0; p < 10; p++) r.insertCell().className = t === p ? 'diag' : '';
    }
  }
  const maxOff = Math.max(1, ...confusion.filter((_, i) => i % 11 !== 0));
  for (let t = 0; t < 10; t++)
    for (let p = 0; p < 10; p++) {
      const c = cm.rows[t + 1].cells[p + 1], v = confusion[t * 10 + p];
      c.textContent = String(v);
      if (t !== p) c.style.background = v > 0 ? `rgba(220,60,40,${0.15 + (0.6 * v) / maxOff})` : '';
    }
}

// one misread digit of the gallery into its figure (made on first use): the image, its caption,
// and what a click or a screen reader is given
function showGalleryItem(g, i, item) {
  let fig = g.children[i];
  if (!fig) {
    fig = document.createElement('figure');
    // the digit is a button: a keyboard path to the inside view (the pad needs a pointer)
    const look = document.createElement('button'), cv = document.createElement('canvas');
    look.className = 'look';
    cv.width = 28; cv.height = 28;
    look.append(cv);
    fig.append(look, document.createElement('figcaption'));
    g.appendChild(fig);
  }
  tile(fig.firstChild.firstChild, 28, 28, item.pixels, 0, 0, 255);
  fig.lastChild.textContent = `true ${item.truth}, read ${item.pred} (${(100 * item.probs[item.pred]).toFixed(0)} %)`;
  fig.pixels = item.pixels;                      // clicked: the inside view of this digit
  fig.title = `test image ${item.index}: p(${item.truth}) = ${(100 * item.probs[item.truth]).toFixed(1)} %`;
  fig.firstChild.setAttribute('aria-label',
    `Test image ${item.index}: a ${item.truth} read as ${item.pred}. Look inside the network at it.`);
}

// The misclassified gallery is drawn a few items per animation frame, reusing its elements:
// building 60 canvases at once held the main thread for ~100 ms on a busy 2-core machine.
function createGalleryRenderer(g) {
  let galleryJob = 0;
  return function renderGallery(items) {
    const job = ++galleryJob;
    while (g.children.length > items.length) g.lastChild.remove();
    let i = 0;
    const step = () => {
      if (job !== galleryJob) return;                    // a newer epoch took over
      for (const end = Math.min(i + 8, items.length); i < end; i++) showGalleryItem(g, i, items[i]);
      if (i < items.length) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };
}
