// A monkey test of the page: seeded random sequences of real UI actions (only the controls a
// person could use at that moment), with the app's invariants checked after every action:
// no page error or unhandled rejection; the status is a documented state and the buttons agree
// with it; within a run the step never goes back; the epochs charted are the shown run's own,
// in order; the checkpoint is never ahead of the run; my digits are never lost; the reading
// settles. A failure names the seed and the actions so far, so it replays:
//   MONKEY_SEEDS=17 MONKEY_ACTIONS=60 CI=1 npx playwright test tests/e2e/monkey.spec.mjs
// (the suite keeps a fixed set; run many seeds while developing).
import { test, expect } from '@playwright/test';
import { configure, draw, settled, waitForData } from './helpers.mjs';
import { DIGITS } from '../../scripts/digits.mjs';

const SEEDS = (process.env.MONKEY_SEEDS || '1,2,3').split(',').map(Number);
const ACTIONS = Number(process.env.MONKEY_ACTIONS || 18);
const SMALL = { subset: 640, batch: 64, epochs: 3 };      // 10 steps an epoch: evaluations come often
const STATES = ['loading', 'idle', 'training', 'paused', 'evaluating', 'done', 'teaching', 'crashed', 'failed'];

function rng(seed) {                               // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enabled = async (page, id) => {
  const el = page.getByTestId(id);
  return (await el.count()) > 0 && await el.isVisible() && await el.isEnabled();
};
const text = async (page, id) => (await page.getByTestId(id).textContent()).trim();

// name -> { can(page, world): may a person do it now, run(page, world) }
const ACTIONS_TABLE = {
  'train from scratch': { can: (p) => enabled(p, 'train'), run: async (p) => { await p.getByTestId('start-scratch').check(); await p.getByTestId('train').click(); } },
  'train the current model': { can: (p) => enabled(p, 'train'), run: async (p) => { await p.getByTestId('start-current').check(); await p.getByTestId('train').click(); } },
  pause: { can: (p) => enabled(p, 'pause'), run: (p) => p.getByTestId('pause').click() },
  resume: { can: (p) => enabled(p, 'resume'), run: (p) => p.getByTestId('resume').click() },
  // the run goes back to its checkpoint: its steps start again from there
  'resume on the offer': {
    can: (p) => enabled(p, 'resume-checkpoint'),
    run: async (p, world) => { await p.getByTestId('resume-checkpoint').click(); world.step = 0; },
  },
  stop: { can: (p) => enabled(p, 'stop'), run: (p) => p.getByTestId('stop').click() },
  reset: { can: (p) => enabled(p, 'reset'), run: (p) => p.getByTestId('reset').click() },
  'load pretrained': { can: (p) => enabled(p, 'load-pretrained'), run: (p) => p.getByTestId('load-pretrained').click() },
  'save model': {
    can: (p) => enabled(p, 'save-model'),
    run: async (p, world, info) => {
      const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('save-model').click()]);
      world.saved = info.outputPath(`model-${world.seed}-${world.log.length}.bin`);
      await download.saveAs(world.saved);
    },
  },
  'load the saved model': { can: async (p, world) => !!world.saved && await enabled(p, 'load-model'), run: (p, world) => p.getByTestId('load-model').setInputFiles(world.saved) },
  draw: {
    can: async (p) => (await text(p, 'status')) !== 'crashed',
    run: async (p, world) => { await p.getByTestId('clear').click(); await draw(p, DIGITS[world.digit()]); },
  },
  'teach the drawing': {
    can: async (p) => await enabled(p, 'teach-0') && (await text(p, 'prediction')) !== '–' && (await text(p, 'status')) !== 'crashed',
    run: async (p, world) => {
      const before = Number(await text(p, 'my-digits-count'));
      await p.getByTestId(`teach-${world.digit()}`).click();
      await expect.poll(async () => Number(await text(p, 'my-digits-count'))).toBe(before + 1);
      world.myDigits = before + 1;
    },
  },
  'fine-tune': { can: (p) => enabled(p, 'finetune'), run: (p) => p.getByTestId('finetune').click() },
  'open or close the inside view': { can: async () => true, run: (p) => p.locator('#inside > summary').click() },
  reload: {
    can: async () => true,
    run: async (p) => { await p.reload(); await configure(p, SMALL); },
  },
  'trap, then restart': {
    can: async (p) => ['training', 'evaluating', 'idle', 'done', 'paused', 'teaching'].includes(await text(p, 'status')),
    run: async (p) => {
      // the next reading traps: a drawing asks for one at any moment
      await p.evaluate(() => window.mnistApp.debugTrap('prediction'));
      await p.getByTestId('clear').click();
      await draw(p, DIGITS[4]).catch(() => {});              // the reading never settles: the worker is dead
      await expect(p.getByTestId('status')).toHaveText('crashed', { timeout: 60_000 });
      await p.getByTestId('restart').click();
      await waitForData(p);
    },
  },
};

