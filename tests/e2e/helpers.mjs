// Shared helpers for the browser tests.
import { expect } from '@playwright/test';

// Draws strokes on the draw pad; each stroke is a list of [x, y] in 0..1 of the canvas.
export async function draw(page, strokes) {
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  for (const stroke of strokes) {
    const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const p of stroke.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
    await page.mouse.up();
  }
  await settled(page);
}

// Waits until the reading shows the newest drawing with the newest weights (no frame, request
// or queued request outstanding) — an event, not a delay, so a busy machine only makes it later.
export async function settled(page) {
  await expect(page.getByTestId('prediction')).toHaveAttribute('data-settled', 'yes', { timeout: 30_000 });
}

// Waits until the run's checkpoint in IndexedDB is complete up to at least `step`.
export async function checkpointed(page, step) {
  await expect.poll(async () => Number(await page.getByTestId('checkpoint-step').textContent()) || 0,
    { timeout: 90_000 }).toBeGreaterThanOrEqual(step);
}

export async function waitForData(page) {
  await expect(page.getByTestId('train-count')).toHaveText('60000', { timeout: 60_000 });
}

export async function probabilities(page) {
  return page.getByTestId('probabilities').locator('li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.p)));
}

// Fills the training form (waits for MNIST first); lr only when given.
export async function configure(page, { subset = 2560, batch = 64, epochs = 8, lr } = {}) {
  await waitForData(page);
  await page.getByTestId('subset').fill(String(subset));
  await page.getByTestId('batch-size').fill(String(batch));
  await page.getByTestId('epochs').fill(String(epochs));
  if (lr !== undefined) await page.getByTestId('learning-rate').fill(String(lr));
}

// A fixed drawing (a thick diagonal bar) classified through the page's worker path; run it in
// the page with page.evaluate(classifyBlob). Needs the test build's window.mnistApp.
export const classifyBlob = () => {
  const w = 100, h = 100, ink = new Float32Array(w * h);
  for (let y = 10; y < 90; y++) for (let x = 0; x < w; x++) if (Math.abs(x - 30 - y * 0.4) < 6) ink[y * w + x] = 1;
  return window.mnistApp.classifyInk(ink, w, h);
};
