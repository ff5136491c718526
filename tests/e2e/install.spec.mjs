// Installable: the production build under a sub-path on a plain static host passes Chromium's
// installability check (CDP Page.getInstallabilityErrors is empty), the browser reads the
// manifest without errors, and every URL in it resolves under the sub-path to a file of the
// right type (icons of the sizes they claim). A persistent profile: Chromium refuses to install
// from an off-the-record one ("in-incognito"), which is what a Playwright context is.
import { test, expect, chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import config, { SUB_PATH } from '../../playwright.config.mjs';

test('the build under a sub-path is installable; its manifest resolves there', async ({ baseURL }) => {
  test.setTimeout(240_000);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mnist-install-'));
  const context = await chromium.launchPersistentContext(profile, { ...config.use.launchOptions, serviceWorkers: 'allow' });
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(baseURL);
    // the service worker controls the page (the first visit reloads once through it)
    await expect(page.getByTestId('isolated')).toHaveText('yes', { timeout: 120_000 });
    const cdp = await context.newCDPSession(page);
    let errors = null;
    for (let i = 0; i < 30; i++) {            // the check needs the manifest and icons fetched first
      ({ installabilityErrors: errors } = await cdp.send('Page.getInstallabilityErrors'));
      if (errors.length === 0) break;
      await page.waitForTimeout(1000);
    }
    expect(errors, JSON.stringify(errors)).toEqual([]);
    const { url, errors: parseErrors } = await cdp.send('Page.getAppManifest');
    expect(parseErrors).toEqual([]);
    expect(new URL(url).pathname).toBe(`${SUB_PATH}manifest.webmanifest`);

    const manifest = await (await page.request.get(url)).json();
    expect(manifest).toMatchObject({ name: 'MNIST in a tab', short_name: 'MNIST', display: 'standalone' });
    for (const key of ['start_url', 'scope', 'id']) expect(new URL(manifest[key], url).pathname, key).toBe(SUB_PATH);
    const sizes = new Set();
    for (const icon of manifest.icons) {
      const at = new URL(icon.src, url);
      expect(at.pathname.startsWith(SUB_PATH), icon.src).toBe(true);
      const res = await page.request.get(at.href);
      expect(res.status(), icon.src).toBe(200);
      expect(res.headers()['content-type']).toBe('image/png');
      const png = await res.body();
      const side = png.readUInt32BE(16);
      expect(`${side}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
      sizes.add(side);
    }
    expect([...sizes].sort((a, b) => a - b)).toEqual([192, 512]);
    expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
    // the page links the manifest and says the theme colour
    await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', './manifest.webmanifest');
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', manifest.theme_color);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
