// The draw pad: Pointer Events (mouse, touch, pen) on a canvas, strokes kept as point lists
// so Undo can redraw, ink read back as intensities in [0, 1] for the worker. The stroke width
// is a fourteenth of the canvas side: a digit drawn about as tall as the pad then has strokes
// about as thick, relative to its height, as MNIST's after the 20-pixel size normalisation.
export class DrawPad {
  // onChange(ink) runs at most once per animation frame; onDirty() runs at once on every change
  constructor(canvas, onChange, onDirty = () => {}) {
    this.canvas = canvas;
    this.onDirty = onDirty;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;
    this.strokes = [];
    this.current = null;
    this.frame = 0;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
    this.redraw();
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * this.canvas.width) / r.width, ((e.clientY - r.top) * this.canvas.height) / r.height];
  }

  down(e) {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.redraw();
  }

  move(e) {
    if (!this.current) return;
    for (const ev of e.getCoalescedEvents ? e.getCoalescedEvents() : [e]) this.current.push(this.point(ev));
    this.redraw();
  }

  up() {
    if (!this.current) return;
    this.current = null;
    this.changed();
  }

  clear() { this.strokes = []; this.redraw(); this.changed(); }
  undo() { this.strokes.pop(); this.redraw(); this.changed(); }

  redraw() {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#000';
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    for (const s of this.strokes) {
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      if (s.length === 1) ctx.lineTo(s[0][0] + 0.01, s[0][1]);
      for (const [x, y] of s.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();
    }
    if (this.current) this.changed();
  }

  // at most one change notification per animation frame
  changed() {
    this.onDirty();
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.onChange(this.ink()); });
  }

  get pending() { return this.frame !== 0; }

  ink() {
    const { width: w, height: h } = this.canvas;
    const px = this.ctx.getImageData(0, 0, w, h).data, ink = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) ink[i] = 1 - px[4 * i] / 255;
    return { ink, w, h, empty: this.strokes.length === 0 };
  }
}
