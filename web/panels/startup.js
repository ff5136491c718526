// Start-up and this browser: the worker started (and replaced when it stalls or crashes), the
// capability panel (isolation, SIMD, threads, build, self-test, offline), MNIST's download and
// check, and the phone's load-on-request. Owns #caps-*, the data readouts and #load-data.
import { MSG } from '../protocol.js';
import { WORKER_FAILED } from '../trainer.js';
import { $, tid } from '../ui.js';

// Start-up cannot hang silently: a worker that has not reported READY in time (some browsers
// stall now and then while creating the pthread pool) is replaced, and after a second stall
// the app starts without threads; the page says so each time.
// (test builds: ?stall=n makes the first n starts stall, and ?startupLimit=ms shortens the
// limit for those starts only, so a slow machine never turns a real start into a "stall")
const STARTUP_LIMIT_MS = 45_000;

export function createStartup({ trainer, app, errors, params }) {
  const data = createDataStatus({ trainer, app, params, errors });
  let startupTimer = 0, startupStalls = 0;

  function start() {
    const testStall = __TEST_HOOKS__ && startupStalls < Number(params.get('stall') || 0);
    const testNoSimd = __TEST_HOOKS__ && params.has('noSimd');
    const limit = ((testStall || testNoSimd) && Number(params.get('startupLimit'))) || STARTUP_LIMIT_MS;
    app.set({ status: 'loading' });
    clearTimeout(startupTimer);
    startupTimer = setTimeout(() => {
      startupStalls++;
      trainer.terminate();
      errors.show('startup', startupStalls === 1
        ? `The training worker did not start within ${limit / 1000} s; it was restarted.`
        : 'The training worker stalled again while starting its threads; it was restarted without threads (one core).');
      start();
    }, limit);
    // every URL relative to this document: the app works from any folder of any static host
    // the app keeps a checkpoint of every run (the resume offer after a reload); the library's default is none
    trainer.start({ dataBase: data.base, dataSuffix: '.gz.bin', singleThreaded: startupStalls >= 2, checkpoints: true,
      mnist: data.loadNow(), design: params.get('arch') || undefined,      // a shared design link
      ...(__TEST_HOOKS__ ? { testStall, testNoSimd, relaxedSimd: params.has('noRelaxed') ? false : undefined } : {}) }).catch(startFailed);
  }

  // start() refused: the worker cannot start here (no SIMD, no module: restarting it would only
  // replace the reason with "stalled", again and again), or it started but MNIST did not load
  function startFailed(e) {
    if (e.code === 'terminated' || e.code === 'crashed') return;     // replaced by the watchdog, or said by crashed()
    if (e.where === 'data') { errors.show('data', e.message); return; }
    clearTimeout(startupTimer);
    app.set({ status: 'failed' });
    errors.show('init', e.message);
  }

  // The worker died or its WebAssembly trapped: say so, keep the checkpoint, offer a restart.
  // A crashed worker must stay silent: what it still says is counted, not shown.
  function crashed(message) {
    if (app.get().status === 'crashed') return;   // the first report names the cause; later ones are its echoes
    app.set({ status: 'crashed', dataReady: false });
    errors.show('worker', `The training worker crashed (${message}). Nothing is lost that was checkpointed: the last `
      + `completed epoch is saved in this browser. Press Restart to start a fresh worker and resume from it.`);
    errors.element.dataset.late = '0';
    const restart = document.createElement('button');
    restart.textContent = 'Restart';
    restart.dataset.testid = 'restart';
    restart.addEventListener('click', () => {
      trainer.terminate();
      app.set({ caps: null });                    // the new worker reports its own when it is ready
      errors.hide('worker');
      start();
    });
    errors.element.appendChild(restart);
  }
  trainer.filter(() => {
    if (app.get().status !== 'crashed') return true;
    errors.element.dataset.late = String(Number(errors.element.dataset.late || 0) + 1);
    return false;
  });
  trainer.on(MSG.CRASHED, (m) => crashed(m.message));
  trainer.on(WORKER_FAILED, (m) => crashed(m.message));

  trainer.on(MSG.READY, () => clearTimeout(startupTimer));
  const capsPanel = createCapsPanel({ trainer, app, errors });
  app.on('change', (patch) => { if (patch.dataReady === true) capsPanel.showOfflineStatus(); });

  tid('build-id').textContent = __BUILD_ID__;
  return { start };
}

