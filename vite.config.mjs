// Vite: the app's source is web/ (index.html, modules), public/ is served as is (wasm build,
// MNIST data, pretrained model, service worker). Every response is cross-origin isolated (the
// threaded wasm build needs SharedArrayBuffer) and carries a strict Content-Security-Policy:
// scripts only from this origin, no eval; 'wasm-unsafe-eval' is what compiling WebAssembly
// needs. The dev server also needs inline <style> (Vite injects imported CSS that way);
// the built app (vite preview) does not.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vite';

// Test hooks (window.mnistApp, the armed trap, the in-page benchmark and the wasm modules with
// test exports in public/wasm-test/) only when MNIST_TEST_HOOKS=1, which the Playwright config
// and the benchmarks set; `npm start` and `npm run build` give the app without them.
const testHooks = process.env.MNIST_TEST_HOOKS === '1';
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
  define: { __TEST_HOOKS__: JSON.stringify(testHooks) },
  plugins: [withoutTestModules],
  publicDir: '../public',
  server: { host: '127.0.0.1', headers: headers(true) },
  preview: { host: '127.0.0.1', headers: headers(false) },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
