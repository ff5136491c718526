// Teaching my digits: the fine-tune runs in the core (teach.h) in ~100 ms slices, so PREDICT is
// answered between them. Asked for during a training run it waits until the run pauses or ends.
// Before and after, the whole MNIST test set is read; the scores of my digits come from the
// core. And my digits to and from their file (my_digits.h: versioned, checked in the core).
import { MSG } from '../protocol.js';
import { TEACH_FIELDS, TEACH_PROGRESS_FIELDS, LIMITS } from '../generated/contract.js';
import { w, post, setState, errorText, crash, isTrap, yieldToEvents, reply, replyError, refusal } from './context.js';
import { scoped, readRecord, savedBytes } from './wasm-memory.js';
import { evalTestSet, accuracy } from './evaluation.js';

let queued = null, current = null;

export const teachingNow = () => current !== null;
const runTraining = () => w.looping || (w.run && (w.state === 'training' || w.state === 'evaluating'));

// STOP during a fine-tune, or the AbortSignal of request rid: the fine-tune is cancelled (the
// core puts the weights back; its request is answered 'aborted'). True if one was.
export function cancelTeach(rid) {
  if (queued && (rid === undefined || queued.rid === rid) && !current) {
    const msg = queued;
    queued = null;
    post(MSG.TEACH_PROGRESS, { phase: 'cancelled', stepsDone: 0, totalSteps: 0, loss: 0 });
    replyError(msg.rid, MSG.TEACH, refusal('aborted', 'The fine-tune was cancelled before it began: the model '
      + 'is as it was.'));
    return true;
  }
  if (current && (rid === undefined || current.rid === rid)) { current.cancelled = true; return true; }
  return false;
}

// my digits: labels (n bytes 0..9) and pixels (n x 784 bytes); throws 'invalid' otherwise
export function checkDigits(labels, pixels, { allowNone = false } = {}) {
  if (!(labels instanceof Uint8Array) || !(pixels instanceof Uint8Array))
    throw refusal('invalid', 'my digits must be a Uint8Array of labels and one of 28 x 28 pixels per digit');
  const n = labels.length;
  if (pixels.length !== n * 784) throw refusal('invalid', `${pixels.length} pixel bytes for ${n} labels; each digit is 28 x 28 = 784 bytes`);
  if (n > LIMITS.MY_DIGITS_MAX) throw refusal('invalid', `${n} digits: at most ${LIMITS.MY_DIGITS_MAX} can be kept`);
  if (n === 0 && !allowNone) throw refusal('refused', 'There are no digits to learn from yet: draw a digit and press '
    + 'the button of the digit it is.');
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw refusal('invalid', `digit ${bad + 1} has label ${labels[bad]}, not 0-9`);
}

// TEACH: checked now, run now or (a run training) once it pauses or ends; answered when it ends
export function teachRequested(msg) {
  if (!w.dataReady) throw refusal('refused', 'MNIST is not loaded yet: the fine-tune mixes MNIST training images in, '
    + 'so it waits for them.');
  checkDigits(msg.labels, msg.pixels);
  if (current || queued) throw refusal('busy', 'A fine-tune is already running or waiting.');
  queued = msg;
  if (runTraining()) {
    post(MSG.TEACH_PROGRESS, { phase: 'queued', stepsDone: 0, totalSteps: 0, loss: 0 });
    return;
  }
  startQueuedTeach();
}

// a fine-tune asked for during a run starts once the run pauses or ends (context.afterLoop)
export function startQueuedTeach() {
  if (!queued || current || !w.M || runTraining()) return;
  const msg = queued;
  queued = null;
  if (w.jobs.size) { replyError(msg.rid, MSG.TEACH, refusal('busy', 'Another job began while the fine-tune '
    + 'waited: ask again.')); return; }
  teach(msg).then((taught) => reply(msg, taught), (e) => {
    if (isTrap(e) || w.state === 'crashed') crash(e);
    else if (msg.rid !== undefined) replyError(msg.rid, MSG.TEACH, e.code ? e : refusal('failed', `The fine-tune stopped: ${e.message}`));
    else post(MSG.ERROR, { where: 'teach', code: 'failed', message: `The fine-tune stopped: ${e.message}` });
  });
}

const teachProgress = () => readRecord(TEACH_PROGRESS_FIELDS, (p) => w.M._api_teach_progress(p)).fields;

// my digits and the settings into the core
function setUp(msg) {
  const M = w.M, n = msg.labels.length;
  const rc = scoped((mem) => M._api_teach_digits(mem.copyIn(msg.labels), mem.copyIn(msg.pixels), n));
  if (rc !== 0) throw new Error(errorText());
  M._api_teach_config_reset();
  for (const f of TEACH_FIELDS)
    if (msg.settings?.[f.js] !== undefined && M._api_teach_set(f.id, Number(msg.settings[f.js])) !== 0) throw new Error(errorText());
}

