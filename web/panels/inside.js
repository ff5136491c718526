// Inside the network: every conv layer's channels after BatchNorm and ReLU, the first layer's
// filters, and the saliency of the class read, in red over the input. The worker computes the
// view only while the panel is open (PREDICT { inspect }), with the prediction it belongs to;
// opening the panel asks for the current drawing's. Owns #inside and what it holds.
import { MSG } from '../protocol.js';
import { $, tile, tiles } from '../ui.js';

// drawnImage(): the 28x28 input of the last drawing read; readAgain(): asks for the drawing's
// prediction (with the inside view, since the panel is open)
export function createInside({ trainer, drawnImage, readAgain }) {
  const panel = $('inside');
  let openedForGallery = false, galleryImage = null;
  panel.addEventListener('toggle', () => {
    if (openedForGallery) { openedForGallery = false; return; }        // the gallery digit's view is on its way
    if (panel.open) readAgain();
  });

  trainer.on(MSG.INSIDE, (m) => {
    const layersBox = $('inside-layers');
    m.layers.forEach((l, c) => {
      let div = layersBox.children[c];
      if (!div) {
        div = document.createElement('div');
        div.className = 'inside-layer';
        div.dataset.testid = `inside-layer-${c + 1}`;
        div.append(document.createElement('h3'), Object.assign(document.createElement('div'), { className: 'tiles' }));
        layersBox.appendChild(div);
      }
      div.firstChild.textContent = `Convolution ${c + 1}: ${l.K} channels of ${l.P}×${l.Q} (after BatchNorm or its bias, and ReLU)`;
      let hi = 0;
      for (const v of l.data) if (v > hi) hi = v;
      tiles(div.lastChild, l.K).forEach((cv, k) => tile(cv, l.Q, l.P, l.data, k * l.P * l.Q, 0, hi));
    });
    // a design with fewer convolutions
    while (layersBox.children.length > m.layers.length) layersBox.lastChild.remove();
    const f = m.filters, per = f.C * f.R * f.R;
    $('inside-filters-caption').textContent = `Layer 1's filters (${f.R}×${f.R}; dark: positive weight, light: negative)`;
    let fmax = 0;
    for (const v of f.data) fmax = Math.max(fmax, Math.abs(v));
    tiles($('inside-filters'), f.K).forEach((cv, k) => tile(cv, f.R, f.R, f.data, k * per, -fmax, fmax));
    paintSaliency(m.source === 'gallery' ? galleryImage : drawnImage(), m.saliency, m.digit);
    panel.dataset.source = m.source;
    panel.dataset.updates = String(Number(panel.dataset.updates) + 1);
  });

  // the input in grey, the saliency's magnitude in red over it
  function paintSaliency(input, saliency, digit) {
    const sal = $('saliency'), ctx = sal.getContext('2d'), img = ctx.createImageData(28, 28);
    let smax = 0;
    for (const v of saliency) smax = Math.max(smax, Math.abs(v));
    for (let i = 0; i < 784; i++) {
      const g = 255 * (1 - (input ? input[i] : 0)), a = smax ? Math.abs(saliency[i]) / smax : 0;
      img.data[4 * i] = Math.round(g * (1 - a) + 220 * a); img.data[4 * i + 1] = Math.round(g * (1 - a) + 30 * a);
      img.data[4 * i + 2] = Math.round(g * (1 - a) + 30 * a); img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    sal.dataset.digit = String(digit);
  }

  return {
    isOpen: () => panel.open,
    // a test digit (pixels 0..255) read and looked inside
    showDigit(pixels) {
      galleryImage = Float32Array.from(pixels, (v) => v / 255);
      if (!panel.open) { openedForGallery = true; panel.open = true; }
      const img28 = galleryImage.slice();
      trainer.inspect(img28);
      panel.scrollIntoView({ block: 'start' });
    },
  };
}
