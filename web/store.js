// IndexedDB, used by the worker and the page. Two object stores:
//   checkpoints  one record, { bytes: ArrayBuffer, meta }: the worker writes it after every
//                epoch; the page offers to resume from it after a reload.
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

export const saveCheckpoint = (bytes, meta) => tx(STORE, 'readwrite', (s) => s.put({ bytes, meta }, KEY));
export const loadCheckpoint = () => tx(STORE, 'readonly', (s) => s.get(KEY));
export const clearCheckpoint = () => tx(STORE, 'readwrite', (s) => s.delete(KEY));

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
