// The Architecture panel's epoch-time estimate against the epoch time measured in the tab, for
// every named design: in Chromium, one after another, the design is chosen and applied in the
// panel, its estimate read (made from the speed measured on the run before, or, for the first,
// from bench/results/designs.json), then one epoch of all 60,000 images trained; measured
// = 60,000 / the run's median training images/s (the run report's). Target: within 25 %.
//   node bench/epoch-estimate.mjs   (after ./run.sh build). Writes bench/results/epoch-estimate.json.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root, withAppInChromium } from './browser.mjs';
import { machine } from './machine.mjs';
import { DESIGNS } from '../scripts/contract.mjs';

const rows = await withAppInChromium(5193, async (browser, url) => {
  const page = await browser.newPage({ acceptDownloads: true });
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
  await page.getByTestId('architecture').locator('summary').click();
  await page.getByTestId('epochs').fill('1');
  await page.getByTestId('subset').fill('0');
  const out = [];
  for (const d of DESIGNS) {
    await page.getByTestId('arch-named').selectOption(d.name);
    await page.getByTestId('arch-apply').click();
    await page.getByTestId('model-status').filter({ hasText: 'The new design is loaded' }).waitFor();
    const estimate = Number((await page.getByTestId('arch-epoch').textContent()).replace(/[^\d.]/g, ''));
    await page.getByTestId('train').click();
    await page.getByTestId('status').filter({ hasText: 'done' }).waitFor({ timeout: 300000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
    const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
    const measured = 60000 / report.images_per_second_median;
    out.push({ design: d.name, estimate_s: estimate, measured_s: measured, error: estimate / measured - 1 });
    console.error(`${d.name}: estimated ${estimate} s, measured ${measured.toFixed(1)} s `
      + `(${(100 * (estimate / measured - 1)).toFixed(1)} %)`);
  }
  return { browser: browser.version(), out };
});
writeFileSync(path.join(root, 'bench', 'results', 'epoch-estimate.json'),
  JSON.stringify({ date: new Date().toISOString(), machine: machine(), browser: rows.browser,
    designs: rows.out }, null, 2) + '\n');
console.log('| design | estimate (s) | measured (s) | difference |\n|---|---|---|---|');
for (const r of rows.out) {
  console.log(`| ${r.design} | ${r.estimate_s} | ${r.measured_s.toFixed(1)} | ${(100 * r.error).toFixed(1)} % |`);
}
