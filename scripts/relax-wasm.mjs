// The relaxed wasm build's last step. Emscripten 3.1.6 (clang 14, binaryen 108) knows relaxed
// SIMD only as the proposal's prototype, whose f32x4.relaxed_fma has another opcode (0xfd 0xaf
// 0x01) than the standard f32x4.relaxed_madd (0xfd 0x85 0x02) that browsers ship; clang 16
// emits the standard one, but binaryen 108 cannot read it, and Emscripten runs binaryen after
// the link. So the kernels are written with the prototype builtin, operands in the standard's
// order (gemm__wasmsimd.c), everything is compiled, linked and optimised by Emscripten as
// usual, and this script then rewrites each prototype opcode into the standard one (the same
// length: nothing else moves). It is careful about what it touches: the prototype opcodes must
// lie in the code section, their count must equal the number of relaxed_fma instructions
// binaryen's disassembler reports (a byte pattern that is not an instruction would make more),
// no other relaxed instruction may be present, and the result must validate in V8.
// Usage: node scripts/relax-wasm.mjs FILE.wasm   (rewrites FILE.wasm in place)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');     // Node 20's V8 has it behind a flag
const file = process.argv[2];
if (!file) { console.error('usage: relax-wasm.mjs FILE.wasm'); process.exit(2); }
const fail = (why) => { console.error(`relax-wasm: ${file}: ${why}`); process.exit(1); };
const bytes = readFileSync(file);

const PROTOTYPE = [0xfd, 0xaf, 0x01], STANDARD = [0xfd, 0x85, 0x02];
const text = execFileSync('wasm-dis', [file], { encoding: 'utf8', maxBuffer: 1 << 28 });
const instructions = (text.match(/\bf32x4\.relaxed_fma\b/g) || []).length;
const others = text.match(/\b[fi]\d+x\d+\.relaxed_(?!fma\b)\w+|\b\w+\.laneselect\b/g);
if (others) fail(`relaxed instructions other than f32x4.relaxed_fma: ${[...new Set(others)].join(', ')}`);
if (instructions === 0) fail('no f32x4.relaxed_fma: was it compiled with -mrelaxed-simd?');

// the code section's byte range (section id 10)
const leb = (at) => { let v = 0, shift = 0, b; do { b = bytes[at++]; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80); return [v >>> 0, at]; };
let at = 8, code = null;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, start] = leb(at + 1);
  if (id === 10) code = [start, start + size];
  at = start + size;
}
if (!code) fail('no code section');
const found = [];
for (let i = code[0]; i + 2 < code[1]; i++)
  if (bytes[i] === PROTOTYPE[0] && bytes[i + 1] === PROTOTYPE[1] && bytes[i + 2] === PROTOTYPE[2]) found.push(i);
if (found.length !== instructions)
  fail(`${found.length} byte patterns of the prototype opcode for ${instructions} instructions: cannot tell them apart`);
for (const i of found) STANDARD.forEach((b, k) => { bytes[i + k] = b; });
if (!WebAssembly.validate(bytes)) fail('the rewritten module does not validate');
writeFileSync(file, bytes);
console.log(`relax-wasm: ${file}: ${found.length} f32x4.relaxed_madd`);
