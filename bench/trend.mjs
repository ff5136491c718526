// The growth trend of a measured series (the soak's memory figures against time), so that "no
// growth" is a number: the least-squares slope per hour with its standard error, and the median
// of the first quarter of the samples against the median of the last quarter (a slope can be
// pulled by a few outliers at either end; the medians cannot). Pure functions, no I/O.

export function median(values) {
  const v = [...values].sort((a, b) => a - b), mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// points: [t, value] pairs; the slope of value over t, and its standard error (NaN for fewer
// than three points or one t only). The samples of a soak follow each other closely, so the
// error is a lower bound: read it as a scale, not as a test.
export function leastSquares(points) {
  const n = points.length;
  if (n < 2) return { slope: NaN, intercept: NaN, se: NaN };
  const mt = points.reduce((s, [t]) => s + t, 0) / n, mv = points.reduce((s, [, v]) => s + v, 0) / n;
  let stt = 0, stv = 0;
  for (const [t, v] of points) { stt += (t - mt) ** 2; stv += (t - mt) * (v - mv); }
  if (stt === 0) return { slope: NaN, intercept: NaN, se: NaN };
  const slope = stv / stt, intercept = mv - slope * mt;
  const residual = points.reduce((s, [t, v]) => s + (v - intercept - slope * t) ** 2, 0);
  const se = n > 2 ? Math.sqrt(residual / (n - 2) / stt) : NaN;
  return { slope, intercept, se };
}

const round = (x) => (Number.isFinite(x) ? Math.round(x) : null);

// samples: objects with t_s (seconds) and the key; those without a finite value are left out.
// null when fewer than four samples have one (no quarters to compare).
export function trend(samples, key) {
  const points = samples.filter((s) => Number.isFinite(s[key])).map((s) => [s.t_s, s[key]]);
  if (points.length < 4) return null;
  const values = points.map(([, v]) => v), quarter = Math.floor(points.length / 4);
  const { slope, se } = leastSquares(points);
  const firstQuarter = median(values.slice(0, quarter)), lastQuarter = median(values.slice(-quarter));
  return {
    samples: points.length, from_s: points[0][0], to_s: points.at(-1)[0],
    first: values[0], last: values.at(-1), min: Math.min(...values), max: Math.max(...values), median: median(values),
    slope_per_hour: round(slope * 3600), slope_se_per_hour: round(se * 3600),
    first_quarter_median: firstQuarter, last_quarter_median: lastQuarter, quarter_change: lastQuarter - firstQuarter,
    quarter_change_percent: firstQuarter ? +((100 * (lastQuarter - firstQuarter)) / firstQuarter).toFixed(2) : null,
  };
}
