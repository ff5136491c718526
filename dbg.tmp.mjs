import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
const page = await b.newPage();
page.on('console', m => { if (m.type() !== 'debug') console.log('console', m.type(), m.text()); });
page.on('pageerror', e => console.log('pageerror', e.message));
await page.goto('http://127.0.0.1:5190/');
await page.getByTestId('train-count').filter({ hasText: '60000' }).waitFor({ timeout: 60000 });
await page.getByTestId('subset').fill('4000');
await page.getByTestId('epochs').fill('2');
await page.getByTestId('train').click();
for (let i = 0; i < 12; i++) {
  await page.waitForTimeout(2500);
  console.log(await page.getByTestId('status').textContent(), await page.getByTestId('step').textContent(), await page.getByTestId('loss').textContent(), await page.getByTestId('images-per-second').textContent(), await page.getByTestId('test-accuracy').textContent(), await page.getByTestId('error').textContent());
}
await page.screenshot({ path: '/tmp/shot.png', fullPage: true });
await b.close();
