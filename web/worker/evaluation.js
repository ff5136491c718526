// The MNIST test set through the core (trainer_eval_range, as the CLI does) in slices, so
// PREDICT is answered between them; the counts, the confusion matrix and the misread digits.
import { MSG } from '../protocol.js';
import { EVAL_FIELDS, LIMITS } from '../generated/contract.js';
import { w, post, errorText, yieldToEvents, refusal, LATER } from './context.js';
import { scoped, readRecord } from './wasm-memory.js';

// The whole test set; null when given up (wanted() turned false between slices).
export async function evalTestSet(wanted) {
  const M = w.M, n = M._api_data_count(2), slice = 250;
  M._api_eval_reset();
  for (let start = 0; start < n; start += slice) {
    if (M._api_eval(start, Math.min(slice, n - start)) < 0) throw new Error(errorText());
    await yieldToEvents();            // keep answering PREDICT while evaluating
    if (__TEST_HOOKS__ && w.evalHold) { const hold = w.evalHold; w.evalHold = null; await hold(); }
    if (!wanted()) return null;
  }
  return readRecord(EVAL_FIELDS, (ptr) => w.M._api_eval_result(ptr), LIMITS.CLASSES * LIMITS.CLASSES);
}

export const accuracy = (result) => (100 * result.fields.correct) / result.fields.count;

// what the page shows of an evaluation: per-class accuracy, the confusion matrix, the misread digits
export function evaluationReport(result) {
  const C = LIMITS.CLASSES, { fields: ev, rest } = result, confusion = Array.from(rest);
  const gallery = scoped((mem) => {
    const itp = mem.alloc(12), probs = mem.alloc(4 * C), items = [];
    for (let i = 0; i < ev.misclassified; i++) {
      w.M._api_eval_misclassified(i, itp, probs);
      const [index, truth, pred] = mem.i32(itp, 3);
      items.push({ index, truth, pred, probs: Array.from(mem.f32(probs, C)), pixels: w.testImages.slice(index * 784, (index + 1) * 784) });
    }
    return items;
  });
  const perClass = [];
  for (let c = 0; c < C; c++) {
    let row = 0;
    for (let o = 0; o < C; o++) row += confusion[c * C + o];
    perClass.push(row ? (100 * confusion[c * C + c]) / row : 0);
  }
  return { perClass, confusion, gallery, testLoss: ev.lossSum / ev.count, testAcc: accuracy(result) };
}

// EVALUATE -> EVALUATED { result: { testAcc, testLoss, perClass, confusion, count } } with the
// weights in use. A job of its own (job: { aborted }): the gate in worker.js refuses a run, a
// fine-tune, another evaluation, new weights or new data beside it, so the one accumulator in
// the core counts this evaluation's images only; an AbortSignal gives it up at the next slice.
export async function evaluateNow(msg, job) {
  if (!w.dataReady) throw refusal('refused', 'No data is loaded to evaluate on: loadMnist() or setData() first.');
  const model = w.M;
  const result = await evalTestSet(() => w.M === model && !job.aborted);
  if (job.aborted) throw refusal('aborted', 'The evaluation was aborted.');
  if (!result) throw refusal('failed', 'the evaluation was interrupted');
  const { perClass, confusion, testLoss, testAcc } = evaluationReport(result);
  post(MSG.EVALUATED, { result: { testAcc, testLoss, perClass, confusion, count: result.fields.count }, rid: msg.rid });
  return LATER;
}
