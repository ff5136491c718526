// Reading a digit: a drawing (preprocessed as MNIST was, in the core) or a 28x28 image, in eval
// mode with the weights in use; with the inside view when the page's panel is open.
import { MSG } from '../protocol.js';
import { LIMITS } from '../generated/contract.js';
import { w, post, refusal, LATER } from './context.js';
import { scoped } from './wasm-memory.js';

// PREDICT -> PREDICTION (with the request's rid when it has one; the pad's readings have none).
// A 28 x 28 image (img28) is read as it is; a drawing (ink, w, h) is preprocessed first.
export function predict(msg) {
  if (msg.img28) { predict28(msg); return LATER; }
  const { ink, w: width, h } = msg, side = LIMITS.DRAWING_MAX_SIDE;
  if (!(ink instanceof Float32Array)) throw refusal('invalid', 'a drawing is a Float32Array of ink values 0..1');
  if (!(Number.isInteger(width) && Number.isInteger(h) && width > 0 && h > 0 && width <= side && h <= side))
    throw refusal('invalid', `a drawing must be 1..${side} pixels on each side, not ${width} x ${h}`);
  if (ink.length !== width * h) throw refusal('invalid', `${ink.length} ink values for a drawing of ${width} x ${h}`);
  const { inked, img28, probs } = scoped((mem) => {
    const inkPtr = mem.alloc(4 * width * h), img = mem.alloc(4 * 784), pr = mem.alloc(40);
    mem.f32(inkPtr, width * h).set(ink);
    const r = w.M._api_predict(inkPtr, width, h, img, pr);
    return { inked: r === 1, img28: mem.f32(img, 784).slice(), probs: mem.f32(pr, 10).slice() };
  });
  const read = Array.from(probs);                  // probs' buffer is transferred just below
  post(MSG.PREDICTION, { img28, probs, ink: inked, rid: msg.rid, source: w.modelSource }, [img28.buffer, probs.buffer]);
  if (msg.inspect && inked) inspect(read, 'drawing');
  return LATER;
}

// The inside view of the image just read (the C core computes, the page paints): every conv
// layer's output after BatchNorm and ReLU, the first layer's filters, and the saliency of the
// class read. Only when the page's panel is open: closed, it costs nothing.
function inspect(probs, source) {
  let best = 0;
  for (let d = 1; d < probs.length; d++) if (probs[d] > probs[best]) best = d;
  const M = w.M;
  const view = scoped((mem) => {
    const shape = mem.alloc(12), layers = [];
    for (let c = 0, n = M._api_inspect_conv_count(); c < n; c++) {
      const count = M._api_inspect_layer(c, 0, shape);            // the size first, then the values
      const out = mem.alloc(4 * count);
      M._api_inspect_layer(c, out, shape);
      const [K, P, Q] = mem.i32(shape, 3);
      layers.push({ K, P, Q, data: mem.f32(out, count).slice() });
    }
    const buf = mem.alloc(4 * Math.max(784, M._api_inspect_filters(0, shape)));
    // a design without convolutions has no filters to show
    mem.i32(shape, 3).fill(0);
    const nf = M._api_inspect_filters(buf, shape);
    const [K, C, R] = nf > 0 ? mem.i32(shape, 3) : [0, 0, 0];
    const filters = { K, C, R, data: mem.f32(buf, nf).slice() };
    M._api_saliency(best, buf);
    return { layers, filters, saliency: mem.f32(buf, 784).slice() };
  });
  post(MSG.INSIDE, { ...view, digit: best, source },
    [...view.layers.map((l) => l.data.buffer), view.filters.data.buffer, view.saliency.buffer]);
}

function classify28(img28) {
  if (!(img28 instanceof Float32Array) || img28.length !== 784) throw refusal('invalid', 'an image of 28 x 28 = 784 values is needed');
  return scoped((mem) => {
    const img = mem.alloc(4 * 784), pr = mem.alloc(40);
    mem.f32(img, 784).set(img28);
    w.M._api_classify28(img, pr);
    return mem.f32(pr, 10).slice();
  });
}

function predict28(msg) {
  const probs = classify28(msg.img28);
  post(MSG.PREDICTION, { img28: msg.img28, probs, ink: true, rid: msg.rid, source: w.modelSource }, [msg.img28.buffer, probs.buffer]);
}

// INSPECT28: a 28x28 image in [0, 1] (a digit of the misread gallery) read, and looked inside
export function inspect28(msg) {
  inspect(classify28(msg.img28), 'gallery');
  return LATER;
}
