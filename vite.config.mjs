// Vite: the app's source is web/ (index.html, modules), public/ is served as is (wasm build,
// MNIST data, pretrained model). Every response is cross-origin isolated, so the threaded
// wasm build gets SharedArrayBuffer.
import { defineConfig } from 'vite';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'web',
  publicDir: '../public',
  server: { host: '127.0.0.1', headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
