// The soak's growth trend (bench/trend.mjs): a series growing at a known rate gives that rate
// per hour whatever its noise pattern, a flat series with noise gives a slope within its
// standard error, the quarter medians ignore a spike at either end, and too few samples give
// no trend rather than a made-up one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastSquares, median, trend } from '../../bench/trend.mjs';

// samples every 10 s with value(t)
const series = (n, value) => Array.from({ length: n }, (_, i) => ({ t_s: 10 * i, v: value(10 * i, i) }));

test('a steady growth is found at its rate per hour, noise or not', () => {
  const perSecond = 1000 / 3600;                                  // 1000 bytes an hour
  const clean = trend(series(360, (t) => 5e6 + perSecond * t), 'v');
  assert.equal(clean.slope_per_hour, 1000);
  assert.equal(clean.slope_se_per_hour, 0);
  const wobble = [300, -200, 100, -300, 200, -100];               // zero-sum, repeating
  const noisy = trend(series(360, (t, i) => 5e6 + perSecond * t + wobble[i % 6]), 'v');
  assert.ok(Math.abs(noisy.slope_per_hour - 1000) < 3 * noisy.slope_se_per_hour + 1, JSON.stringify(noisy));
  assert.ok(noisy.quarter_change > 0);
});

test('a flat series with noise: a slope within its error, quarters equal', () => {
  const wobble = [300, -200, 100, -300, 200, -100];
  const flat = trend(series(360, (t, i) => 5e6 + wobble[i % 6]), 'v');
  assert.ok(Math.abs(flat.slope_per_hour) <= 2 * flat.slope_se_per_hour, JSON.stringify(flat));
  assert.equal(flat.quarter_change, 0);
  assert.equal(flat.quarter_change_percent, 0);
  assert.equal(flat.min, 5e6 - 300);
  assert.equal(flat.max, 5e6 + 300);
});

test('the quarter medians are not moved by a spike at the ends; the slope is', () => {
  const spiky = trend(series(40, (t, i) => (i === 39 ? 9e6 : 5e6)), 'v');
  assert.equal(spiky.quarter_change, 0);
  assert.ok(spiky.slope_per_hour > 0);
});

test('too few samples, or samples without the value: no trend', () => {
  assert.equal(trend(series(3, () => 1), 'v'), null);
  assert.equal(trend([...series(3, () => 1), { t_s: 40, v: null }, { t_s: 50 }], 'v'), null);
  assert.ok(Number.isNaN(leastSquares([[1, 2]]).slope));
  assert.ok(Number.isNaN(leastSquares([[1, 2], [1, 3], [1, 4]]).slope));
});

test('median of odd and even counts, unsorted input left as it was', () => {
  const v = [3, 1, 2];
  assert.equal(median(v), 2);
  assert.deepEqual(v, [3, 1, 2]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
