// What every panel of the page may use: element lookups, grey images on canvases, downloads,
// and the app's shared state with its events (the run's status, the capabilities, whether
// MNIST is loaded, the id of the run this page shows; 'run-started', 'reset', 'budget': the
// editor's parameter budget, 'design-draft': the design the editor shows, for the design link). Panels talk to each other only through this and
// the functions the app shell (main.js) hands them.
export const $ = (id) => document.getElementById(id);
export const tid = (name) => document.querySelector(`[data-testid="${name}"]`);

// a grey image on a canvas (the model's input, the galleries, the inside view's tiles):
// values[offset ..] as h rows of w, lo .. hi -> white .. black
export function tile(canvas, w, h, values, offset, lo, hi) {
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d'), img = ctx.createImageData(w, h), span = hi - lo || 1;
  for (let i = 0; i < w * h; i++) {
    const g = Math.round(255 * (1 - Math.min(1, Math.max(0, (values[offset + i] - lo) / span))));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// box holds exactly count canvases (reused)
export function tiles(box, count) {
  while (box.children.length > count) box.lastChild.remove();
  while (box.children.length < count) box.appendChild(document.createElement('canvas'));
  return [...box.children];
}

export function download(blob, name) {
  // engines without download handling
  if (__TEST_HOOKS__ && window.mnistApp) window.mnistApp.lastDownload = { blob, name };
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

export function createAppState() {
  const state = { status: 'loading', caps: null, dataReady: false, runId: null };
  const listeners = new Map();
  return {
    get: () => state,
    // changes fields and tells the 'change' listeners (state, the fields changed)
    set(patch) { Object.assign(state, patch); this.emit('change', patch); },
    on(name, fn) { if (!listeners.has(name)) listeners.set(name, new Set()); listeners.get(name).add(fn); },
    emit(name, data) { for (const fn of listeners.get(name) || []) fn(data, state); },
  };
}

// the one error line under the banner: text only (messages may quote file contents)
export function createErrors() {
  const el = $('error');
  return {
    show(where, message) { el.textContent = message; el.dataset.where = where; el.hidden = false; },
    hide(where) { if (el.dataset.where === where) el.hidden = true; },
    // a catch handler for a trainer call: its refusal on the line (a crash is said by the start-up
    // panel, a terminated worker is the page's own doing, an abort the person's)
    of(where) { return (e) => { if (!['crashed', 'terminated', 'aborted'].includes(e?.code)) this.show(where, e?.message ?? String(e)); }; },
    element: el,
  };
}
