// MNIST: the four files downloaded in parallel with one progress bar, unpacked with a ceiling,
// and handed to the core, which validates them and keeps them. Or a caller's own images
// (SET_DATA: the four IDX files the library made of its typed arrays), checked the same way.
import { MSG, MNIST_FILES } from '../protocol.js';
import { LIMITS } from '../generated/contract.js';
import { w, post, errorText, busyTraining } from './context.js';
import { teachingNow } from './teaching.js';
import { handOver } from './wasm-memory.js';

async function fetchAll(base, suffix) {
  // Download the four gzip files (.gz.bin) in parallel with one progress bar, then unpack.
  const responses = await Promise.all(MNIST_FILES.map(async (f) => {
    const res = await fetch(`${base}${f.name}${suffix}`);
    if (!res.ok) throw new Error(`${f.name}${suffix}: the server answered HTTP ${res.status}`);
    return res;
  }));
  responses.forEach((r, i) => {
    const declared = Number(r.headers.get('content-length') || 0);
    if (declared > LIMITS.DOWNLOAD_MAX_BYTES) throw new Error(`${MNIST_FILES[i].name}.gz.bin is ${(declared / 2 ** 20).toFixed(0)} MB: far too large to be MNIST`);
  });
  const total = responses.reduce((s, r) => s + Number(r.headers.get('content-length') || 0), 0);
  let loaded = 0, lastPost = 0;
  const compressed = await Promise.all(responses.map(async (res, i) => {
    const reader = res.body.getReader(), chunks = [];
    let mine = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      mine += value.length;
      if (mine > LIMITS.DOWNLOAD_MAX_BYTES) { reader.cancel(); throw new Error(`${MNIST_FILES[i].name}.gz.bin is over ${LIMITS.DOWNLOAD_MAX_BYTES / 2 ** 20} MB: far too large to be MNIST`); }
      if (performance.now() - lastPost > 50) { lastPost = performance.now(); post(MSG.DATA_PROGRESS, { loaded, total }); }
    }
    return new Blob(chunks);
  }));
  post(MSG.DATA_PROGRESS, { loaded, total: total || loaded });
  return Promise.all(compressed.map(async (blob, i) => {
    const head = new Uint8Array(await blob.slice(0, 2).arrayBuffer());
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      // not gzip: a server that already unpacked it (Content-Encoding), or damage; the IDX check decides
      return new Uint8Array(await blob.arrayBuffer());
    }
    // unpack with a ceiling: a damaged or hostile file must not balloon past the MNIST size
    const limit = MNIST_FILES[i].bytes, out = new Uint8Array(limit);
    let size = 0;
    const reader = blob.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > limit) { reader.cancel(); throw new RangeError('too large'); }
        out.set(value, size);
        size += value.length;
      }
    } catch (e) {
      if (e instanceof RangeError) throw new Error(`${MNIST_FILES[i].name}.gz.bin unpacks to more than the ${limit} bytes of the MNIST file`);
      throw new Error(`${MNIST_FILES[i].name}.gz.bin is damaged: it is not valid gzip data`);
    }
    return out.subarray(0, size);
  }));
}

export async function loadData(base, suffix) {
  let files;
  try {
    files = await fetchAll(base, suffix);
  } catch (e) {
    post(MSG.ERROR, { where: 'data', message: `MNIST could not be loaded: ${e.message}` });
    return;
  }
  handOverAll(files, 'data', (i, bytes) => {
    const f = MNIST_FILES[i], M = w.M;
    return M._api_data_count(i) !== f.count || bytes.length !== f.bytes
      ? `MNIST ${f.name}: ${M._api_data_count(i)} items in ${bytes.length} bytes; expected ${f.count} in ${f.bytes}` : '';
  });
}

// SET_DATA { files: [training images, training labels, test images, test labels] as IDX bytes }
// -> DATA, or ERROR { where: 'set-data' } (what was loaded before is gone then: train refuses)
export function setData(msg) {
  if (busyTraining() || teachingNow()) throw new Error('Stop training (or wait for the fine-tune) before changing the data.');
  if (!Array.isArray(msg.files) || msg.files.length !== 4) throw new Error('four IDX files are needed');
  handOverAll(msg.files.map((f) => new Uint8Array(f.buffer ?? f)), 'set-data', () => '');
}

// the four files into the core, which validates each and keeps it; problem(i, bytes) adds a
// check of its own. DATA when all four are in, else ERROR and no data ready.
function handOverAll(files, where, problem) {
  const M = w.M, what = ['training images', 'training labels', 'test images', 'test labels'];
  const label = (i) => (where === 'data' ? `MNIST ${MNIST_FILES[i].name}` : `The ${what[i]}`);
  w.dataReady = false;
  for (let i = 0; i < 4; i++) {
    const bytes = files[i];
    let p;
    try { p = handOver(bytes); } catch (e) { post(MSG.ERROR, { where, message: `${label(i)}: ${e.message}` }); return; }
    if (M._api_set_data(i, p, bytes.length) !== 0) {       // C validates and takes ownership
      post(MSG.ERROR, { where, message: `${label(i)} ${where === 'data' ? 'is invalid' : 'were refused'}: ${errorText()}` });
      return;
    }
    const wrong = problem(i, bytes);
    if (wrong) { post(MSG.ERROR, { where, message: wrong }); return; }
  }
  w.testImages = files[2].slice(16);           // the evaluation is in C; the page shows misread digits' pixels
  w.dataReady = true;
  post(MSG.DATA, { train: M._api_data_count(0), test: M._api_data_count(2) });
}
