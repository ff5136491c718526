// The lab's arithmetic, without a browser: the statistics over seeds (mean, sample sd, worst
// seed, how many reached 99.4 % and at which epoch, a seed run twice counted once with its
// latest run), the Pareto front (fewest parameters for at least that accuracy, ties kept), the
// queue's seed lists and its next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { designStats } from '../../web/panels/seed-stats.js';
import { paretoFront } from '../../web/panels/golf-chart.js';
import { parseSeeds, nextJob } from '../../web/panels/queue.js';

const run = (spec, seed, accs, started = '2026-01-01', recipe = 'fast, 3 epochs') => ({ spec, seed: String(seed),
  recipe, started, params: spec.length, macs: 10 * spec.length,
  epochs: accs.map((acc, i) => ({ epoch: i + 1, acc, loss: 0.1, elapsed: i })) });

test('statistics over seeds: mean ± sd, the worst seed, 99.4 % reached and at which epoch', () => {
  const runs = [run('a', 1, [99.0, 99.41, 99.5]), run('a', 2, [99.4, 99.3, 99.2]), run('a', 3, [98.0, 99.0, 99.1]),
    run('bb', 1, [99.6, 99.7])];
  const [a, b] = designStats(runs);
  assert.equal(a.spec, 'a');
  assert.equal(a.n, 3);
  assert.ok(Math.abs(a.mean - (99.5 + 99.2 + 99.1) / 3) < 1e-12);
  const m = a.mean, sd = Math.sqrt(((99.5 - m) ** 2 + (99.2 - m) ** 2 + (99.1 - m) ** 2) / 2);
  assert.ok(Math.abs(a.sd - sd) < 1e-12);
  assert.deepEqual({ seed: a.worst.seed, final: a.worst.final }, { seed: '3', final: 99.1 });
  assert.equal(a.reached, 2);                // seed 1 at epoch 2, seed 2 at epoch 1 (not at the end: still counted)
  assert.equal(a.reachedMin, 1);
  assert.equal(a.reachedMedian, 1.5);
  assert.deepEqual([b.n, b.sd, b.reached, b.reachedMin], [1, 0, 1, 1]);
});

test('a seed run twice counts once, with its latest run; another recipe is another group', () => {
  const stats = designStats([run('a', 1, [90], '2026-01-02'), run('a', 1, [95], '2026-01-01'), run('a', 2, [97]),
    run('a', 1, [99.5], '2026-01-01', 'fast, 1 epochs')]);
  assert.equal(stats.length, 2);
  assert.deepEqual([stats[0].n, stats[0].mean], [2, (90 + 97) / 2]);
  assert.deepEqual([stats[1].n, stats[1].recipe], [1, 'fast, 1 epochs']);
});

test('the Pareto front: no other point as small and as accurate, one of them strictly', () => {
  const points = [{ x: 15122, y: 99.3 }, { x: 7722, y: 99.4 }, { x: 20066, y: 99.2 }, { x: 18962, y: 99.5 },
    { x: 7722, y: 99.4 }, { x: 5000, y: 98 }, { x: 7722, y: 99.1 }];
  assert.deepEqual(paretoFront(points), [false, true, false, true, true, true, false]);
  assert.deepEqual(paretoFront([{ x: 1, y: 1 }]), [true]);
});

test('seed lists: ranges and single seeds, in order, no repeats, 64-bit seeds; bad ones refused with why', () => {
  assert.deepEqual(parseSeeds('1-5'), ['1', '2', '3', '4', '5']);
  assert.deepEqual(parseSeeds('3, 1 2-3,9'), ['3', '1', '2', '9']);
  assert.deepEqual(parseSeeds('18446744073709551614-18446744073709551615'),
    ['18446744073709551614', '18446744073709551615']);
  assert.throws(() => parseSeeds(''), /no seeds/);
  assert.throws(() => parseSeeds('5-1'), /goes down/);
  assert.throws(() => parseSeeds('1-1000'), /at most 100/);
  assert.throws(() => parseSeeds('x'), /"x" is not a seed/);
});

test('the next run: the first entry in order with a seed not done, its first such seed', () => {
  const entries = [{ id: 'q1', seeds: ['1', '2'], done: ['1', '2'] }, { id: 'q2', seeds: ['4', '5'], done: ['4'] }];
  assert.deepEqual(nextJob(entries), { entry: entries[1], seed: '5' });
  entries[1].done.push('5');
  assert.equal(nextJob(entries), null);
});
