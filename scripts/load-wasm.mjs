// Loads a wasm build of the app in Node for tests and benchmarks: 'mt' and 'st' are the
// app's modules (public/wasm/), 'mt-test' and 'st-test' the same with the test exports
// (public/wasm-test/: kernel self-check, peak, armed trap). Emscripten 3.1.6's ES-module output
// expects `require` and `__dirname` on Node, and fetches the .wasm by URL unless it is handed the
// bytes: both are provided here.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const wasmDir = process.env.WASM_DIR || path.join(root, 'public', 'wasm');
export const wasmTestDir = process.env.WASM_TEST_DIR || path.join(root, 'public', 'wasm-test');

export async function loadWasm(variant = 'mt') {
  const dir = variant.endsWith('-test') ? wasmTestDir : wasmDir;
  const file = path.join(dir, `mnist-${variant}.mjs`);
  globalThis.require = createRequire(file);
  globalThis.__dirname = dir;
  const { default: create } = await import(pathToFileURL(file).href);
  return create({
    wasmBinary: readFileSync(path.join(dir, `mnist-${variant}.wasm`)),
    locateFile: (f) => path.join(dir, f),
  });
}

export function stopThreads(M) {
  if (M && M.PThread) M.PThread.terminateAllThreads();
}
