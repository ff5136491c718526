// TypeScript declarations of mnist-in-a-tab (web/trainer.js). tests/node/library.test.mjs
// checks that every method and export named here exists, and the other way round.

/** What this browser and build can do, reported when the worker is ready. */
export interface Capabilities {
  isolated: boolean;          // crossOriginIsolated: the page was served with COOP/COEP
  sab: boolean;               // SharedArrayBuffer exists
  simd: boolean;              // WebAssembly SIMD validates
  build: 'threaded' | 'single-threaded';
  relaxed: boolean;           // the threaded build with relaxed SIMD's fused multiply-add is in use
  reason: string;             // why training uses one core, when it does
  threads: number;            // threads in use
  maxThreads: number;
  cores: number;
  gemm: string;               // the matrix-multiply kernels compiled in
  params: number;             // parameters of the network in use
  simdAgrees: boolean;        // the start-up self-test: SIMD dot product == scalar
  distinctThreads: number;    // pool threads seen working in the self-test
  buildId: string;
}

/** A training recipe by field name; every field is optional (the defaults of the core). */
export interface Recipe {
  epochs?: number; batch?: number; lr?: number; optimizer?: 'sgd' | 'adam' | string;
  augment?: boolean; seed?: number | string | bigint; weightDecay?: number; momentum?: number; nesterov?: boolean;
  onecycle?: boolean; pctStart?: number; divFactor?: number; finalDivFactor?: number;
  adamBeta1?: number; adamBeta2?: number; adamEps?: number; rotateDeg?: number; shiftPx?: number;
  dropout?: number; labelSmoothing?: number; augmentEase?: number; ema?: number; emaStart?: number;
  /** worker threads for this run (0: all the build may use) */
  threads?: number;
  /** train on the first N training images only (0: all) */
  subset?: number;
}

export interface TrainerOptions {
  /** folder (URL) holding wasm/ and models/; default: the package's own assets/ */
  base?: string;
  /** 'single-threaded' forces the build without threads */
  build?: 'auto' | 'single-threaded';
  /** false: never the relaxed-SIMD build (the same bits in every engine); default: where the engine has it */
  relaxedSimd?: boolean;
  /** default worker threads of every run */
  threads?: number;
  /** true: every run writes a checkpoint (after each epoch and every 20 s) to this origin's IndexedDB,
   *  which listCheckpoints() lists and resumeCheckpoint(id) resumes; default false */
  checkpoints?: boolean;
  /** makes the Worker (for bundlers that need the call written their way) */
  createWorker?: () => Worker;
}

export interface StartOptions {
  /** load MNIST at once from dataBase (see loadMnist) */
  mnist?: boolean;
  dataBase?: string;
  dataSuffix?: string;
  /** an untrained network of this design instead of the pretrained reference net */
  design?: string;
  singleThreaded?: boolean;
  relaxedSimd?: boolean;
  /** as TrainerOptions.checkpoints */
  checkpoints?: boolean;
}

/** Why a request was refused or failed (TrainerError.code). */
export type ErrorCode = 'refused' | 'busy' | 'invalid' | 'failed' | 'crashed' | 'terminated' | 'aborted';

/** Every promise of a Trainer that does not resolve rejects with one of these. */
export class TrainerError extends Error {
  constructor(code: ErrorCode, message: string, where?: string);
  readonly name: 'TrainerError';
  readonly code: ErrorCode;
  /** the request it answers (its message type: 'load', 'train', 'init', or 'data' for MNIST at start-up) */
  readonly where?: string;
}

export interface Status {
  state: 'idle' | 'training' | 'paused' | 'evaluating' | 'done' | 'teaching';
  design: string; params: number; source: string;
  data: { train: number; test: number } | null;
  runId: string | null;
  /** what is going on: 'start' | 'data' | 'model' | 'evaluate' | 'run' | 'paused' | 'teach' */
  jobs: string[];
}

export interface CheckpointInfo {
  id: string; runId: string; step: number; totalSteps: number; epoch: number; savedAt: string;
  config: Recipe & { init?: string }; finished: boolean;
}

export interface Taught {
  digits: number; heldCount: number; heldBefore: number; heldAfter: number; allCount: number; allBefore: number;
  allAfter: number; mnistBefore: number; mnistAfter: number; steps: number; seconds: number;
}

export interface DataCounts { type: 'data'; train: number; test: number }

export interface OwnData {
  /** n x 784 bytes, 0..255, row by row, bright ink on black (as MNIST) */
  trainImages: Uint8Array; trainLabels: Uint8Array;
  testImages: Uint8Array; testLabels: Uint8Array;
}

export interface EpochEvent {
  type: 'epoch'; runId: string; epoch: number; step: number; testLoss: number; testAcc: number; trainLoss: number;
  perClass: number[]; confusion: number[]; elapsed: number; pauseMs: number;
  gallery: { index: number; truth: number; pred: number; probs: number[]; pixels: Uint8Array }[];
}

export interface ProgressEvent {
  type: 'progress'; runId: string; step: number; totalSteps: number; epoch: number; stepsPerEpoch: number;
  losses: number[]; lr: number; imagesPerSec: number; elapsed: number; threads: number;
}

export interface RunResult { state: 'done' | 'idle'; epochs: EpochEvent[] }

export interface Evaluation { testAcc: number; testLoss: number; perClass: number[]; confusion: number[]; count: number }

export interface Prediction { digit: number; probs: number[] }
export interface DrawingPrediction { digit: number | null; probs: number[]; img28: Float32Array; blank: boolean }

