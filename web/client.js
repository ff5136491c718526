// The page's one way to the worker (squoosh's worker bridge): start it and replace it, send a
// command, ask for a reply (a request id and a promise: the reply carries the id back, an
// ERROR with it rejects), and subscribe to what the worker reports. Panels use nothing else.
export class WorkerClient {
  #worker = null;
  #handlers = new Map();       // type -> Set of functions
  #pending = new Map();        // rid -> { resolve, reject }
  #nextRid = 1;

  // create(): a new Worker (written where Vite sees new Worker(new URL(...)) and bundles it)
  constructor(create) { this.create = create; }

  #filters = [];

  // filter(message) -> false drops a message before anyone sees it (a crashed worker's echoes,
  // what belongs to another run)
  addFilter(filter) { this.#filters.push(filter); }

  start() {
    this.#worker = this.create();
    this.#worker.onmessage = (e) => this.#dispatch(e.data);
    this.#worker.onerror = (e) => this.#emit({ type: WorkerClient.FAILED, message: e.message || 'it stopped unexpectedly' });
  }

  // the worker ends; requests still waiting are refused
  terminate() {
    this.#worker?.terminate();
    this.#worker = null;
    for (const { reject } of this.#pending.values()) reject(new Error('the training worker was restarted'));
    this.#pending.clear();
  }

  send(type, fields = {}, transfer = []) { this.#worker.postMessage({ type, ...fields }, transfer); }

  request(type, fields = {}, transfer = []) {
    const rid = this.#nextRid++;
    return new Promise((resolve, reject) => {
      this.#pending.set(rid, { resolve, reject });
      this.send(type, { ...fields, rid }, transfer);
    });
  }

  // fn(message) for every message of this type (WorkerClient.FAILED: the worker itself failed);
  // returns the function that unsubscribes
  on(type, fn) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(fn);
    return () => this.#handlers.get(type).delete(fn);
  }

  #dispatch(m) {
    if (!this.#filters.every((f) => f(m))) return;
    const waiting = m.rid !== undefined && this.#pending.get(m.rid);
    if (waiting) {
      this.#pending.delete(m.rid);
      if (m.type === 'error') waiting.reject(Object.assign(new Error(m.message), { where: m.where }));
      else waiting.resolve(m);
      return;
    }
    this.#emit(m);
  }

  #emit(m) { for (const fn of this.#handlers.get(m.type) || []) fn(m); }
}
WorkerClient.FAILED = 'worker-failed';
