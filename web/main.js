// The page's shell: it makes the trainer (web/trainer.js: the worker and its API), the shared state and the error line, and wires
// the panels (web/panels/), each of which owns its part of the page, its messages and its state.
// No arithmetic on the network happens on the page; everything goes through the trainer.
import './locale.js';               // first: a locale tag Intl refuses must be fixed before uPlot loads
import { MSG } from './protocol.js';
import { Trainer } from './trainer.js';
import { $, createAppState, createErrors } from './ui.js';
import { setUpServiceWorker } from './service-worker-setup.js';
import { createStartup } from './panels/startup.js';
import { createTraining } from './panels/training.js';
import { createEvaluation } from './panels/evaluation.js';
import { createReading } from './panels/reading.js';
import { createInside } from './panels/inside.js';
import { createTeaching } from './panels/teaching.js';
import { createModels } from './panels/models.js';
import { createResume } from './panels/resume.js';
import { createArchitecture } from './panels/architecture.js';
import { createRuns } from './panels/runs.js';
import { createSeedStats } from './panels/seed-stats.js';
import { createGolfChart, openInEditor } from './panels/golf-chart.js';
import { createQueue } from './panels/queue.js';
import { createInstall } from './panels/install.js';
import { createDesignBar } from './panels/design-bar.js';
import { createRooms } from './panels/rooms.js';
import { createShare } from './panels/share.js';
import './style.css';

const params = new URLSearchParams(location.search);
// the same public API the npm package offers (web/trainer.js); the wasm build, the pretrained
// model and MNIST are found relative to this document: the app works from any folder of any host
const trainer = new Trainer({ base: new URL('./', document.baseURI).href });
const app = createAppState(), errors = createErrors();

// what the worker reports that no panel answers for: its errors, on the error line
trainer.on(MSG.ERROR, (m) => errors.show(m.where, m.message));

const startup = createStartup({ trainer, app, errors, params });
const training = createTraining({ trainer, app, errors });
// the reading and the inside view need each other: the reading brings the inside view along
// while it is open, and the inside view paints over the image the reading last read
let inside = null;
const reading = createReading({ trainer, app, wantsInside: () => inside?.isOpen() ?? false });
inside = createInside({ trainer, drawnImage: reading.drawnImage, readAgain: reading.readAgainIfDrawn });
createEvaluation({ trainer, app, inspectDigit: (pixels) => inside.showDigit(pixels) });
createTeaching({ trainer, app, errors, drawing: reading.currentDrawing, afterTeach: reading.clearPad });
createModels({ trainer, app, errors });
createResume({ trainer, app, errors, resumeFrom: training.resumeFrom });
const architecture = createArchitecture({ trainer, app, errors });
const runs = createRuns({ trainer, app, errors });
// the lab's runs over seeds and the picture read the runs table's list, again whenever the table is drawn anew
const runsChanged = (listener) => new MutationObserver(listener)
  .observe($('runs-table').tBodies[0], { childList: true });
createSeedStats({ runs: () => runs.runs, changed: runsChanged });
createGolfChart({ app, runs: () => runs.runs, changed: runsChanged, openInEditor });
createQueue({ trainer, app, errors, training, specNow: () => architecture.spec });
createInstall();
createDesignBar({ trainer, app });
createRooms();
createShare({ trainer, app, errors, params, training });

// a handle for the browser tests and benchmarks (chart data, state, a drawing classified
// through the worker, the benchmark, an armed trap, the page's trainer and the Trainer class of
// this test build, for the library's own tests); absent from a production build
if (__TEST_HOOKS__) {
  window.mnistApp = { charts: training.charts, classifyInk: reading.classifyInk, presets: training.presets, trainer, Trainer,
    bench: (opts = {}) => trainer.benchmark(opts),
    debugTrap: (where) => trainer.debugTrap(where),
    get state() { return app.get().status; }, get caps() { return app.get().caps; }, get runId() { return app.get().runId; } };
}

setUpServiceWorker(params).then((sw) => { if (sw !== 'reload') startup.start(); });
reading.changed();