export interface LoadedEvent { type: 'loaded'; source: string; name?: string; design?: string; params?: number }
export interface StateAnswer { state: string }

/** The core's description of a design: counts per layer (src/nn/arch_spec.h). */
/** a layer's settings as the core parsed them (the design editor edits these and writes them back as a token) */
export type LayerSettings =
  | { kind: 'conv'; channels: number; kernel: number; same: boolean; bn: boolean; groups: number; dropout: string }
  | { kind: 'pool'; size: number }
  | { kind: 'gap' }
  | { kind: 'flat' }
  | { kind: 'fc'; channels: number; dropout: string };
/** one layer of a described design: its token, input and output shape [channels, height, width], groups (0: not a
 * convolution), counts and receptive field */
export interface LayerDescription {
  token: string; in: [number, number, number]; out: [number, number, number]; groups: number;
  params: number; macs: number; rf: number; settings: LayerSettings;
}
/** a design as the core reads it: arch is its canonical text form, name the named design's name ("custom" otherwise) */
export interface DesignDescription { arch: string; name: string; params: number; macs: number; layers: LayerDescription[] }

export type EventType = 'ready' | 'progress' | 'epoch' | 'state' | 'prediction' | 'inside' | 'loaded' | 'data'
  | 'data-progress' | 'error' | 'diverged' | 'crashed' | 'checkpointed' | 'teach-progress' | 'taught' | 'worker-failed';

export type ExportFormat = 'onnx' | 'safetensors' | 'pytorch';

export class Trainer {
  constructor(options?: TrainerOptions);
  /** the folder the wasm builds and the pretrained model come from */
  readonly base: string;
  /** what start() found; null until the worker is ready */
  caps: Capabilities | null;
  on(event: 'progress', fn: (m: ProgressEvent) => void): () => void;
  on(event: 'epoch', fn: (m: EpochEvent) => void): () => void;
  on(event: 'loaded', fn: (m: LoadedEvent) => void): () => void;
  on(event: EventType, fn: (m: any) => void): () => void;
  filter(fn: (m: { type: string; [key: string]: unknown }) => boolean): void;
  start(options?: StartOptions): Promise<Capabilities>;
  terminate(): void;
  status(): Promise<Status>;
  loadMnist(base?: string, suffix?: string): Promise<DataCounts>;
  setData(data: OwnData): Promise<DataCounts>;
  train(recipe?: Recipe, how?: { init?: 'scratch' | 'current'; runId?: string; signal?: AbortSignal }): Promise<RunResult>;
  resumeCheckpoint(id: string, options?: { runId?: string; signal?: AbortSignal }): Promise<RunResult>;
  resumeCheckpoint(bytes: ArrayBuffer | Uint8Array, meta: object, runId: string): Promise<RunResult>;
  listCheckpoints(): Promise<CheckpointInfo[]>;
  deleteCheckpoint(id: string): Promise<void>;
  pause(): Promise<StateAnswer>;
  resume(): Promise<StateAnswer>;
  stop(): Promise<StateAnswer>;
  reset(seed?: number | string): Promise<LoadedEvent>;
  evaluate(options?: { signal?: AbortSignal }): Promise<Evaluation>;
  predict(image: Uint8Array | Uint8ClampedArray | Float32Array | number[]): Promise<Prediction>;
  predictDrawing(ink: ArrayLike<number>, w: number, h: number): Promise<DrawingPrediction>;
  postDrawing(ink: ArrayLike<number>, w: number, h: number, options?: { inspect?: boolean }): void;
  inspect(image: Uint8Array | Float32Array | number[]): void;
  /** training: false saves the weights only (no optimiser state or progress), as a shared result does */
  save(options?: { training?: boolean }): Promise<Uint8Array>;
  export(format: ExportFormat): Promise<Uint8Array>;
  load(bytes: ArrayBuffer | Uint8Array, name?: string): Promise<LoadedEvent>;
  loadPretrained(): Promise<LoadedEvent>;
  describe(spec: string): Promise<DesignDescription>;
  setDesign(spec: string, seed?: number | string): Promise<LoadedEvent>;
  teach(labels: Uint8Array, pixels: Uint8Array, settings?: object, options?: { signal?: AbortSignal }): Promise<Taught>;
  writeDigits(labels: Uint8Array, pixels: Uint8Array): Promise<Uint8Array>;
  readDigits(bytes: ArrayBuffer | Uint8Array, name?: string): Promise<{ labels: Uint8Array; pixels: Uint8Array; name: string }>;
}

/** new Trainer(options), then start(options) */
export function createTrainer(options?: TrainerOptions & StartOptions): Promise<Trainer>;
/** throws with the field's own words if a recipe field is unknown or out of range */
export function checkRecipe<R extends Recipe>(recipe: R): R;
export const RECIPE_FIELD_NAMES: readonly string[];
/** every recipe field's type and range as checkRecipe takes it (batch and threads: the app network's limits) */
export const RECIPE_RANGES: Readonly<Record<string, { type: string; min: number | string; max: number | string; choices?: readonly string[] }>>;
export const DEFAULT_CONFIG: Readonly<Required<Omit<Recipe, 'seed'>> & { seed: string | number }>;
export const LIMITS: Readonly<Record<string, number>>;
export const WORKER_FAILED: 'worker-failed';
export const ERROR_CODES: readonly ErrorCode[];
export const EXPORT_FORMATS: readonly ExportFormat[];
