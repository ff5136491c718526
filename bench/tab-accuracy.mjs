// The full reference run inside the tab (a benchmark, not a test): opens the app in headless
// Chromium, presses Train with the reference recipe (10 epochs of all 60,000 images, batch 128,
// OneCycle peak 0.1, augmentation; the reference preset), waits for the end, downloads the run
// report and writes bench/results/tab-accuracy.json plus the line between the tab markers in
// docs/performance.md. Usage: node bench/tab-accuracy.mjs [--epochs N] [--seed N]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine as machineInfo } from './machine.mjs';
import { root, withAppInChromium } from './browser.mjs';

const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const epochs = Number(arg('--epochs', 10)), seed = Number(arg('--seed', 1));
await withAppInChromium(5198, async (browser, url) => {
  const page = await browser.newPage({ acceptDownloads: true });
  await page.goto(`${url}/?nosw`);
  await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 120000 });
  await page.getByTestId('preset').selectOption('reference');        // the reference recipe, not the app's default
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('seed').fill(String(seed));
  const t0 = Date.now();
  await page.getByTestId('train').click();
  let last = '';
  while ((await page.getByTestId('status').textContent()) !== 'done') {
    await page.waitForTimeout(5000);
    const acc = await page.getByTestId('test-accuracy').textContent();
    if (acc !== last) {
      console.error(`[tab] ${((Date.now() - t0) / 1000).toFixed(0)} s: `
        + `epoch ${await page.getByTestId('epoch').textContent()}, test accuracy ${acc}`);
      last = acc;
    }
    if ((await page.getByTestId('error').isVisible())) throw new Error(await page.getByTestId('error').textContent());
  }
  const wall = (Date.now() - t0) / 1000;
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const result = { date: new Date().toISOString(), browser: browser.version(),
    machine: `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores`, cpu: machineInfo(),
    wall_seconds: wall, report };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/tab-accuracy.json'), JSON.stringify(result, null, 2) + '\n');
  const accs = report.epochs.map((e) => e.test_acc.toFixed(2)).join(', ');
  const line = `In the tab (headless Chromium ${browser.version()}, ${report.capabilities.threads} threads, `
    + `${result.machine}): ${epochs} epochs, seed ${seed}, defaults — final test accuracy `
    + `**${report.final_test_accuracy.toFixed(2)} %** after ${(wall / 60).toFixed(1)} minutes wall time `
    + `(evaluation after every epoch included; `
    + `median ${Math.round(report.images_per_second_median)} training images/s). `
    + `Per epoch: ${accs}. From \`bench/results/tab-accuracy.json\` (\`node bench/tab-accuracy.mjs\`).\n`;
  const docPath = path.join(root, 'docs', 'performance.md');
  const doc = readFileSync(docPath, 'utf8');
  const re = /(<!-- tab:begin -->\n)[\s\S]*?(<!-- tab:end -->)/;
  if (re.test(doc)) writeFileSync(docPath, doc.replace(re, `$1${line}$2`));
  console.log(line);
});
