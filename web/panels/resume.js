// The resume offer: after a reload (or a discarded tab) the run checkpointed in IndexedDB is
// offered in the banner once MNIST is loaded. Owns #banner.
import { MSG } from '../protocol.js';
import { loadCheckpoint, clearCheckpoint } from '../store.js';
import { $ } from '../ui.js';

// resumeFrom(meta): the training panel takes the run's recipe, history and charts back
export function createResume({ client, app, resumeFrom }) {
  async function offer() {
    let cp;
    try { cp = await loadCheckpoint(); } catch { return; }
    if (!cp || !cp.meta || cp.meta.step >= cp.meta.totalSteps) return;
    const { meta } = cp;
    $('banner-text').textContent = `A training run was interrupted at step ${meta.step} of ${meta.totalSteps} (epoch ${meta.epoch + 1}, saved ${new Date(meta.savedAt).toLocaleString()}). Resume it?`;
    $('banner-resume').hidden = false;
    $('banner').hidden = false;
    $('banner-resume').onclick = () => {
      $('banner').hidden = true;
      resumeFrom(meta);
      client.send(MSG.RESUME_CHECKPOINT, { bytes: cp.bytes, meta }, [cp.bytes]);
    };
  }
  app.on('change', (patch) => { if (patch.dataReady === true) offer(); });
  $('banner-dismiss').addEventListener('click', async () => { $('banner').hidden = true; try { await clearCheckpoint(); } catch { /* nothing to clear */ } });
}
