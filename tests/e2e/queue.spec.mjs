// The lab's runs over seeds (issue 33, parts 2 and 3), in the page as a visitor uses it: two
// designs queued over two seeds each with a tiny recipe (640 images, one epoch), reordered,
// paused, the page reloaded while paused and again while a run trains: the queue is kept and
// goes on by itself; the statistics per design (seeds, mean of the final accuracy, how many
// reached 99.4 %) agree with the runs kept; the picture has a point per design, marks the
// Pareto front, names a design on hover and opens it in the editor on a click or Enter; axe
// finds nothing in the panel; Stop ends the queue's run, and an entry is removed.
import { test, expect } from '@playwright/test';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { configure, waitForData } from './helpers.mjs';

// axe-core's findings in the runs panel (as a11y.spec.mjs runs it, there on panels without a queue)
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
async function violations(page) {
  await page.evaluate(`${axeSource}\n;0`);
  return page.evaluate(async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
    const r = await window.axe.run(document.getElementById('runs'), { runOnly: { type: 'tag', values: tags } });
    const where = (v) => v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ');
    return r.violations.map((v) => `${v.id} (${v.impact}): ${where(v)}`);
  });
}

const WIDE = 'c8k3 m2 c16k3 gap fc10', NARROW = 'c4k3 m2 c8k3 gap fc10';
const entries = (page) => page.getByTestId('queue-list').locator('li');
const held = (page) => page.evaluate(() => document.getElementById('queue').dataset.looping === 'no'
  || document.querySelector('[data-testid=status]').textContent === 'paused');
const done = (page) => entries(page).evaluateAll((lis) => lis.reduce((n, li) => n + Number(li.dataset.done), 0));

// the runs kept for a design, a seed run twice counted once (its latest), and their mean final accuracy
const keptMean = (page, spec) => page.evaluate((s) => {
  const bySeed = new Map();
  for (const r of JSON.parse(localStorage.getItem('mnist-in-a-tab-runs') || '[]')) {
    if (r.spec === s && (!bySeed.has(r.seed) || bySeed.get(r.seed).started <= r.started)) bySeed.set(r.seed, r);
  }
  const finals = [...bySeed.values()].map((r) => r.epochs.at(-1).acc);
  return { seeds: finals.length, mean: finals.reduce((a, b) => a + b, 0) / finals.length,
    reached: [...bySeed.values()].filter((r) => r.epochs.some((e) => e.acc >= 99.4)).length };
}, spec);

