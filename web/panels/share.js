// Links to share: the design link (design, recipe, seed and the build that computes here: opened, it fills the
// design, the training form and the seed, so Train repeats the run to the bit in the same build) and the result
// link (the trained weights in the fragment, checked and evaluated by the receiver's own tab: the accuracy it
// shows is always the receiver's, never the sender's). The codec is web/share-codec.js; the editor says which
// design it shows through the app's 'design-draft' event. Owns #share-link, #link-note, the Share result
// controls and #verified.
import { MSG } from '../protocol.js';
import { LIMITS, PRESETS, CONFIG_FIELDS, RUN_FIELDS } from '../generated/contract.js';
import { checkRecipe } from '../trainer.js';
import { $, tid } from '../ui.js';
import { designQuery, readDesignQuery, encodeResult, decodeResult, buildName, BUILD_TITLES, RESULT_KEY }
  from '../share-codec.js';

// the form's fields a link carries: every one but threads (1 and 2 threads compute the same bits; the receiver's
// cores are its own)
const LINK_FIELDS = [...CONFIG_FIELDS, ...RUN_FIELDS]
  .filter((f) => f.js !== 'threads' && document.querySelector(`#train-form [data-field="${f.js}"]`));

export function createShare({ trainer, app, errors, params, training }) {
  const designLink = createDesignLink({ app, errors, params, training });
  createResultSharing({ trainer, app, errors });
  receiveResults({ trainer, app, errors });
  return designLink;
}

function createDesignLink({ app, errors, params, training }) {
  let spec = null;
  const link = $('share-link'), note = $('link-note');
  function update() {
    if (!spec) return;
    const { preset, values, base } = training.linkRecipe();
    const build = buildName(app.get().caps);
    const query = designQuery({ spec, preset, recipe: values, base, fields: LINK_FIELDS, build });
    link.href = `${location.pathname}?${query}`;
  }
  app.on('design-draft', (draft) => { spec = draft; update(); });
  $('train-form').addEventListener('input', update);
  $('train-form').addEventListener('change', update);

  // a link opened: its recipe and seed into the form (the design came with the worker's start: ?arch=)
  let linked = null;
  try {
    linked = readDesignQuery(params, { presets: PRESETS.map((p) => p.name), fields: LINK_FIELDS });
    if (linked) {
      checkRecipe(linked.values);
      training.useRecipe(linked.preset, linked.values);
      say(null);
    }
  } catch (e) {
    linked = null;
    errors.show('link', `The recipe in the link was not used: ${e.message}. The form keeps this app's defaults.`);
  }
  // what the link filled in, and whether this tab's build can repeat its run to the bit
  function say(here) {
    const seed = linked.values.seed ?? "the recipe's";
    let text = `The link's recipe (${linked.preset}) and seed ${seed} are in the form: Train repeats its run.`;
    const differs = Boolean(here && linked.build && linked.build !== here);
    if (differs) {
      text += ` Its run was computed by the ${BUILD_TITLES[linked.build]} build; this tab runs the `
        + `${BUILD_TITLES[here]} build, which may round differently: expect close losses, not necessarily `
        + 'the same bits.';
    }
    note.hidden = false;
    note.textContent = text;
    note.dataset.buildDiffers = differs ? 'yes' : 'no';
  }
  app.on('change', (patch, { caps }) => {
    if (!patch.caps || !caps) return;
    const here = buildName(caps);
    tid('build-in-use').textContent = BUILD_TITLES[here];
    tid('build-in-use').dataset.build = here;
    update();
    if (linked) say(here);
  });
  return { update };
}

// Share result: the weights in use (no training state) as a link and as a file
function createResultSharing({ trainer, app, errors }) {
  const make = $('make-result'), box = $('result-share'), link = $('share-result'), file = $('share-result-file');
  make.addEventListener('click', async () => {
    make.disabled = true;
    try {
      const bytes = await trainer.save({ training: false });
      const text = await encodeResult(bytes);
      link.href = `${location.pathname}#${RESULT_KEY}=${text}`;
      if (file.href.startsWith('blob:')) URL.revokeObjectURL(file.href);
      file.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      $('share-result-size').textContent = `${Math.round(link.href.length / 1000)} k characters; the model file: `
        + `${(bytes.length / 1000).toFixed(1)} kB`;
      box.hidden = false;
      errors.hide('result');
    } catch (e) {
      errors.show('result', `No result link: ${e.message}`);
    } finally {
      makeable();
    }
  });
  // the link is of the weights it was made from: new weights take it down
  trainer.on(MSG.LOADED, () => { box.hidden = true; });
  trainer.on(MSG.PROGRESS, () => { box.hidden = true; });
  // a result is of finished weights: not while a run, an evaluation or a fine-tune changes or reads them
  function makeable() {
    const { caps, status } = app.get();
    make.disabled = !caps || ['training', 'evaluating', 'teaching', 'paused', 'loading'].includes(status);
  }
  app.on('change', (patch) => { if ('caps' in patch || 'status' in patch) makeable(); });
}

// A result link opened (#result=…, at start or later in this tab): its model file through the same gate as Load
// model (the core checks every byte), then evaluated here on the 10,000 test images once MNIST is in
function receiveResults({ trainer, app, errors }) {
  const shown = $('verified'), out = tid('verified-accuracy');
  let pending = null;
  const say = (state, text) => { shown.hidden = false; out.dataset.state = state; out.textContent = text; };
  async function receive(text) {
    say('checking', 'checking the weights in the link…');
    delete out.dataset.acc;
    let bytes;
    try {
      bytes = await decodeResult(text, LIMITS.MODEL_MAX_BYTES);
      await whenReady(app);
      await trainer.load(bytes, 'the result link');
    } catch (e) {                      // the core's refusal names the link already; the codec's says what is wrong
      const why = e.message.startsWith('the result link') ? e.message.replace(/^t/, 'T')
        : `The result link was not loaded: ${e.message}. The current model is unchanged.`;
      errors.show('result', why);
      say('refused', 'refused: nothing was evaluated');
      return;
    }
    say('evaluating', 'evaluating the weights on the 10,000 test images in this tab…');
    try {
      const r = await trainer.evaluate();
      out.dataset.acc = String(r.testAcc);
      out.dataset.count = String(r.count);
      say('done', `${r.testAcc.toFixed(2)} % of ${r.count.toLocaleString('en-US')} test images, evaluated in this tab`);
    } catch (e) {
      errors.show('result', `The weights from the link could not be evaluated here: ${e.message}`);
      say('failed', 'not evaluated');
    }
  }
  function fromHash() {
    const prefix = `#${RESULT_KEY}=`;
    if (!location.hash.startsWith(prefix) || pending === location.hash) return;
    pending = location.hash;
    shown.scrollIntoView?.({ block: 'center' });
    receive(location.hash.slice(prefix.length));
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
}

// resolves once the worker has started and MNIST is in, with no job going on (the result's load and evaluation
// need both)
function whenReady(app) {
  const ready = ({ caps, dataReady, status }) => caps && dataReady && (status === 'idle' || status === 'done');
  if (ready(app.get())) return Promise.resolve();
  return new Promise((resolve) => {
    let done = false;
    app.on('change', (patch, state) => { if (!done && ready(state)) { done = true; resolve(); } });
  });
}
