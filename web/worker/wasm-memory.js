// The one owner of WebAssembly memory on the worker's side. Every buffer the worker hands the
// core goes through scoped(): what fn allocates is freed when fn returns or throws, so no path
// can leak a buffer (a failed copy, a refused file, a trap between allocation and free) or free
// one twice. handOver() is for the one buffer the core keeps (a data set: api_set_data takes
// ownership). The memory is fixed (384 MB): a failed allocation is an error with the size
// asked for, never a blank page.
import { w } from './context.js';

function allocate(M, n) {
  const p = M._api_malloc(n);
  if (!p) throw new Error(`the WebAssembly memory is full (asked for ${(n / 2 ** 20).toFixed(1)} MB more)`);
  return p;
}

// fn(mem) with mem = { alloc(bytes), copyIn(Uint8Array) (one byte more, so an empty array still
// gets a pointer of its own), f32(p, n), i32(p, n), u8(p, n) (views, valid until fn returns) }
export function scoped(fn) {
  const M = w.M, owned = [];
  const mem = {
    alloc(n) { const p = allocate(M, n); owned.push(p); return p; },
    copyIn(bytes) { const p = mem.alloc(bytes.length + 1); M.HEAPU8.set(bytes, p); return p; },
    f32: (p, n) => new Float32Array(M.HEAPF32.buffer, p, n),
    f64: (p, n) => new Float64Array(M.HEAPF64.buffer, p, n),
    i32: (p, n) => new Int32Array(M.HEAP32.buffer, p, n),
    u8: (p, n) => M.HEAPU8.subarray(p, p + n),
  };
  try {
    return fn(mem);
  } finally {
    // after a trap the module is gone (crash() dropped it): nothing may touch its memory
    if (w.M === M) for (const p of owned) M._api_free(p);
  }
}

// buffers the core takes over: each of `list` copied in, then take(pointers) hands them over
// (the core owns them from that call on, whatever it answers); a failed copy frees the ones made
export function handOver(list, take) {
  const M = w.M, pointers = [];
  try {
    for (const bytes of list) {
      const p = allocate(M, bytes.length + 1);
      pointers.push(p);
      M.HEAPU8.set(bytes, p);
    }
  } catch (e) {
    if (w.M === M) for (const p of pointers) M._api_free(p);
    throw e;
  }
  return take(pointers);
}

// the bytes the core last wrote into its output buffer (api_save, api_export, api_digits_write)
export function savedBytes(n) {
  const p = w.M._api_saved_ptr();
  return w.M.HEAPU8.slice(p, p + n);
}

// doubles the core writes in the order the contract names them (fill(pointer)) -> { fields:
// { name: value }, rest: the `extra` doubles after them }
export function readRecord(names, fill, extra = 0) {
  return scoped((mem) => {
    const p = mem.alloc(8 * (names.length + extra));
    fill(p);
    const v = mem.f64(p, names.length + extra).slice();
    return { fields: Object.fromEntries(names.map((n, i) => [n, v[i]])), rest: v.subarray(names.length) };
  });
}
