// CDP commands to a page's dedicated workers, from Playwright (whose API gives a worker no CDP
// session of its own). A dedicated worker runs in a V8 isolate of its own: the page's metrics
// (Performance.getMetrics) do not count its heap, its own session does (Runtime.getHeapUsage).
// The page's session auto-attaches to the workers in the non-flattened mode, so a command
// reaches a worker wrapped in Target.sendMessageToTarget and its answer comes back in
// Target.receivedMessageFromTarget: nothing else on Playwright's own session changes.
// Set it up before the page starts its workers (before page.goto).
export async function workerSessions(cdp) {
  const workers = new Map();                   // sessionId -> url, in the order they attached
  const pending = new Map();                   // message id -> { resolve, reject, method, sessionId }
  let lastId = 0;
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    if (targetInfo.type === 'worker') workers.set(sessionId, targetInfo.url);
  });
  cdp.on('Target.detachedFromTarget', ({ sessionId }) => {
    workers.delete(sessionId);
    for (const [id, p] of pending) {
      if (p.sessionId !== sessionId) continue;
      pending.delete(id);
      p.reject(new Error(`${p.method}: the worker is gone`));
    }
  });
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message), p = pending.get(m.id);
    if (!p) return;                              // an event of the worker's, not an answer
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
    else p.resolve(m.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const send = (sessionId, method, params = {}) => new Promise((resolve, reject) => {
    const id = ++lastId;
    pending.set(id, { resolve, reject, method, sessionId });
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
      .catch((e) => { pending.delete(id); reject(e); });
  });
  return {
    // the workers attached now: [{ sessionId, url }], oldest first
    list: () => [...workers].map(([sessionId, url]) => ({ sessionId, url })),
    send,
  };
}
