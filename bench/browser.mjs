// Shared by the browser benchmarks: start the Vite dev server on a port and headless Chromium
// (Debian's /usr/bin/chromium when present), and stop both afterwards.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// dir: the checkout to serve (another one for bench/alternate.mjs)
export async function withAppInChromium(port, fn, dir = root) {
  const server = spawn('npx', ['vite', '--config', 'vite.config.mjs', '--port', String(port), '--strictPort'],
    { cwd: dir, stdio: 'ignore', detached: true, env: { ...process.env, MNIST_TEST_HOOKS: '1' } });
  let browser;
  try {
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break; } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await chromium.launch({ executablePath: existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    return await fn(browser, `http://127.0.0.1:${port}`);
  } finally {
    await browser?.close();
    try { process.kill(-server.pid); } catch { /* already gone */ }
  }
}
