// The resume offer: after a reload (or a discarded tab) the interrupted runs checkpointed in
// IndexedDB are offered in the banner once MNIST is loaded: the run this tab was training
// first (its id is kept in sessionStorage, which a reload keeps and another tab does not
// share), the others in a list. Owns #banner.
import { MSG } from '../protocol.js';
import { listCheckpoints, loadCheckpoint, clearCheckpoint } from '../store.js';
import { $ } from '../ui.js';

export const TAB_RUN_KEY = 'mnist-in-a-tab-run';

function describe(meta) {
  const c = meta.config || {};
  const recipe = [c.preset && `recipe ${c.preset}`, c.epochs && `${c.epochs} epochs`, c.batch && `batch ${c.batch}`].filter(Boolean).join(', ');
  return `step ${meta.step} of ${meta.totalSteps} (epoch ${meta.epoch + 1}${recipe ? `; ${recipe}` : ''}; saved ${new Date(meta.savedAt).toLocaleString()})`;
}

// resumeFrom(meta): the training panel takes the run's recipe, history and charts back; returns its id
export function createResume({ trainer, app, errors, resumeFrom }) {
  const select = $('banner-runs');
  let offered = [];

  async function offer() {
    try { offered = (await listCheckpoints()).filter((c) => c.meta.step < c.meta.totalSteps); } catch { return; }
    if (!offered.length) return;
    const mine = offered.findIndex((c) => c.meta.runId && c.meta.runId === sessionStorage.getItem(TAB_RUN_KEY));
    if (mine > 0) offered.unshift(...offered.splice(mine, 1));
    select.textContent = '';
    offered.forEach((c, i) => select.appendChild(Object.assign(document.createElement('option'), { value: String(i), textContent: describe(c.meta) })));
    $('banner-others').hidden = offered.length < 2;
    show(0);
    $('banner-resume').hidden = false;
    $('banner').hidden = false;
  }
  function show(i) {
    select.value = String(i);
    $('banner-text').textContent = `A training run was interrupted at ${describe(offered[i].meta)}. Resume it?`;
    $('banner-text').dataset.run = offered[i].meta.runId || '';
  }
  select.addEventListener('change', () => show(Number(select.value)));

  $('banner-resume').addEventListener('click', async () => {
    // a run of this page going on (or paused, or a fine-tune) is not replaced half-way
    const s = app.get().status;
    if (['training', 'evaluating', 'paused', 'teaching'].includes(s)) {
      errors.show('train', `A ${s === 'teaching' ? 'fine-tune' : 'training run'} is going on here: stop it first, `
        + `then resume the interrupted run.`);
      return;
    }
    const chosen = offered[Number(select.value) || 0];
    const cp = chosen && await loadCheckpoint(chosen.key).catch(() => null);
    if (!cp) { errors.show('train', 'That checkpoint is no longer in this browser\'s storage.'); return; }
    $('banner').hidden = true;
    const runId = resumeFrom(cp.meta);
    trainer.resumeCheckpoint(cp.bytes, cp.meta, runId).catch(errors.of('train'));
  });
  app.on('change', (patch) => { if (patch.dataReady === true) offer(); });
  $('banner-dismiss').addEventListener('click', async () => {
    $('banner').hidden = true;
    const chosen = offered[Number(select.value) || 0];
    if (chosen) try { await clearCheckpoint(chosen.key); } catch { /* nothing to clear */ }
  });
}
