// Live charts with uPlot: training loss per step (raw, faint, and an exponential moving
// average), test loss and accuracy per epoch, learning rate per step. Redraws are batched to
// one per animation frame however fast the worker reports. A chart without data shows, over its
// empty axes, the text that says what it will show (its `empty` element) until data arrives.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const EMA = 0.98;

function size(el) { return { width: Math.max(260, el.clientWidth || 320), height: 200 }; }

export class Charts {
  constructor({ loss, epoch, lr }, empty = {}) {
    this.el = { loss, epoch, lr };
    this.empty = empty;
    this.logScale = false;
    this.reset();
    this.pending = false;
    addEventListener('resize', () => this.resize());
  }

  reset() {
    this.steps = []; this.raw = []; this.ema = []; this.lrs = [];
    this.epochs = []; this.testLoss = []; this.testAcc = [];
    this.emaValue = null; this.emaWeight = 0;
    this.build();
  }

  build() {
    for (const k of ['loss', 'epoch', 'lr']) { this[k]?.destroy(); this.el[k].textContent = ''; }
    // axes titled; the accuracy axis zoomed to the data (95-100 % once the network is good);
    // number formats fixed (not the browser's locale); the legend shows the latest values
    // without hovering (draw() points it at the last point)
    const num = (v) => (v == null ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
    const ticks = (u, vals) => vals.map(num);
    const accRange = (u, min, max) => (min == null ? [0, 100] : [Math.max(0, Math.min(95, Math.floor(min - 0.5))), 100]);
    this.loss = new uPlot({ ...size(this.el.loss), scales: { x: { time: false }, y: { distr: this.logScale ? 3 : 1 } },
      series: [{ label: 'step', value: (u, v) => (v == null ? '–' : String(v)) },
        { label: 'loss', stroke: 'rgba(40,90,200,0.25)', width: 1, value: (u, v) => num(v) },
        { label: 'smoothed', stroke: 'rgb(40,90,200)', width: 2, value: (u, v) => num(v) }],
      axes: [{ label: 'step' }, { label: 'loss', size: 60, values: ticks }] }, [this.steps, this.raw, this.ema], this.el.loss);
    this.epoch = new uPlot({ ...size(this.el.epoch), scales: { x: { time: false }, y: { distr: this.logScale ? 3 : 1 }, acc: { range: accRange } },
      series: [{ label: 'epoch', value: (u, v) => (v == null ? '–' : String(v)) },
        { label: 'test loss', stroke: 'rgb(200,80,40)', width: 2, points: { show: true }, value: (u, v) => num(v) },
        { label: 'test accuracy %', stroke: 'rgb(30,150,70)', width: 2, scale: 'acc', points: { show: true }, value: (u, v) => (v == null ? '–' : `${v.toFixed(2)} %`) }],
      axes: [{ label: 'epoch' }, { label: 'test loss', size: 60, values: ticks }, { label: 'accuracy %', scale: 'acc', side: 1, grid: { show: false }, size: 60, values: ticks }] },
    [this.epochs, this.testLoss, this.testAcc], this.el.epoch);
    this.lr = new uPlot({ ...size(this.el.lr), scales: { x: { time: false } },
      series: [{ label: 'step', value: (u, v) => (v == null ? '–' : String(v)) },
        { label: 'learning rate', stroke: 'rgb(120,60,160)', width: 2, value: (u, v) => (v == null ? '–' : v.toPrecision(3)) }],
      axes: [{ label: 'step' }, { label: 'learning rate', size: 60, values: ticks }] }, [this.steps, this.lrs], this.el.lr);
    this.showEmpty();
  }

  // each chart's empty-state text is shown exactly while it has no data
  showEmpty() {
    const points = { loss: this.steps.length, epoch: this.epochs.length, lr: this.steps.length };
    for (const [k, n] of Object.entries(points)) if (this.empty[k]) this.empty[k].hidden = n > 0;
  }

  setLogScale(on) { this.logScale = on; this.build(); }

  resize() {
    for (const k of ['loss', 'epoch', 'lr']) this[k].setSize(size(this.el[k]));
  }

  addSteps(firstStep, losses, lr) {
    losses.forEach((l, i) => {
      this.steps.push(firstStep + i);
      this.raw.push(l);
      this.emaWeight = EMA * this.emaWeight + (1 - EMA);
      this.emaValue = (this.emaValue ?? 0) * EMA + (1 - EMA) * l;
      this.ema.push(this.emaValue / this.emaWeight);          // bias-corrected like Adam's moments
      this.lrs.push(lr);
    });
    this.schedule();
  }

  addEpoch(epoch, testLoss, testAcc) {
    this.epochs.push(epoch); this.testLoss.push(testLoss); this.testAcc.push(testAcc);
    this.schedule();
  }

  // Redraw at most 4 times a second: in a headless browser without a GPU every redraw is
  // rasterised on the same two cores the training threads use, and fewer redraws keep the
  // page's frames on time.
  schedule() {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, 250 - (performance.now() - (this.lastDraw || 0)));
    setTimeout(() => requestAnimationFrame(() => { this.lastDraw = performance.now(); this.draw(); }), wait);
  }

  draw() {
    {
      this.pending = false;
      this.loss.setData([this.steps, this.raw, this.ema]);
      this.epoch.setData([this.epochs, this.testLoss, this.testAcc]);
      this.lr.setData([this.steps, this.lrs]);
      this.showEmpty();
      // the latest values in the legends, with no cursor needed (touch has none)
      for (const [u, n] of [[this.loss, this.steps.length], [this.epoch, this.epochs.length], [this.lr, this.steps.length]])
        if (n && !(u.cursor.left >= 0)) u.setLegend({ idx: n - 1 });     // not while someone hovers
    }
  }
}
