// The speed benchmark of the wasm build through its API (runWasmBench: training and inference
// images/s, latency, the SIMD peak) for the Node benchmarks (bench/speed.mjs, bench/threads.mjs),
// taken from the built library, not from web/: the library's test build (scripts/build-lib.mjs
// --test-hooks), which ships the page's benchmark as bench.mjs with the contract it reads. Built
// afresh on import (a few seconds), so a benchmark measures the source beside it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts', 'build-lib.mjs'), '--test-hooks'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
const built = path.join(root, 'build', 'lib-test', 'package', 'bench.mjs');
export const { runWasmBench } = await import(pathToFileURL(built).href);
