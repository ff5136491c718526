// The picture the exercise is played on: test accuracy against parameters (log scale; a toggle
// puts multiply-adds per image there instead) for every design and recipe run here, one point
// each at the mean over its seeds with the seeds as faint points; the 99.4 % line, the budget
// line (the editor's budget, 20,000 unless changed; parameters only) and the Pareto front (no
// other point has as few or fewer and as high or higher, one of them strictly) ringed and
// joined. Each point is a button: hovering or focusing names its design, a click, Enter or
// Space opens it in the editor. An SVG drawn here; paretoFront() is pure. Owns #golf.
import { $ } from '../ui.js';
import { designStats, TARGET } from './seed-stats.js';

// points: [{ x, y }] -> a boolean per point: on the front (fewest x for at least that y)
export function paretoFront(points) {
  return points.map((p) => !points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y)));
}

// the design in the editor, the way a typed text form gets there (the editor reads #arch-spec on change), and the
// editor opened
export function openInEditor(spec) {
  const input = $('arch-spec'), editor = $('architecture');
  input.value = spec;
  input.dispatchEvent(new Event('change'));
  editor.open = true;
  editor.scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
}

const SVG = 'http://www.w3.org/2000/svg', W = 640, H = 320, LEFT = 60, RIGHT = 16, TOP = 14, BOTTOM = 46;
const nf = (x) => Math.round(x).toLocaleString('en-US');
const short = (x) => (x >= 1e6 ? `${+(x / 1e6).toPrecision(3)}M`
  : x >= 1e3 ? `${+(x / 1e3).toPrecision(3)}k` : String(x));
function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// the axes' ranges and mappings: x on a log scale (the budget line inside it), y linear with the 99.4 % line inside it
function scales(groups, xOf, budget) {
  const xs = groups.map(xOf).concat(budget ? [budget] : []), ys = groups.flatMap((g) => g.seeds.map((s) => s.final));
  const x0 = Math.log10(Math.min(...xs) / 1.6), x1 = Math.log10(Math.max(...xs) * 1.6);
  const y0 = Math.min(...ys, TARGET - 0.4) - 0.1, y1 = Math.min(100, Math.max(...ys, TARGET + 0.2) + 0.1);
  return { x0, x1, y0, y1, x: (v) => LEFT + (Math.log10(v) - x0) / (x1 - x0) * (W - LEFT - RIGHT),
    y: (v) => TOP + (y1 - v) / (y1 - y0) * (H - TOP - BOTTOM) };
}

function axes(svg, s, xTitle) {
  svg.append(el('line', { x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM, class: 'golf-axis' }),
    el('line', { x1: LEFT, y1: TOP, x2: LEFT, y2: H - BOTTOM, class: 'golf-axis' }));
  for (let e = Math.floor(s.x0); e <= Math.ceil(s.x1); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e, lv = Math.log10(v);
      if (lv < s.x0 || lv > s.x1) continue;
      svg.append(el('text', { x: s.x(v), y: H - BOTTOM + 16, class: 'golf-tick', 'text-anchor': 'middle' }, short(v)));
    }
  }
  const span = s.y1 - s.y0, step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20].find((t) => span / t <= 6) || 50;
  for (let v = Math.ceil(s.y0 / step) * step; v <= s.y1 + 1e-9; v += step) {
    const label = v.toFixed(step < 1 ? 1 : 0);
    svg.append(el('text', { x: LEFT - 6, y: s.y(v) + 4, class: 'golf-tick', 'text-anchor': 'end' }, label));
  }
  svg.append(el('text', { x: (LEFT + W - RIGHT) / 2, y: H - 8, class: 'golf-title', 'text-anchor': 'middle' }, xTitle),
    el('text', { x: 14, y: (TOP + H - BOTTOM) / 2, class: 'golf-title', 'text-anchor': 'middle',
      transform: `rotate(-90 14 ${(TOP + H - BOTTOM) / 2})` }, 'test accuracy %'));
}

// runs(): the runs table's list; changed(listener): called when it may have changed; openInEditor(spec)
export function createGolfChart({ app, runs, changed, openInEditor }) {
  const svg = $('golf-chart'), focusLine = $('golf-focus'), macsToggle = $('golf-macs');
  let budget = 20000;

  function render() {
    const groups = designStats(runs()), useMacs = macsToggle.checked;
    const xOf = (g) => Math.max(1, useMacs ? g.macs : g.params);
    svg.replaceChildren();
    $('golf-empty').hidden = groups.length > 0;
    svg.hidden = groups.length === 0;
    if (!groups.length) return;
    const s = scales(groups, xOf, useMacs ? 0 : budget);
    axes(svg, s, useMacs ? 'multiply-adds per image (log scale)' : 'parameters (log scale)');
    svg.append(el('line', { x1: LEFT, x2: W - RIGHT, y1: s.y(TARGET), y2: s.y(TARGET), class: 'golf-target' }),
      el('text', { x: LEFT + 4, y: s.y(TARGET) - 4, class: 'golf-label' }, '99.4 %'));
    if (!useMacs) {
      svg.append(el('line', { x1: s.x(budget), x2: s.x(budget), y1: TOP, y2: H - BOTTOM, class: 'golf-budget' }),
        el('text', { x: s.x(budget) - 4, y: H - BOTTOM - 6, class: 'golf-label', 'text-anchor': 'end' },
          `budget ${nf(budget)}`));
    }
    const front = paretoFront(groups.map((g) => ({ x: xOf(g), y: g.mean })));
    const onFront = groups.filter((g, i) => front[i]).sort((a, b) => xOf(a) - xOf(b));
    const frontLine = onFront.map((g) => `${s.x(xOf(g))},${s.y(g.mean)}`).join(' ');
    svg.append(el('polyline', { class: 'golf-front', points: frontLine }));
    for (const g of groups) {
      for (const seed of g.seeds) {
        const faint = { cx: s.x(xOf(g)), cy: s.y(seed.final), r: 3, class: 'golf-seed', 'aria-hidden': 'true' };
        svg.append(el('circle', faint));
      }
    }
    const order = groups.map((g, i) => i).sort((a, b) => xOf(groups[a]) - xOf(groups[b]));
    for (const i of order) svg.append(point(groups[i], front[i], s.x(xOf(groups[i])), s.y(groups[i].mean)));
  }

  function point(g, isFront, cx, cy) {
    const what = `${g.spec}: ${nf(g.params)} parameters, ${nf(g.macs)} multiply-adds, ${g.mean.toFixed(2)} % mean of `
      + `${g.n} `
      + `seed${g.n > 1 ? 's' : ''} (${g.recipe})${isFront ? ', on the Pareto front' : ''}`;
    const p = el('g', { class: `golf-point${isFront ? ' front' : ''}`, role: 'button', tabindex: 0,
      'aria-label': `${what}. Open in the editor`, 'data-spec': g.spec, 'data-front': isFront ? 'yes' : 'no',
      'data-testid': 'golf-point' });
    p.append(el('title', {}, what), el('circle', { cx, cy, r: 14, class: 'golf-hit' }),
      el('circle', { cx, cy, r: isFront ? 7 : 6, class: 'golf-dot' }));
    const name = () => { focusLine.textContent = what; };
    p.addEventListener('mouseenter', name);
    p.addEventListener('focus', name);
    p.addEventListener('click', () => openInEditor(g.spec));
    p.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      openInEditor(g.spec);
    });
    return p;
  }

  macsToggle.addEventListener('change', render);
  app.on('budget', (value) => { budget = value; render(); });
  changed(render);
  render();
  return { render };
}
