// The page's shell: it makes the worker client, the shared state and the error line, and wires
// the panels (web/panels/), each of which owns its part of the page, its messages and its state.
// No arithmetic on the network happens on the page; everything goes through the worker client.
import './locale.js';               // first: a locale tag Intl refuses must be fixed before uPlot loads
import { MSG, TEST_MSG } from './protocol.js';
import { WorkerClient } from './client.js';
import { createAppState, createErrors } from './ui.js';
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
import './style.css';

const params = new URLSearchParams(location.search);
const client = new WorkerClient(() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
const app = createAppState(), errors = createErrors();

// what the worker reports that no panel answers for: its errors, on the error line
client.on(MSG.ERROR, (m) => errors.show(m.where, m.message));

const startup = createStartup({ client, app, errors, params });
const training = createTraining({ client, app, errors });
// the reading and the inside view need each other: the reading brings the inside view along
// while it is open, and the inside view paints over the image the reading last read
let inside = null;
const reading = createReading({ client, app, wantsInside: () => inside?.isOpen() ?? false });
inside = createInside({ client, drawnImage: reading.drawnImage, readAgain: reading.readAgainIfDrawn });
createEvaluation({ client, app, inspectDigit: (pixels) => inside.showDigit(pixels) });
createTeaching({ client, app, errors, drawing: reading.currentDrawing, afterTeach: reading.clearPad });
createModels({ client, app, errors });
createResume({ client, app, errors, resumeFrom: training.resumeFrom });
createArchitecture({ client, app, errors });
createRuns({ client, app, errors });

// a handle for the browser tests and benchmarks (chart data, state, a drawing classified
// through the worker, the benchmark, an armed trap); absent from a production build
if (__TEST_HOOKS__) {
  window.mnistApp = { charts: training.charts, classifyInk: reading.classifyInk, presets: training.presets,
    bench: async (opts = {}) => (await client.request(TEST_MSG.BENCH, opts)).result,
    debugTrap: (where) => client.send(TEST_MSG.DEBUG_TRAP, { where }),
    get state() { return app.get().status; }, get caps() { return app.get().caps; }, get runId() { return app.get().runId; } };
}

setUpServiceWorker(params).then((sw) => { if (sw !== 'reload') startup.start(); });
reading.changed();