// the capability panel: what the worker found (READY's caps) and whether the app works offline
function createCapsPanel({ trainer, app, errors }) {
  function showCaps(c) {
    if (c.buildId !== __BUILD_ID__) errors.show('version', 'This page and its worker come from different versions of '
      + 'the app. Reload the page.');
    tid('isolated').textContent = c.isolated ? 'yes' : 'no';
    tid('simd').textContent = c.simd && c.simdCompiled ? 'yes' : 'no';
    tid('threads-in-use').textContent = String(c.threads);
    tid('build').textContent = `${c.build} (${c.gemm} kernels)`;
    tid('selftest').textContent = `SIMD ${c.simdAgrees ? 'agrees with scalar' : 'DISAGREES with scalar'}; ${c.distinctThreads} distinct thread${c.distinctThreads === 1 ? '' : 's'} did work`;
    tid('selftest').dataset.threads = String(c.distinctThreads);
    const reason = tid('threads-reason');
    reason.hidden = !c.reason;
    reason.textContent = c.reason;
    app.set({ caps: c });
    summarizeCaps();
  }
  trainer.on(MSG.READY, (m) => showCaps(m.caps));

  // the folded capability panel's one line
  function summarizeCaps() {
    const caps = app.get().caps;
    if (!caps) return;
    const threads = caps.threads > 1 ? `${caps.threads} threads` : 'one core';
    tid('caps-summary').textContent = `This browser: ${threads}, WebAssembly SIMD ${caps.simd && caps.simdCompiled ? 'on' : 'off'}, works offline: ${tid('offline').textContent}. Details`;
  }

  // "Works offline": whether this version's offline copy (app and MNIST) is complete
  async function showOfflineStatus() {
    const sw = 'serviceWorker' in navigator ? navigator.serviceWorker.controller : null;
    if (!sw) { tid('offline').textContent = import.meta.env.PROD ? 'no' : 'no (development server)'; summarizeCaps(); return; }
    const status = await new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = (e) => resolve(e.data);
      sw.postMessage({ type: 'status' }, [ch.port2]);
      setTimeout(() => resolve({ complete: false }), 10_000);
    });
    tid('offline').textContent = status.complete ? 'yes' : 'no';
    summarizeCaps();
  }

  return { showOfflineStatus };
}

// MNIST's download and check. On a phone (a coarse pointer) the 11 MB load only when asked for:
// the draw pad and the pretrained model do not need them. ?data= (another folder for MNIST) is
// for the test builds' damaged-file tests only: in the app, a shared link must not choose where
// the data comes from.
function createDataStatus({ trainer, app, params, errors }) {
  const dataParam = __TEST_HOOKS__ ? params.get('data') : null;
  const onRequest = matchMedia('(pointer: coarse)').matches && !dataParam;
  let requested = false;
  if (onRequest) {
    $('load-data').hidden = false;
    tid('data-status').textContent = 'MNIST (11 MB) loads when you want to train; the draw pad does not need it.';
    $('load-data').addEventListener('click', () => {
      requested = true;
      $('load-data').hidden = true;
      tid('data-status').textContent = 'Loading…';
      trainer.loadMnist().catch(errors.of('data'));
    });
  }
  trainer.on(MSG.DATA_PROGRESS, (m) => {
    const bar = tid('data-progress');
    bar.max = m.total || 1; bar.value = m.loaded;
    tid('data-status').textContent = `Downloading MNIST: ${(m.loaded / 1e6).toFixed(1)} of ${(m.total / 1e6).toFixed(1)} MB.`;
  });
  trainer.on(MSG.DATA, (m) => {
    tid('train-count').textContent = String(m.train);
    tid('test-count').textContent = String(m.test);
    tid('data-status').textContent = 'MNIST loaded and checked.';
    tid('data-progress').value = tid('data-progress').max;
    const status = app.get().status;
    app.set({ dataReady: true, status: status === 'loading' ? 'idle' : status });
  });
  // base: where MNIST comes from; loadNow(): whether a starting worker loads it at once
  return { base: dataParam || 'data/', loadNow: () => !onRequest || requested };
}