async function invariants(page, world) {
  expect(world.pageErrors, 'no page error or unhandled rejection').toEqual([]);
  const status = await text(page, 'status');
  expect(STATES, `status "${status}" is a documented state`).toContain(status);
  const busy = status === 'training' || status === 'evaluating';
  if (status !== 'loading') {
    expect(await page.getByTestId('pause').isEnabled(), `Pause agrees with "${status}"`).toBe(busy);
    expect(await page.getByTestId('resume').isEnabled(), `Resume agrees with "${status}"`).toBe(status === 'paused');
    if (busy || status === 'paused' || status === 'teaching' || status === 'crashed') expect(await page.getByTestId('train').isEnabled(), `Train agrees with "${status}"`).toBe(false);
  }
  const { runId, epochs, step } = await page.evaluate(() => ({ runId: window.mnistApp.runId, epochs: window.mnistApp.charts.epochs.slice(),
    step: Number(document.querySelector('[data-testid="step"]').textContent) }));
  if (runId && runId === world.runId) expect(step, 'the step never goes back within a run').toBeGreaterThanOrEqual(world.step);
  world.runId = runId; world.step = step;
  expect(epochs, 'the epochs charted are one run\'s, in order').toEqual(epochs.map((_, i) => (epochs[0] ?? 1) + i));
  const checkpoint = Number(await text(page, 'checkpoint-step'));
  if (Number.isFinite(checkpoint) && runId) expect(checkpoint, 'the checkpoint is never ahead of the run').toBeLessThanOrEqual(step);
  await expect.poll(async () => Number(await text(page, 'my-digits-count')), { message: 'my digits are never lost', timeout: 15_000 }).toBe(world.myDigits);
  if (status !== 'crashed' && status !== 'loading') await settled(page);
}

for (const seed of SEEDS) {
  test(`monkey, seed ${seed}: ${ACTIONS} random actions keep the app's invariants`, async ({ page }, info) => {
    test.setTimeout(240_000);
    const random = rng(seed);
    const world = { seed, log: [], pageErrors: [], myDigits: 0, runId: null, step: 0, saved: null, digit: () => Math.floor(random() * 10) };
    page.on('pageerror', (e) => world.pageErrors.push(String(e)));
    await page.goto('/');
    await configure(page, SMALL);
    try {
      for (let i = 0; i < ACTIONS; i++) {
        const possible = [];
        for (const [name, a] of Object.entries(ACTIONS_TABLE)) if (await a.can(page, world)) possible.push(name);
        const name = possible[Math.floor(random() * possible.length)];
        world.log.push(name);
        await ACTIONS_TABLE[name].run(page, world, info);
        await page.waitForTimeout(100 + Math.floor(random() * 400));
        await invariants(page, world);
      }
    } catch (e) {
      e.message = `monkey seed ${seed}, after: ${world.log.join(' → ')}\n${e.message}`;
      throw e;
    }
  });
}