test('two designs over two seeds: queued, reordered, paused, reloaded twice; the statistics and the picture',
  async ({ page }) => {
  test.setTimeout(240_000);                // five tiny runs and two reloads: about a minute, more on a busy machine
  await page.goto('/');
  await configure(page, { subset: 640, batch: 64, epochs: 1 });
  await page.getByTestId('runs').locator('summary').click();
  for (const spec of [WIDE, NARROW]) {
    await page.getByTestId('queue-design').fill(spec);
    await page.getByTestId('queue-seeds').fill('1-2');
    await page.getByTestId('queue-add').click();
  }
  await expect(entries(page)).toHaveCount(2);
  await page.getByRole('button', { name: 'Move queue entry 2 up' }).click();                 // the narrow one first
  await expect(entries(page).first()).toHaveAttribute('data-spec', NARROW);
  await expect(page.getByRole('button', { name: 'Move queue entry 1 down' })).toBeFocused();   // the focus follows

  await page.getByTestId('queue-start').click();
  await expect(page.getByTestId('queue-state')).toHaveText('running');
  await expect(page.getByTestId('queue')).toHaveAttribute('data-run', 'yes');              // a run of the queue trains
  await page.getByTestId('queue-pause').click();
  await expect(page.getByTestId('queue-state')).toHaveText('paused');
  // held: its run paused in the worker, or (had it just ended) no next one started; a pause in a
  // run's last evaluation is not taken, so a run shown paused stays so
  await expect.poll(() => held(page)).toBe(true);
  const doneAtPause = await done(page);
  expect(doneAtPause).toBeLessThan(4);

  await page.reload();                                                                // paused: kept, and stays paused
  await waitForData(page);
  await page.getByTestId('runs').locator('summary').click();
  await expect(page.getByTestId('queue-state')).toHaveText('paused');
  await expect(entries(page)).toHaveCount(2);
  await expect(entries(page).first()).toHaveAttribute('data-spec', NARROW);
  expect(await done(page)).toBe(doneAtPause);
  await expect(page.getByTestId('status')).toHaveText('idle');
  await page.getByTestId('queue-start').click();                                      // Resume the queue
  await expect(page.getByTestId('queue')).toHaveAttribute('data-run', 'yes');

  await page.reload();                                                                // running: it goes on by itself
  await page.getByTestId('runs').locator('summary').click();
  await expect(entries(page)).toHaveCount(2);
  expect(await done(page), `runs left when the page was reloaded (done at the pause: ${doneAtPause})`).toBeLessThan(4);
  await expect(page.getByTestId('queue-state')).toHaveText('every seed done', { timeout: 150_000 });
  for (const i of [0, 1]) await expect(entries(page).nth(i)).toHaveAttribute('data-done', '2');

  // the statistics: a row per design with its two seeds and the mean of the runs kept
  const rows = page.getByTestId('seed-stats').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  for (const spec of [WIDE, NARROW]) {
    const kept = await keptMean(page, spec), row = rows.and(page.locator(`[data-spec="${spec}"]`));
    expect(kept.seeds).toBe(2);
    await expect(row).toHaveAttribute('data-seeds', '2');
    await expect(row).toHaveAttribute('data-mean', kept.mean.toFixed(4));
    await expect(row).toHaveAttribute('data-reached', String(kept.reached));
    await expect(row).toContainText(`${kept.mean.toFixed(2)} ±`);
  }

  expect(await violations(page), 'axe on the runs panel with the queue, the statistics and the picture').toEqual([]);
  await page.getByTestId('runs').screenshot({ path: 'test-results/screenshots/lab-queue.png' });

  // the picture: a point per design; the fewest parameters and the best mean are on the front
  const points = page.getByTestId('golf-point');
  await expect(points).toHaveCount(2);
  const wide = await keptMean(page, WIDE), narrow = await keptMean(page, NARROW);
  await expect(points.and(page.locator(`[data-spec="${NARROW}"]`))).toHaveAttribute('data-front', 'yes');
  await expect(points.and(page.locator(`[data-spec="${WIDE}"]`)))
    .toHaveAttribute('data-front', wide.mean > narrow.mean ? 'yes' : 'no');
  await expect(page.locator('#golf-chart .golf-budget')).toHaveCount(1);
  await page.getByTestId('golf-macs').check();                                   // multiply-adds: no parameter budget
  await expect(page.locator('#golf-chart .golf-budget')).toHaveCount(0);
  await expect(points).toHaveCount(2);
  await points.and(page.locator(`[data-spec="${WIDE}"]`)).hover();
  await expect(page.getByTestId('golf-focus')).toContainText(WIDE);
  await points.and(page.locator(`[data-spec="${WIDE}"]`)).click();                           // opens it in the editor
  await expect(page.getByTestId('architecture')).toHaveJSProperty('open', true);
  await expect(page.getByTestId('arch-spec')).toHaveValue(WIDE);
  await expect(page.getByTestId('arch-params')).not.toHaveText('15,122');
  await page.mouse.move(0, 0);                                     // the line names what the pointer is on: nothing now
  await points.and(page.locator(`[data-spec="${NARROW}"]`)).focus();                         // and from the keyboard
  await expect(page.getByTestId('golf-focus')).toContainText(NARROW);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('arch-spec')).toHaveValue(NARROW);

  // Stop ends the run going on (20 epochs: no Stop can come after its end) and the queue; an entry is removed
  await page.getByTestId('epochs').fill('20');
  await page.getByTestId('queue-seeds').fill('3');
  await page.getByTestId('queue-add').click();
  await page.getByTestId('queue-start').click();
  await expect(page.getByTestId('queue')).toHaveAttribute('data-run', 'yes');
  await page.getByTestId('queue-stop').click();
  await expect(page.getByTestId('queue')).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('status')).toHaveText('idle');
  await expect(entries(page).nth(2)).toHaveAttribute('data-done', '0');
  await page.getByRole('button', { name: 'Remove queue entry 3' }).click();
  await expect(entries(page)).toHaveCount(2);
});
