// The worker that owns the WebAssembly module (and, through it, the pthreads): a dispatcher over
// one module per job (worker/): loading and capabilities, data, training and evaluation,
// teaching and my-digits files, reading and the inside view, the model files. Every message
// is handled here or refused with a reason; a WebAssembly trap turns the worker silent
// (CRASHED) for the page to replace it. Replies to a request carry its rid (client.js).
import { MSG } from './protocol.js';
import { w, post, crash, isTrap } from './worker/context.js';
import { init } from './worker/loading.js';
import { loadData, setData } from './worker/data.js';
import { evaluateNow } from './worker/evaluation.js';
import { train, pause, resume, stop } from './worker/training.js';
import { teachRequested, startQueuedTeach, cancelTeach, teachingNow, digitsWrite, digitsRead } from './worker/teaching.js';
import { predict, inspect28 } from './worker/reading.js';
import { save, exportModel, load, loadPretrainedModel, reset } from './worker/models.js';
import { describe, setDesign } from './worker/designs.js';
import { testHook } from './worker/test-hooks.js';     // test builds only: dropped with its uses

w.afterLoop = startQueuedTeach;      // a fine-tune asked for during a run starts once it pauses or ends
if (__TEST_HOOKS__) self.__mnistWorker = w;   // the soak benchmark reads the allocator's use (test builds only)

self.onmessage = async (e) => {
  try {
    await handle(e.data);
  } catch (err) {
    if (isTrap(err) || w.state === 'crashed') crash(err);
    else post(MSG.ERROR, { where: e.data.type, message: err.message, rid: e.data.rid });
  }
};

async function handle(msg) {
  if (w.state === 'crashed') return;           // the page replaces a crashed worker; it answers nothing more
  if (msg.type !== MSG.INIT && !w.M) { post(MSG.ERROR, { where: msg.type, message: 'The WebAssembly module is not loaded.', rid: msg.rid }); return; }
  switch (msg.type) {
    case MSG.INIT:
      if (__TEST_HOOKS__ && msg.testStall) return;            // a start-up that never reports READY (the watchdog's test)
      if (!await init(msg)) return;
      w.dataBase = new URL(msg.dataBase || 'data/', w.appBase).href;
      w.dataSuffix = msg.dataSuffix ?? '.gz.bin';
      if (msg.loadData !== false) await loadData(w.dataBase, w.dataSuffix);      // on a phone MNIST waits for LOAD_DATA
      break;
    case MSG.LOAD_DATA:
      if (msg.base) await loadData(msg.base, msg.suffix ?? '');     // a library user's folder
      else if (!w.dataReady) await loadData(w.dataBase, w.dataSuffix);
      break;
    case MSG.SET_DATA: setData(msg); break;
    case MSG.EVALUATE: await evaluateNow(msg); break;
    case MSG.TRAIN: await train(msg.config, msg.runId); break;
    case MSG.PAUSE: pause(); break;
    case MSG.RESUME: resume(); break;
    case MSG.STOP:
      if (teachingNow()) cancelTeach();       // the fine-tune puts the weights back
      else stop();
      break;
    case MSG.RESUME_CHECKPOINT:
      if (teachingNow()) { post(MSG.ERROR, { where: 'train', runId: msg.runId, message: 'The network is being taught your digits: resume when that is done.' }); break; }
      await train(msg.meta.config, msg.runId, new Uint8Array(msg.bytes), msg.meta);
      break;
    case MSG.TEACH: teachRequested(msg); break;
    case MSG.DESCRIBE: describe(msg); break;
    case MSG.SET_DESIGN: setDesign(msg); break;
    case MSG.DIGITS_WRITE: digitsWrite(msg); break;
    case MSG.DIGITS_READ: digitsRead(msg); break;
    case MSG.PREDICT: predict(msg); break;
    case MSG.INSPECT28: inspect28(msg); break;
    case MSG.SAVE: save(msg); break;
    case MSG.EXPORT: exportModel(msg); break;
    case MSG.LOAD: load(msg); break;
    case MSG.LOAD_PRETRAINED: await loadPretrainedModel(); break;
    case MSG.RESET: reset(msg); break;
    default:
      if (__TEST_HOOKS__ && await testHook(msg)) break;
      post(MSG.ERROR, { where: 'worker', message: `unknown message ${msg.type}`, rid: msg.rid });
  }
}
