// Playwright: the app in Chromium, headless. Uses Debian's /usr/bin/chromium when present
// (no browser download needed), Playwright's own browser otherwise. Two projects:
//   dev     the Vite dev server (cross-origin isolated by its headers), every spec but deploy
//   static  a build (with the test hooks) served by a plain static server under a sub-path,
//           with no special headers, as GitHub Pages or a university web folder: deploy.spec
// With PREVIEW=1, the dev specs run against `vite build` + `vite preview` instead (the strict
// CSP headers of a configured server).
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const systemChromium = '/usr/bin/chromium';
const preview = !!process.env.PREVIEW;
// MNIST_PORT_OFFSET moves both servers (two checkouts testing side by side never share one)
const portOffset = Number(process.env.MNIST_PORT_OFFSET || 0);
const devPort = (preview ? 4173 : 5173) + portOffset, staticPort = 4174 + portOffset;
export const SUB_PATH = '/mnist-in-a-tab/';
const hooks = { MNIST_TEST_HOOKS: '1' };          // window.mnistApp, armed traps, test wasm modules

const devServer = {
  command: preview
    ? `npx vite build --config vite.config.mjs && npx vite preview --config vite.config.mjs --port ${devPort} --strictPort`
    : `npx vite --config vite.config.mjs --port ${devPort} --strictPort`,
  url: `http://127.0.0.1:${devPort}/`,
  env: hooks,
  reuseExistingServer: !process.env.CI,
  timeout: 60_000,
};
// the build under test is build/dist-a; build/deploy is the symbolic link the server follows
// (deploy.spec switches it to a second build and back)
const staticServer = {
  command: 'MNIST_BUILD_ID=deploy-a npx vite build --config vite.config.mjs --outDir ../build/dist-a --emptyOutDir --logLevel warn'
    + ` && ln -sfn dist-a build/deploy && node scripts/static-server.mjs build/deploy --base ${SUB_PATH} --port ${staticPort}`,
  url: `http://127.0.0.1:${staticPort}${SUB_PATH}`,
  env: hooks,
  reuseExistingServer: !process.env.CI,
  timeout: 120_000,
};

export default defineConfig({
  testDir: 'tests/e2e',
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 15_000 },      // waits are for events; a busy machine only makes them later
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: existsSync(systemChromium) ? systemChromium : undefined,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'dev', testIgnore: /(deploy|install)\.spec/,
      // tests that intercept requests need them unhandled by a service worker (none runs on the dev server anyway)
      use: { baseURL: `http://127.0.0.1:${devPort}`, serviceWorkers: 'block' } },
    ...(preview ? [] : [{ name: 'static', testMatch: /(deploy|hardening|install)\.spec/, use: { baseURL: `http://127.0.0.1:${staticPort}${SUB_PATH}`, serviceWorkers: 'allow' } }]),
  ],
  webServer: preview ? devServer : [devServer, staticServer],
});
