// The resume offer: after a reload (or a discarded tab) the run checkpointed in IndexedDB is
// offered in the banner once MNIST is loaded. Owns #banner.
import { MSG } from '../protocol.js';
import { loadCheckpoint, clearCheckpoint } from '../store.js';
import { $ } from '../ui.js';

// resumeFrom(meta): the training panel takes the run's recipe, history and charts back
export function createResume({ client, app, errors, resumeFrom }) {
  async function offer() {
    let cp;
    try { cp = await loadCheckpoint(); } catch { return; }
    if (!cp || !cp.meta || cp.meta.step >= cp.meta.totalSteps) return;
    const { meta } = cp;
    $('banner-text').textContent = `A training run was interrupted at step ${meta.step} of ${meta.totalSteps} (epoch ${meta.epoch + 1}, saved ${new Date(meta.savedAt).toLocaleString()}). Resume it?`;
    $('banner-resume').hidden = false;
    $('banner').hidden = false;
    $('banner-resume').onclick = () => {
      // a run of this page going on (or paused, or a fine-tune) is not replaced half-way
      const s = app.get().status;
      if (['training', 'evaluating', 'paused', 'teaching'].includes(s)) {
        errors.show('train', `A ${s === 'teaching' ? 'fine-tune' : 'training run'} is going on here: stop it first, then resume the interrupted run.`);
        return;
      }
      $('banner').hidden = true;
      const runId = resumeFrom(meta);
      client.send(MSG.RESUME_CHECKPOINT, { bytes: cp.bytes, meta, runId }, [cp.bytes]);
    };
  }
  app.on('change', (patch) => { if (patch.dataReady === true) offer(); });
  $('banner-dismiss').addEventListener('click', async () => { $('banner').hidden = true; try { await clearCheckpoint(); } catch { /* nothing to clear */ } });
}
