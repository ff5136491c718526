// Vite: the app's source is web/ (index.html, modules), public/ is served as is (wasm build,
// MNIST data, pretrained model, service worker). Every response is cross-origin isolated (the
// threaded wasm build needs SharedArrayBuffer) and carries a strict Content-Security-Policy:
// scripts only from this origin, no eval; 'wasm-unsafe-eval' is what compiling WebAssembly
// needs. The dev server also needs inline <style> (Vite injects imported CSS that way);
// the built app (vite preview) does not.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vite';

// Test hooks (window.mnistApp, the armed trap, the in-page benchmark and the wasm modules with
// test exports in public/wasm-test/) only when MNIST_TEST_HOOKS=1, which the Playwright config
// and the benchmarks set; `npm start` and `npm run build` give the app without them.
const testHooks = process.env.MNIST_TEST_HOOKS === '1';
// Offline copy for the service worker (public/sw.js): after a build, precache.json lists every
// file of the build but the MNIST data (cached when first loaded) and sw.js, and the hash of
// all of them becomes the worker's VERSION, so every deploy of different files is a new version;
// the build also writes the app's Content-Security-Policy into it (__CSP__).
const precache = {
  name: 'precache-manifest',
  apply: 'build',
  closeBundle() {
    const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)]));
    const files = walk(outDir).map((f) => path.relative(outDir, f).split(path.sep).join('/'))
      .filter((f) => f !== 'sw.js' && f !== 'precache.json' && !f.startsWith('data/')).sort();
    const hash = createHash('sha256');
    for (const f of files) hash.update(f).update(readFileSync(path.join(outDir, f)));
    const version = hash.digest('hex').slice(0, 16);
    writeFileSync(path.join(outDir, 'precache.json'), JSON.stringify({ version, files }, null, 1));
    const sw = path.join(outDir, 'sw.js');
    // the service worker adds the production policy where the host sends none (a plain static host)
    writeFileSync(sw, readFileSync(sw, 'utf8').replace("'__BUILD_VERSION__'", `'${version}'`).replace("'__CSP__'", JSON.stringify(csp(false))));
  },
};

let outDir = '';
const withoutTestModules = {
  name: 'without-test-modules',
  apply: 'build',
  configResolved(config) { outDir = path.resolve(config.root, config.build.outDir); },
  closeBundle() { if (!testHooks) rmSync(path.join(outDir, 'wasm-test'), { recursive: true, force: true }); },
};

const csp = (devStyles) => [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  `style-src 'self'${devStyles ? " 'unsafe-inline'" : ''}`,
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const headers = (devStyles) => ({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': csp(devStyles),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

export default defineConfig({
  root: 'web',
  base: './',                       // relative URLs: the build runs from any folder of any static host
  define: {
    __TEST_HOOKS__: JSON.stringify(testHooks),
    // which build a page and its worker come from (they must be the same: tests/e2e/deploy.spec.mjs)
    __BUILD_ID__: JSON.stringify(process.env.MNIST_BUILD_ID || `${Date.now().toString(36)}`),
  },
  plugins: [withoutTestModules, precache],
  publicDir: '../public',
  server: { host: '127.0.0.1', headers: headers(true) },
  preview: { host: '127.0.0.1', headers: headers(false) },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
