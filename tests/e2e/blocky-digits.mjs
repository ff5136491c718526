// A handwriting style of our own choosing for the teaching test: blocky digits of straight
// strokes (flat tops, square corners, like a seven-segment display), as some people write.
// The shipped model, trained on MNIST's round census-clerk digits, misreads many of them. blockyDigit(d, variant) draws digit d at a size, position, slant and aspect ratio,
// with a little wobble at the corners, as strokes in 0..1 canvas coordinates (for draw()).

// Each digit as strokes through points of its box: x from -0.5 (left) to 0.5 (right), y from
// -0.5 (top) to 0.5 (bottom). Flat tops and square corners throughout; a slashed zero, a one
// with a flag and a foot, a Z-shaped two and a crossed seven, as some people write them.
const L = -0.5, R = 0.5, T = -0.5, B = 0.5, C = 0;
const STROKES = {
  0: [[[L, T], [R, T], [R, B], [L, B], [L, T]], [[L, B], [R, T]]],
  1: [[[-0.3, -0.25], [C, T], [C, B]], [[-0.3, B], [0.3, B]]],
  2: [[[L, T], [R, T], [L, B], [R, B]]],
  3: [[[L, T], [R, T], [R, B], [L, B]], [[L, C], [R, C]]],
  4: [[[L, T], [L, C], [R, C]], [[R, T], [R, B]]],
  5: [[[R, T], [L, T], [L, C], [R, C], [R, B], [L, B]]],
  6: [[[R, T], [L, T], [L, B], [R, B], [R, C], [L, C]]],
  7: [[[L, T], [R, T], [C, B]], [[-0.2, C], [0.45, C]]],
  8: [[[L, T], [R, T], [R, B], [L, B], [L, T]], [[L, C], [R, C]]],
  9: [[[R, C], [L, C], [L, T], [R, T], [R, B], [L, B]]],
};

// a small deterministic wobble per (digit, variant, corner)
function wobble(d, v, k) {
  let x = (d * 7919 + v * 104729 + k * 1299709) >>> 0;
  x = (x ^ (x >>> 13)) * 0x5bd1e995 >>> 0;
  return ((x ^ (x >>> 15)) % 1000) / 1000 - 0.5;
}

// variant: { size (height, 0..1 of the canvas), x, y (centre), slant (top moves right by
// slant * height), aspect (width / height), id (picks the wobble) }
export function blockyDigit(d, { size = 0.7, x = 0.5, y = 0.5, slant = 0, aspect = 0.55, id = 0 } = {}) {
  const h = size, w = size * aspect;
  let k = 0;
  return STROKES[d].map((s) => s.map(([fx, fy]) => {
    k++;
    return [x + fx * w - slant * fy * h + 0.03 * size * wobble(d, id, 2 * k), y + fy * h + 0.03 * size * wobble(d, id, 2 * k + 1)];
  }));
}

// three examples of each digit to teach, and other drawings of the same style to read after
export const TAUGHT = [
  { size: 0.62, x: 0.5, y: 0.5, slant: 0, aspect: 0.9, id: 1 },
  { size: 0.5, x: 0.45, y: 0.52, slant: 0.1, aspect: 1.0, id: 2 },
  { size: 0.7, x: 0.53, y: 0.48, slant: -0.06, aspect: 0.8, id: 3 },
];
export const OTHERS = [
  { size: 0.4, x: 0.6, y: 0.4, slant: 0.15, aspect: 0.95, id: 11 },
  { size: 0.75, x: 0.5, y: 0.5, slant: -0.12, aspect: 0.85, id: 12 },
  { size: 0.5, x: 0.38, y: 0.6, slant: 0.05, aspect: 1.05, id: 13 },
  { size: 0.6, x: 0.52, y: 0.55, slant: 0.2, aspect: 0.9, id: 14 },
];
