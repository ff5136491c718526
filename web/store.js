// IndexedDB checkpoint store, used by the worker (writes after every epoch) and the page
// (offers to resume after a reload). One record: { bytes: ArrayBuffer, meta }.
const DB = 'mnist-in-a-tab', STORE = 'checkpoints', KEY = 'last';

let opening = null;          // one connection per context, opened on first use and kept
function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
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

async function tx(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const req = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(req && req.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const saveCheckpoint = (bytes, meta) => tx('readwrite', (s) => s.put({ bytes, meta }, KEY));
export const loadCheckpoint = () => tx('readonly', (s) => s.get(KEY));
export const clearCheckpoint = () => tx('readwrite', (s) => s.delete(KEY));