// the check run and the run on all my digits, in slices; the last progress, or null if given up
async function tune(wanted) {
  if (w.M._api_teach_begin() !== 0) throw new Error(errorText());
  let p = teachProgress();
  while (!p.done) {
    const slice0 = performance.now();
    while (!p.done && performance.now() - slice0 < 100) {
      if (w.M._api_teach_steps(2) < 0) throw new Error(errorText());
      p = teachProgress();
    }
    post(MSG.TEACH_PROGRESS, { phase: p.checking ? 'checking' : 'tuning', stepsDone: p.stepsDone, totalSteps: p.totalSteps, loss: p.loss });
    await yieldToEvents();
    if (!wanted()) return null;
  }
  if (p.diverged) throw new Error('the loss became NaN or infinite (the learning rate is too high for these digits); '
    + 'the model is unchanged');
  return p;
}

// The fine-tune; its result (TAUGHT's fields), or throws: 'aborted' when cancelled (the weights
// put back, whatever phase it was in), else the reason. The tuned weights are kept only once the
// MNIST test set has been read with them, so a Stop in any phase leaves the model as it was.
async function teach(msg) {
  const before = w.state, n = msg.labels.length;
  const job = current = { cancelled: false, rid: msg.rid }, wanted = () => w.M && !job.cancelled;
  const cancelled = () => refusal('aborted', 'The fine-tune was cancelled: the model is as it was.');
  setState('teaching');
  const t0 = performance.now();
  try {
    setUp(msg);
    post(MSG.TEACH_PROGRESS, { phase: 'before', stepsDone: 0, totalSteps: 0, loss: 0 });
    const mnistBefore = await evalTestSet(wanted);
    if (!mnistBefore) throw cancelled();
    const p = await tune(wanted);
    if (!p) throw cancelled();
    post(MSG.TEACH_PROGRESS, { phase: 'after', stepsDone: p.stepsDone, totalSteps: p.totalSteps, loss: p.loss });
    const mnistAfter = await evalTestSet(wanted);       // the session's weights are the tuned ones
    if (!mnistAfter) throw cancelled();
    w.M._api_teach_end(1);                    // keep the fine-tuned weights
    w.modelSource = 'taught';
    const taught = { digits: n, heldCount: p.heldCount, heldBefore: p.heldBefore, heldAfter: p.heldAfter,
      allCount: p.allCount, allBefore: p.allBefore, allAfter: p.allAfter, mnistBefore: accuracy(mnistBefore),
      mnistAfter: accuracy(mnistAfter), steps: p.totalSteps, seconds: (performance.now() - t0) / 1000 };
    post(MSG.TAUGHT, taught);
    post(MSG.LOADED, { source: 'taught' });
    return taught;
  } finally {
    // unless kept above: cancelled, diverged or failed -> the weights it started from
    if (w.M) w.M._api_teach_end(0);
    if (current === job) current = null;
    if (job.cancelled && w.M) post(MSG.TEACH_PROGRESS, { phase: 'cancelled', stepsDone: 0, totalSteps: 0, loss: 0 });
    if (w.state === 'teaching') setState(before === 'paused' && w.run ? 'paused' : before === 'done' ? 'done' : 'idle');
  }
}

// DIGITS_WRITE -> DIGITS_FILE (the lengths checked before anything crosses)
export function digitsWrite(msg) {
  checkDigits(msg.labels, msg.pixels, { allowNone: true });
  const size = scoped((mem) => w.M._api_digits_write(mem.copyIn(msg.labels), mem.copyIn(msg.pixels), msg.labels.length));
  if (!size) throw refusal('failed', `Could not write the file: ${errorText()}`);
  const bytes = savedBytes(size);
  post(MSG.DIGITS_FILE, { bytes, rid: msg.rid }, [bytes.buffer]);
}

// DIGITS_READ -> DIGITS, or ERROR with the core's reason (my digits unchanged)
export function digitsRead(msg) {
  if (!(msg.bytes instanceof ArrayBuffer)) throw refusal('invalid', 'a my-digits file must be given as bytes');
  const bytes = new Uint8Array(msg.bytes), M = w.M;
  const where = `${msg.name || 'The file'} was not imported`;
  const maxBytes = 24 + LIMITS.MY_DIGITS_MAX * 785 + 4;
  if (bytes.length > maxBytes) throw refusal('refused', `${where}: it is larger than any my-digits file (${LIMITS.MY_DIGITS_MAX} digits at most). My digits are unchanged.`);
  const out = scoped((mem) => {
    const buf = mem.copyIn(bytes), n = M._api_digits_read(buf, bytes.length, 0, 0);
    if (n < 0) throw refusal('refused', `${where}: ${errorText()}. My digits are unchanged.`);
    const labels = mem.alloc(n + 1), pixels = mem.alloc(n * 784 + 1);
    M._api_digits_read(buf, bytes.length, labels, pixels);
    return { labels: mem.u8(labels, n).slice(), pixels: mem.u8(pixels, n * 784).slice(), name: msg.name };
  });
  post(MSG.DIGITS, { ...out, rid: msg.rid }, [out.labels.buffer, out.pixels.buffer]);
}
