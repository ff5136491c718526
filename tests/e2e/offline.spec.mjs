// Offline: after one visit the service worker has the app, the wasm build, the model and
// MNIST; with the network cut off the page loads, trains a few steps and reads a drawing.
import { test, expect } from '@playwright/test';
import { configure, draw, waitForData } from './helpers.mjs';
import { DIGITS } from './digits.mjs';

test.use({ serviceWorkers: 'allow' });

test('works offline after the first visit', async ({ page, context }) => {
  await page.goto('/');
  await waitForData(page);
  await expect(page.getByTestId('offline')).toHaveText('yes', { timeout: 60_000 });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('isolated')).toHaveText('yes');
  await configure(page, { subset: 256, batch: 32, epochs: 1 });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 60_000 });
  expect(Number(await page.getByTestId('step').textContent())).toBe(8);
  await page.getByTestId('load-pretrained').click();
  await expect(page.getByTestId('model-status')).toContainText('pretrained');
  await draw(page, DIGITS[2]);
  await expect(page.getByTestId('prediction')).toHaveText('2');
  await context.setOffline(false);
});
