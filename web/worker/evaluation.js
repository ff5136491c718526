// The MNIST test set through the core (trainer_eval_range, as the CLI does) in slices, so
// PREDICT is answered between them; the counts, the confusion matrix and the misread digits.
import { MSG } from '../protocol.js';
import { EVAL_FIELDS, LIMITS } from '../generated/contract.js';
import { w, post, errorText, yieldToEvents, busyTraining } from './context.js';
import { scoped, readRecord } from './wasm-memory.js';

// The whole test set; null when given up (wanted() turned false between slices).
export async function evalTestSet(wanted) {
  const M = w.M, n = M._api_data_count(2), slice = 250;
  M._api_eval_reset();
  for (let start = 0; start < n; start += slice) {
    if (M._api_eval(start, Math.min(slice, n - start)) < 0) throw new Error(errorText());
    await yieldToEvents();            // keep answering PREDICT while evaluating
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
// weights in use; refused while a run or a fine-tune is going on (pause it first)
export async function evaluateNow(msg) {
  if (!w.dataReady) throw new Error('no data is loaded to evaluate on');
  if (busyTraining() || w.state === 'teaching') throw new Error('Pause or stop training (or wait for the fine-tune) before evaluating.');
  const model = w.M;
  const result = await evalTestSet(() => w.M === model && !busyTraining());
  if (!result) throw new Error('the evaluation was interrupted');
  const { perClass, confusion, testLoss, testAcc } = evaluationReport(result);
  post(MSG.EVALUATED, { result: { testAcc, testLoss, perClass, confusion, count: result.fields.count }, rid: msg.rid });
}
