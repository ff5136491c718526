// MNIST: the four files downloaded in parallel with one progress bar, unpacked with a ceiling,
// and handed to the core, which validates them and keeps them. Or a caller's own images
// (SET_DATA: the four IDX files the library made of its typed arrays), checked the same way.
// The gate in worker.js keeps both away from a run, a fine-tune or an evaluation going on.
import { MSG, MNIST_FILES } from '../protocol.js';
import { LIMITS } from '../generated/contract.js';
import { w, post, errorText, refusal } from './context.js';
import { endPausedRun } from './training.js';
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

// LOAD_DATA: MNIST's four files from base (the app's folder at start-up, or a caller's) -> the
// counts; a failed download or a damaged file throws with the reason (the data loaded before
// stays when nothing was handed over yet). fresh: load even when data is in (a caller's folder).
export async function loadData(base, suffix, fresh) {
  if (w.dataReady && !fresh) return counts();
  let files;
  try {
    files = await fetchAll(base, suffix);
  } catch (e) {
    throw refusal('failed', `MNIST could not be loaded: ${e.message}`);
  }
  files.forEach((bytes, i) => {
    const f = MNIST_FILES[i], wrong = idxProblem(bytes, i) || (bytes.length !== f.bytes ? `${bytes.length} bytes; expected ${f.bytes}` : '');
    if (wrong) throw refusal('refused', `MNIST ${f.name} is invalid: ${wrong}`);
  });
  return handOverAll(files, 'MNIST is invalid');
}

// SET_DATA { files: [training images, training labels, test images, test labels] as IDX bytes }
// -> the counts (and DATA), or a refusal naming the file (the data in use unchanged then)
export function setData(msg) {
  if (!Array.isArray(msg.files) || msg.files.length !== 4) throw refusal('invalid', 'four IDX files are needed');
  const files = msg.files.map((f) => new Uint8Array(f?.buffer ?? f ?? 0)), what = ['training images', 'training labels', 'test images', 'test labels'];
  files.forEach((bytes, i) => { const wrong = idxProblem(bytes, i); if (wrong) throw refusal('invalid', `The ${what[i]}: ${wrong}`); });
  for (const [a, b] of [[0, 1], [2, 3]])
    if (itemCount(files[a]) !== itemCount(files[b])) throw refusal('invalid', `${itemCount(files[a])} ${what[a]} but ${itemCount(files[b])} ${what[b]}`);
  return handOverAll(files, 'The data was refused (the data in use is unchanged)');
}

const itemCount = (bytes) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);

// what is wrong with IDX file i (0, 2: images of 28 x 28; 1, 3: labels 0..9), or '' (the core
// checks again; checked here first, so a paused run is not ended for data that would be refused)
function idxProblem(bytes, i) {
  const images = i % 2 === 0, head = images ? 16 : 8;
  if (bytes.length < head) return `${bytes.length} bytes: too short for an IDX file`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), n = v.getUint32(4);
  const magic = v.getUint32(0), other = images ? 0x801 : 0x803;
  if (magic === other) return `this is an IDX ${images ? 'label' : 'image'} file, not ${images ? 'an image' : 'a label'} file`;
  if (magic !== (images ? 0x803 : 0x801)) return `wrong magic number 0x${magic.toString(16).padStart(8, '0')}: not an IDX ${images ? 'image' : 'label'} file`;
  if (n < 1) return 'no items';
  if (images && (v.getUint32(8) !== 28 || v.getUint32(12) !== 28)) return 'the images are not 28 x 28';
  if (bytes.length !== head + n * (images ? 784 : 1)) return `${bytes.length} bytes for ${n} items`;
  if (!images) for (let k = head; k < bytes.length; k++) if (bytes[k] > 9) return `label ${bytes[k]} at item ${k - head} is not 0-9`;
  return '';
}

const counts = () => ({ train: w.M._api_data_count(0), test: w.M._api_data_count(2) });

// the four files into the core at once: it reads them all and checks each pair before any
// replaces the data in use, so a set of any size replaces it, and a refused set leaves it. The
// copies are made before a paused run is ended (its data goes), so a full memory ends nothing.
function handOverAll(files, refused) {
  const M = w.M;
  let rc;
  try {
    rc = handOver(files, (pointers) => {
      endPausedRun();
      return M._api_set_data_all(...pointers.flatMap((p, i) => [p, files[i].length]));
    });
  } catch (e) {
    throw refusal('failed', `The data could not be copied into the WebAssembly memory: ${e.message}. Nothing changed.`);
  }
  if (rc !== 0) throw refusal('refused', `${refused}: ${errorText()}`);
  w.testImages = files[2].slice(16);           // the evaluation is in C; the page shows misread digits' pixels
  w.loaded = [itemCount(files[0]), itemCount(files[2])];
  w.dataReady = true;
  post(MSG.DATA, counts());
  return counts();
}
