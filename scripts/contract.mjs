// The contract of src/runtime/contract.h (recipe fields, presets, named designs, limits) for
// scripts and benchmarks, from the tool that writes it (build/native/gen-contract, the native
// build's) rather than from the page's copy in web/generated/. Needs the native build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'contract-'));
const file = path.join(dir, 'contract.mjs');
let contract;
try {
  execFileSync(path.join(root, 'build', 'native', 'gen-contract'), [file], { stdio: ['ignore', 'ignore', 'inherit'] });
  contract = await import(pathToFileURL(file).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
export const { CONFIG_FIELDS, PRESETS, DESIGNS, RUN_FIELDS, LIMITS } = contract;
