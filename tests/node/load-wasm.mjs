// Loads a wasm build of the app (public/wasm/mnist-{mt,st}.mjs) in Node for tests and the
// benchmark. Emscripten 3.1.6's ES-module output expects `require` and `__dirname` on Node,
// and fetches the .wasm by URL unless it is handed the bytes: both are provided here.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const wasmDir = process.env.WASM_DIR || path.join(root, 'public', 'wasm');

export async function loadWasm(variant = 'mt') {
  const file = path.join(wasmDir, `mnist-${variant}.mjs`);
  globalThis.require = createRequire(file);
  globalThis.__dirname = wasmDir;
  const { default: create } = await import(pathToFileURL(file).href);
  return create({
    wasmBinary: readFileSync(path.join(wasmDir, `mnist-${variant}.wasm`)),
    locateFile: (f) => path.join(wasmDir, f),
  });
}

export function stopThreads(M) {
  if (M && M.PThread) M.PThread.terminateAllThreads();
}
