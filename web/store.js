// IndexedDB, used by the worker and the page. Two object stores:
//   checkpoints  { bytes: ArrayBuffer, meta } per run, keyed by the run's id (meta.runId; a
//                checkpoint of an older version of the app has the key 'last'): the worker writes
//                its run's after every epoch; after a reload the page offers the one of the run
//                that tab was training, and lists the others. The newest KEEP are kept.
//   my-digits    a person's own digits: { label (0-9), pixels: Uint8Array(784) (the network's
//                28x28 input, 0..255), added (ISO date) }, keyed by an increasing number, so
//                they list in the order they were taught.
const DB = 'mnist-in-a-tab', STORE = 'checkpoints', KEY = 'last', DIGITS = 'my-digits';

let opening = null;          // one connection per context, opened on first use and kept
function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 2);
      req.onupgradeneeded = () => {            // version 1 had the checkpoints only
        const db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
        if (!db.objectStoreNames.contains(DIGITS)) db.createObjectStore(DIGITS, { autoIncrement: true });
      };
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

async function tx(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const req = fn(t.objectStore(store));
    t.oncomplete = () => resolve(req && req.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

const KEEP = 5;

// the run's checkpoint written (replacing its previous one); the oldest beyond KEEP dropped
export async function saveCheckpoint(bytes, meta) {
  await tx(STORE, 'readwrite', (s) => s.put({ bytes, meta }, meta.runId || KEY));
  const all = await listCheckpoints();
  for (const old of all.slice(KEEP)) await clearCheckpoint(old.key);
}
export const loadCheckpoint = (key) => tx(STORE, 'readonly', (s) => s.get(key));
export const clearCheckpoint = (key) => tx(STORE, 'readwrite', (s) => s.delete(key));
// every checkpoint as [{ key, meta }], the newest first
export async function listCheckpoints() {
  const db = await open();
  const out = await new Promise((resolve, reject) => {
    const t = db.transaction(STORE, 'readonly'), found = [];
    t.objectStore(STORE).openCursor().onsuccess = (e) => {
      const c = e.target.result;
      if (!c) return;
      found.push({ key: c.key, meta: c.value.meta });
      c.continue();
    };
    t.oncomplete = () => resolve(found);
    t.onerror = () => reject(t.error);
  });
  return out.filter((c) => c.meta).sort((a, b) => String(b.meta.savedAt).localeCompare(String(a.meta.savedAt)));
}

// What a failed write means, in words for the visitor: the browser's reason (a quota error's
// message can be empty) and whether storage is full or not allowed at all.
export function storageProblem(e) {
  const name = e && e.name ? e.name : 'Error', detail = e && e.message ? `: ${e.message}` : '';
  const why = name === 'QuotaExceededError' ? 'the storage this browser gives the app is full'
    : 'this browser does not let the app store data here (a private window, or site data turned off)';
  return `${why} (${name}${detail})`;
}

// my digits: add one (returns its key), add many in one transaction (an import: all or none),
// list all as [{ key, label, pixels, added }], delete one, delete all
export const addMyDigit = (label, pixels) => tx(DIGITS, 'readwrite', (s) => s.add({ label, pixels, added: new Date().toISOString() }));
export const addMyDigits = (items) => tx(DIGITS, 'readwrite', (s) => {
  const added = new Date().toISOString();
  let last = null;
  for (const { label, pixels } of items) last = s.add({ label, pixels, added });
  return last;
});
export async function listMyDigits() {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(DIGITS, 'readonly'), out = [];
    t.objectStore(DIGITS).openCursor().onsuccess = (e) => {
      const c = e.target.result;
      if (!c) return;
      out.push({ key: c.key, ...c.value });
      c.continue();
    };
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
  });
}
export const deleteMyDigit = (key) => tx(DIGITS, 'readwrite', (s) => s.delete(key));
export const clearMyDigits = () => tx(DIGITS, 'readwrite', (s) => s.clear());
