// The app's icons, drawn here (nothing downloaded): a handwritten 7 as the network sees it,
// 28 x 28 grey pixels, white on the app's blue, scaled up with square pixels. Written as PNG
// (zlib from Node) at the sizes browsers ask a web app for: 192 and 512, and a 512 "maskable"
// one whose digit stays inside the central 80 % a launcher may crop to a circle; 180 for iOS.
// Usage: node scripts/make-icons.mjs  ->  public/icons/*.png (committed; rerun to remake)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../public/icons');
const BLUE = [0x1f, 0x5b, 0xd1], WHITE = [0xff, 0xff, 0xff];

// the digit: two strokes of a pen 2.2 pixels wide on the 28 x 28 grid (MNIST's 20-pixel box)
const STROKES = [[[7, 7], [21, 6.5]], [[21, 6.5], [15, 14], [12, 21.5]]];
function ink28() {
  const img = new Float32Array(28 * 28);
  const dist = (px, py, [ax, ay], [bx, by]) => {
    const dx = bx - ax, dy = by - ay, t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(px - ax - t * dx, py - ay - t * dy);
  };
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    let d = Infinity;
    for (const s of STROKES) for (let i = 0; i + 1 < s.length; i++) d = Math.min(d, dist(x + 0.5, y + 0.5, s[i], s[i + 1]));
    img[y * 28 + x] = Math.max(0, Math.min(1, 2.2 - d));       // soft edges, as MNIST's anti-aliasing
  }
  return img;
}

// an RGBA image: the blue square (rounded unless maskable: a mask brings its own shape), the
// 28 x 28 digit in the middle `fraction` of it
function render(size, fraction, maskable) {
  const ink = ink28(), rgba = new Uint8Array(size * size * 4), cell = (size * fraction) / 28, off = (size - 28 * cell) / 2;
  const radius = maskable ? 0 : size * 0.18;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const cx = Math.min(x + 0.5, size - x - 0.5), cy = Math.min(y + 0.5, size - y - 0.5);
    const outside = cx < radius && cy < radius && Math.hypot(radius - cx, radius - cy) > radius;
    const gx = Math.floor((x - off) / cell), gy = Math.floor((y - off) / cell);
    const v = gx >= 0 && gx < 28 && gy >= 0 && gy < 28 ? ink[gy * 28 + gx] : 0;
    const o = 4 * (y * size + x);
    for (let c = 0; c < 3; c++) rgba[o + c] = Math.round(BLUE[c] + (WHITE[c] - BLUE[c]) * v);
    rgba[o + 3] = outside ? 0 : 255;
  }
  return rgba;
}

const CRC = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
const crc32 = (buf) => { let c = -1; for (const b of buf) c = CRC[(c ^ b) & 255] ^ (c >>> 8); return (c ^ -1) >>> 0; };
function chunk(type, data) {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0); b.write(type, 4, 'latin1'); Buffer.from(data).copy(b, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0); header.writeUInt32BE(size, 4); header[8] = 8; header[9] = 6;   // 8-bit RGBA
  const rows = Buffer.alloc(size * (4 * size + 1));
  for (let y = 0; y < size; y++) Buffer.from(rgba.subarray(4 * size * y, 4 * size * (y + 1))).copy(rows, y * (4 * size + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync(out, { recursive: true });
for (const [name, size, fraction, maskable] of [['icon-192.png', 192, 0.9, false], ['icon-512.png', 512, 0.9, false],
  ['icon-maskable-512.png', 512, 0.7, true], ['apple-touch-icon.png', 180, 0.8, true]]) {
  writeFileSync(path.join(out, name), png(size, render(size, fraction, maskable)));
  console.log(`public/icons/${name}`);
}
