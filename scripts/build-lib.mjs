// The npm package of the trainer (docs/library.md): web/trainer.js and every module it and the
// worker import, as plain ES modules (no bundling: a page can import them as they are, and a
// bundler sees `new Worker(new URL('./worker.js', import.meta.url))` as it does in the app), the
// production wasm builds and the pretrained model under assets/, the TypeScript declarations,
// then `npm pack`. The build-time constants of the app become the package's: no test hooks,
// the package's version as the build id.
// Usage: node scripts/build-lib.mjs  ->  build/lib/mnist-in-a-tab-<version>.tgz (path printed)
//        node scripts/build-lib.mjs --test-hooks  ->  build/lib-test/...: the same package with the
//        test builds' hooks kept (debugTrap, benchmark) and their wasm modules (assets/wasm-test/),
//        for tests/e2e/model-based.spec.mjs; never published
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testHooks = process.argv.includes('--test-hooks');
const web = path.join(root, 'web'), out = path.join(root, testHooks ? 'build/lib-test' : 'build/lib'), pkgDir = path.join(out, 'package');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

// every module reachable by relative imports from the entry points
function modules(entries) {
  const seen = new Set(), todo = [...entries];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(path.join(web, file), 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = m[1] || m[2];
      todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    }
    for (const m of text.matchAll(/new URL\(\s*['"](\.\/[^'"]+\.js)['"],\s*import\.meta\.url\)/g)) todo.push(path.posix.join(path.posix.dirname(file), m[1]));
  }
  return [...seen].sort();
}

rmSync(out, { recursive: true, force: true });
mkdirSync(pkgDir, { recursive: true });
const files = modules(['trainer.js', 'worker.js']);
for (const f of files) {
  const text = readFileSync(path.join(web, f), 'utf8')
    .replaceAll('__TEST_HOOKS__', String(testHooks))
    .replaceAll('__BUILD_ID__', JSON.stringify(`mnist-in-a-tab@${version}`));
  if (/import\.meta\.env/.test(text)) throw new Error(`${f} uses import.meta.env, which only Vite defines`);
  mkdirSync(path.dirname(path.join(pkgDir, f)), { recursive: true });
  writeFileSync(path.join(pkgDir, f), text);
}
writeFileSync(path.join(pkgDir, 'index.js'), "// mnist-in-a-tab: the trainer's public API (docs/library.md)\nexport * "
  + "from './trainer.js';\n");
copyFileSync(path.join(root, 'lib/index.d.ts'), path.join(pkgDir, 'index.d.ts'));
copyFileSync(path.join(root, 'lib/README.md'), path.join(pkgDir, 'README.md'));

const assets = [['public/wasm', 'wasm', ['mnist-mt.mjs', 'mnist-mt.wasm', 'mnist-mt.worker.js', 'mnist-mt-relaxed.mjs', 'mnist-mt-relaxed.wasm',
  'mnist-mt-relaxed.worker.js', 'mnist-st.mjs', 'mnist-st.wasm']],
  ['public/models', 'models', ['reference.bin']],
  ...(testHooks ? [['public/wasm-test', 'wasm-test', ['mnist-mt-test.mjs', 'mnist-mt-test.wasm', 'mnist-mt-test.worker.js',
    'mnist-mt-relaxed-test.mjs', 'mnist-mt-relaxed-test.wasm', 'mnist-mt-relaxed-test.worker.js', 'mnist-st-test.mjs', 'mnist-st-test.wasm']]] : [])];
for (const [from, to, names] of assets) {
  mkdirSync(path.join(pkgDir, 'assets', to), { recursive: true });
  for (const n of names) {
    const src = path.join(root, from, n);
    if (!existsSync(src)) throw new Error(`${from}/${n} is missing: build the wasm modules first (./run.sh build)`);
    copyFileSync(src, path.join(pkgDir, 'assets', to, n));
  }
}

writeFileSync(path.join(pkgDir, 'package.json'), `${JSON.stringify({
  name: 'mnist-in-a-tab',
  version,
  description: 'Train a small CNN on MNIST (or your own 28x28 images) in a Web Worker: C compiled to WebAssembly with '
    + 'SIMD and threads.',
  type: 'module',
  main: './index.js',
  types: './index.d.ts',
  exports: { '.': { types: './index.d.ts', default: './index.js' }, './assets/*': './assets/*' },
  sideEffects: false,
  keywords: ['mnist', 'cnn', 'webassembly', 'wasm', 'simd', 'training', 'web-worker'],
}, null, 2)}\n`);

const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8' }).trim().split('\n').pop();
console.log(path.join(out, tgz));
