// Playwright: the app in Chromium, headless. Uses Debian's /usr/bin/chromium when present
// (no browser download needed), Playwright's own browser otherwise. Starts the Vite dev
// server itself (or vite build + preview with PREVIEW=1).
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const systemChromium = '/usr/bin/chromium';
const preview = !!process.env.PREVIEW;
const port = preview ? 4173 : 5173;

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 15_000 },      // waits are for events; a busy machine only makes them later
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    serviceWorkers: 'block',          // tests that intercept requests need them unhandled; offline.spec allows them
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: preview
      ? `npx vite build --config vite.config.mjs && npx vite preview --config vite.config.mjs --port ${port} --strictPort`
      : `npx vite --config vite.config.mjs --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    env: { MNIST_TEST_HOOKS: '1' },          // window.mnistApp, armed traps, test wasm modules
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
