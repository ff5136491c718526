// The page's one way to the worker (squoosh's worker bridge): start it and replace it, send a
// command, ask for a reply (a request id and a promise: the reply carries the id back, an
// ERROR with it rejects), and subscribe to what the worker reports. Panels use nothing else.
// Every request settles exactly once: on its reply, or rejected with a TrainerError when the
// worker crashes or fails ('crashed'), is terminated ('terminated'), or the caller's
// AbortSignal fires ('aborted', once the worker has ended the job).
import { MSG, TrainerError } from './protocol.js';

export class WorkerClient {
  #worker = null;
  #handlers = new Map();       // type -> Set of functions
  #pending = new Map();        // rid -> { resolve, reject, type }
  #nextRid = 1;
  #filters = [];
  #crashed = '';               // the crash's report: the worker answers nothing more until start()

  // create(): a new Worker (written where Vite sees new Worker(new URL(...)) and bundles it)
  constructor(create) { this.create = create; }

  // filter(message) -> false drops an event before anyone sees it (a crashed worker's echoes,
  // what belongs to another run); replies always reach their request
  addFilter(filter) { this.#filters.push(filter); }

  get started() { return this.#worker !== null; }

  // a new worker (one that was running is terminated first: its requests are answered so)
  start() {
    if (this.#worker) this.terminate();
    this.#crashed = '';
    const worker = this.#worker = this.create();
    worker.onmessage = (e) => { if (this.#worker === worker) this.#dispatch(e.data); };
    worker.onmessageerror = () => worker.onerror({ message: 'a reply could not be read' });
    worker.onerror = (e) => {
      if (this.#worker !== worker) return;
      const message = e.message || 'it stopped unexpectedly';
      this.#crashed = `The training worker failed: ${message}`;
      this.#rejectAll('crashed', `The training worker failed: ${message}`);
      this.#emit({ type: WorkerClient.FAILED, message });
    };
  }

  // the worker ends; requests still waiting are rejected ('terminated')
  terminate() {
    this.#worker?.terminate();
    this.#worker = null;
    this.#rejectAll('terminated', 'The trainer was terminated before it answered.');
  }

  send(type, fields = {}, transfer = []) {
    if (!this.#worker) throw new TrainerError('terminated', 'The trainer is not started: call start() first.', type);
    this.#worker.postMessage({ type, ...fields }, transfer);
  }

  // a promise of the reply's message; signal: an AbortSignal whose firing asks the worker to
  // end the job (MSG.CANCEL); the worker then answers with ERROR code 'aborted'
  request(type, fields = {}, transfer = [], { signal } = {}) {
    if (!this.#worker) return Promise.reject(new TrainerError('terminated', 'The trainer is not started: call '
      + 'start() first.', type));
    if (this.#crashed) return Promise.reject(new TrainerError('crashed', `${this.#crashed} (start() makes a new worker)`, type));
    if (signal?.aborted) return Promise.reject(new TrainerError('aborted', `${type} was aborted before it began.`, type));
    const rid = this.#nextRid++;
    return new Promise((resolve, reject) => {
      const onAbort = () => { if (this.#pending.has(rid) && this.#worker) this.send(MSG.CANCEL, { target: rid }); };
      const settle = (fn) => (value) => { signal?.removeEventListener('abort', onAbort); fn(value); };
      this.#pending.set(rid, { resolve: settle(resolve), reject: settle(reject), type });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.send(type, { ...fields, rid }, transfer);
      } catch (e) {
        this.#pending.delete(rid);
        reject(e instanceof TrainerError ? e : new TrainerError('invalid', e.message, type));
      }
    });
  }

  // fn(message) for every message of this type (WorkerClient.FAILED: the worker itself failed);
  // returns the function that unsubscribes
  on(type, fn) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(fn);
    return () => this.#handlers.get(type).delete(fn);
  }

  #rejectAll(code, message) {
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject, type } of waiting) reject(new TrainerError(code, message, type));
  }

  #dispatch(m) {
    if (m.rid !== undefined) {          // a reply: for its request only (one already settled is dropped)
      const waiting = this.#pending.get(m.rid);
      if (!waiting) return;
      this.#pending.delete(m.rid);
      if (m.type === MSG.ERROR) waiting.reject(new TrainerError(m.code, m.message, m.where));
      else waiting.resolve(m);
      return;
    }
    if (m.type === MSG.CRASHED) {
      this.#crashed = `The training worker crashed: ${m.message}`;
      this.#rejectAll('crashed', this.#crashed);
    }
    if (this.#filters.every((f) => f(m))) this.#emit(m);
  }

  #emit(m) { for (const fn of this.#handlers.get(m.type) || []) fn(m); }
}
WorkerClient.FAILED = 'worker-failed';
