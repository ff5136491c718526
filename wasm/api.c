/* api.c - the functions the web worker calls (Emscripten specifics live in this folder only).
 *
 * One global model: a Net (max batch WASM_MAX_BATCH), its Trainer, the data set the worker
 * handed over (copied into wasm memory and owned here), and an evaluation accumulator.
 * Every entry point does a bounded amount of work and returns: V8 keeps a wasm call that
 * loops for long in its baseline tier, and the worker must stay free to answer messages.
 * Errors: functions return nonzero and api_error() holds the message.
 * What crosses the boundary is defined once in src/runtime/contract.h: configuration fields by id
 * (checked against their ranges here), the progress and evaluation records' order, limits.
 * Test hooks (a trap armed at a chosen point, kernel self-checks, the peak micro-benchmark)
 * live in api_test.c and exist only in the test builds (MNIST_TEST_HOOKS). */
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include "data/idx.h"
#include "kernels/gemm.h"
#include "formats/model_any.h"
#include "formats/export_onnx.h"
#include "formats/safetensors.h"
#include "formats/export_pytorch.h"
#include "data/preprocess.h"
#include "runtime/probe.h"
#include "train/trainer.h"
#include "train/teach.h"
#include "train/reading.h"
#include "formats/my_digits.h"
#include "runtime/contract.h"
#include "nn/arch_spec.h"
#include "train/memory_plan.h"
#include <malloc.h>
#include <unistd.h>

#define WASM_MAX_BATCH LIMIT_MAX_BATCH
#define API EMSCRIPTEN_KEEPALIVE

static char error_text[512];
static Net *net;
static Trainer trainer;
static int trainer_ready;
static uint8_t *files[4];
static IdxView views[4];
static int view_ok[4];
static EvalAccum eval_acc;
static TrainConfig config;            /* the recipe being set field by field (api_config_set) */
static void teach_end(void);          /* a fine-tune in progress ends with the network it teaches */

#ifdef MNIST_TEST_HOOKS
void api_test_trap_point(int where);   /* api_test.c: traps if a test armed this point */
#define TRAP_POINT(where) api_test_trap_point(where)
#else
#define TRAP_POINT(where) ((void)0)
#endif
enum { TRAP_TRAIN = 1, TRAP_EVAL = 2, TRAP_PREDICT = 3 };

API const char *api_error(void) { return error_text; }
API void *api_malloc(int n) { return malloc(n > 0 ? (size_t)n : 1); }
API void api_free(void *p) { free(p); }
API int api_simd(void) {
#if defined(__wasm_simd128__)
    return 1;
#else
    return 0;
#endif
}
API int api_threads_compiled(void) {
#if defined(__EMSCRIPTEN_PTHREADS__)
    return 1;
#else
    return 0;
#endif
}
API const char *api_gemm_variant(void) { return gemm_variant_name(); }

/* ---- the pipeline probe ---- */
API float api_probe_dot_scalar(const float *a, const float *b, int n) { return probe_dot_scalar(a, b, n); }
API float api_probe_dot_simd(const float *a, const float *b, int n) { return probe_dot_simd(a, b, n); }
/* on the network's pool when it has as many threads, else on a pool made for this call (the
 * pthreads come from a fixed set in wasm: no pool outlives its use, and the network's pool
 * gives its threads back while this one runs, so the two never hold threads at once) */
API float api_probe_dot_mt(const float *a, const float *b, int n, int threads, int tasks, unsigned *ids, int *n_ids) {
    unsigned long l[16];
    int had = net ? pool_threads(net->pool) : 0, borrow = net && had == threads;
    if (net && !borrow) net_set_threads(net, 1);
    Pool *own = borrow ? NULL : pool_create(threads);
    Pool *pool = own ? own : borrow ? net->pool : NULL;
    if (!pool) { *n_ids = 0; if (net && !borrow) net_set_threads(net, had); return 0.0f; }
    float r = probe_dot_mt(pool, a, b, n, tasks, l, 16, n_ids);
    pool_destroy(own);
    if (net && !borrow) net_set_threads(net, had);
    for (int i = 0; i < *n_ids; i++) ids[i] = (unsigned)l[i];
    return r;
}

/* ---- data: which = 0 train images, 1 train labels, 2 test images, 3 test labels.
 * Takes ownership of buf (from api_malloc), validates, keeps it. Images and labels of a set
 * must agree in count: a file whose partner is loaded with another count is refused (and the
 * set keeps what it had). ---- */
static int full_count[4];                 /* items in each file (views[i].count may be limited) */
static int session_active;                /* a fine-tune is running (it reads the training files) */
static const char *const DATA_WHAT[4] = { "training images", "training labels", "test images", "test labels" };

/* reads file `which` into *v, or says in err what is wrong with it (the buffer stays the caller's) */
static int data_read(int which, const uint8_t *buf, int len, IdxView *v, char *err, size_t errlen) {
    int bad = which % 2 == 0 ? idx_read_images(buf, (size_t)len, v, err, errlen)
                             : idx_read_labels(buf, (size_t)len, 10, v, err, errlen);
    if (!bad && which % 2 == 0 && (v->rows != 28 || v->cols != 28)) {
        snprintf(err, errlen, "images are %dx%d, not 28x28", v->rows, v->cols);
        bad = 1;
    }
    return bad;
}

/* file `which` (read into v) replaces the one held; the caller checked it against its partner */
static void data_keep(int which, uint8_t *buf, const IdxView *v) {
    if (trainer_ready && which < 2) { trainer_free(&trainer); trainer_ready = 0; }
    free(files[which]);
    files[which] = buf; views[which] = *v; view_ok[which] = 1; full_count[which] = v->count;
}

static int refuse_during_session(void) {
    snprintf(error_text, sizeof error_text, "a fine-tune is reading the training images: end it (or let it finish) "
             "before loading new ones; nothing changed");
    return 1;
}

API int api_set_data(int which, uint8_t *buf, int len) {
    if (which < 0 || which > 3) { free(buf); snprintf(error_text, sizeof error_text, "bad data slot"); return 1; }
    if (session_active && which < 2) { free(buf); return refuse_during_session(); }   /* the session reads them */
    IdxView v;
    char err[256];
    int bad = data_read(which, buf, len, &v, err, sizeof err);
    int partner = which ^ 1;
    if (!bad && view_ok[partner] && full_count[partner] != v.count) {
        snprintf(err, sizeof err, "%d items, but the %s loaded hold %d", v.count, DATA_WHAT[partner], full_count[partner]);
        bad = 1;
    }
    if (bad) { free(buf); snprintf(error_text, sizeof error_text, "%s: %s", DATA_WHAT[which], err); return 1; }
    data_keep(which, buf, &v);
    if (view_ok[partner]) views[partner].count = v.count;     /* a limit (api_limit_train) is undone */
    return 0;
}

/* All four files at once (training images, labels, test images, labels; each from api_malloc,
 * owned by the core from here on): every file is read and each pair checked for equal counts
 * before any replaces the data held, so a set of any size replaces the one in use, and a
 * refused set leaves it as it was (the four buffers are freed then). */
API int api_set_data_all(uint8_t *b0, int l0, uint8_t *b1, int l1, uint8_t *b2, int l2, uint8_t *b3, int l3) {
    uint8_t *buf[4] = { b0, b1, b2, b3 };
    int len[4] = { l0, l1, l2, l3 }, bad = 0;
    IdxView v[4];
    char err[256] = "";
    if (session_active) bad = refuse_during_session();
    for (int i = 0; i < 4 && !bad; i++)
        if (data_read(i, buf[i], len[i], &v[i], err, sizeof err)) {
            snprintf(error_text, sizeof error_text, "%s: %s", DATA_WHAT[i], err);
            bad = 1;
        }
    for (int i = 0; i < 4 && !bad; i += 2)
        if (v[i].count != v[i + 1].count) {
            snprintf(error_text, sizeof error_text, "%d %s but %d %s; nothing changed",
                     v[i].count, DATA_WHAT[i], v[i + 1].count, DATA_WHAT[i + 1]);
            bad = 1;
        }
    if (bad) { for (int i = 0; i < 4; i++) free(buf[i]); return 1; }
    for (int i = 0; i < 4; i++) data_keep(i, buf[i], &v[i]);
    return 0;
}
API int api_data_count(int which) { return which >= 0 && which < 4 && view_ok[which] ? views[which].count : 0; }

/* ---- the model. A 64-bit seed arrives as two 32-bit halves (a JS number holds 53 bits). ----
 * A design switch is atomic: the new network is made first (with one thread, and no pool of
 * its own threads: it takes over the old one's), and only once it exists does it replace the
 * one in use; a design refused at any stage (its memory plan, the heap, a file) leaves the
 * design, the weights, the run and the data as they were. */
static NetArch pending;                /* the design the next api_create makes (api_set_design) */
static int pending_set;
static char design_text[ARCH_SPEC_MAX];
static uint64_t seed_of(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

/* 1 if the design passes the design check and its memory plan fits the limit and the heap's
 * free bytes now (beside the network in use, which lives until the new one is made), else 0
 * with api_error() */
static int design_fits(const NetArch *a) {
    char why[sizeof error_text];
    if (!design_memory_check(a, why, sizeof why)) { snprintf(error_text, sizeof error_text, "%s", why); return 0; }
    DesignMemory m;
    design_memory_plan(a, &m);
    size_t heap = emscripten_get_heap_size(), top = (size_t)sbrk(0);
    size_t free_now = (heap > top ? heap - top : 0) + (size_t)mallinfo().fordblks;
    if (m.net.total <= free_now) return 1;
    snprintf(error_text, sizeof error_text, "the design's network needs %.0f MB and %.0f MB are free beside the model in use and the data; nothing changed",
             m.net.total / 1048576.0, free_now / 1048576.0);
    return 0;
}

/* the net in use replaced by next, made with one thread, which takes over the old one's pool
 * (everything tied to the old one ends); then the threads asked for */
static void replace_net(Net *next, int threads) {
    if (net) {
        teach_end(); trainer_free(&trainer); trainer_ready = 0;
        net_swap_pool(next, net);
        net_free(net);
    }
    net = next;
    pending_set = 0;                   /* a design asked for is used up by whatever replaced the network */
    net_set_threads(net, threads);
}
/* the design (its text form or a name) for the next api_create; 0, or 1 with api_error() and
 * nothing changed */
API int api_set_design(const char *spec) {
    NetArch a;
    if (arch_spec_parse(spec, &a, error_text, sizeof error_text)) return 1;
    if (!design_memory_check(&a, error_text, sizeof error_text)) return 1;
    pending = a;
    pending_set = 1;
    return 0;
}
/* the current network's design, canonical text ("" before api_create) */
API const char *api_design(void) {
    design_text[0] = 0;
    if (net) arch_spec_format(&net->arch, design_text, sizeof design_text);
    return design_text;
}
static uint8_t *saved;
/* what an editor shows of a design (spec: text form or name) as JSON (arch_spec.h
 * arch_describe_json) in the buffer of api_saved_ptr; its length, or 0 with api_error() */
API int api_describe(const char *spec) {
    NetArch a;
    free(saved);
    saved = NULL;
    if (arch_spec_parse(spec, &a, error_text, sizeof error_text)) return 0;
    if (!design_memory_check(&a, error_text, sizeof error_text)) return 0;
    char *json = arch_describe_json(&a, error_text, sizeof error_text);
    saved = (uint8_t *)json;
    return json ? (int)strlen(json) : 0;
}
/* A network of the design set by api_set_design (once: asked for, it is used up, made or
 * refused), else of the design in use (a reset), else the reference net, with fresh weights
 * from the seed; the run, a fine-tune and the recipe set so far end. On failure (the design's
 * memory, out of memory) nothing changed: the network, its weights, its run are as they were. */
API int api_create(int threads, uint32_t seed_lo, uint32_t seed_hi) {
    NetArch a = pending_set ? pending : net ? net->arch : NET_ARCH_REFERENCE;
    pending_set = 0;
    if (!design_fits(&a)) return 1;
    Net *next = net_create(&a, WASM_MAX_BATCH, 1);
    if (!next) { snprintf(error_text, sizeof error_text, "out of memory creating the network; nothing changed"); return 1; }
    replace_net(next, threads);
    net_init_params(net, seed_of(seed_lo, seed_hi));
    settings_default(&RECIPE_TABLE, &config);
    return 0;
}
/* The Net holding the model that evaluations, predictions, the inside view, fine-tunes and
 * saved files use: the weight average once the recipe's average has begun (trainer.h). */
static Net *model_net(void) {
    if (net && trainer_ready) trainer_show_model(&trainer);
    return net;
}

/* Weights put into the Net from outside a run (new ones, a loaded file) become the run's
 * training weights too, as they would without a weight average (trainer_adopt_model). */
static void weights_replaced(void) { if (trainer_ready) trainer_adopt_model(&trainer); }

/* fresh random weights (PyTorch's default initialisation) from seed; running statistics reset */
API void api_init_params(uint32_t seed_lo, uint32_t seed_hi) {
    if (!net) return;
    model_net();
    net_init_params(net, seed_of(seed_lo, seed_hi));
    weights_replaced();
}
API int api_param_count(void) { return net ? (int)net->n_params : 0; }
/* the network's pool, for the profiling hook of the test builds (api_test.c) */
Pool *api_current_pool(void) { return net ? net->pool : NULL; }
API int api_threads(void) { return net ? pool_threads(net->pool) : 0; }
API void api_set_threads(int n) { if (net) net_set_threads(net, n); }
/* The thread count that helps on this machine: an eval forward pass of 64 blank images with
 * 1, 2, 4, ... up to max threads (the best of two runs each), keeping the largest count that is
 * clearly faster and stopping where doubling the threads more than doubles the time (more
 * threads than cores: the pool's spinning hand-off then fights itself; a browser may report
 * logical cores, or more than the machine has). Leaves the network on that count; ~0.2 s. */
static double now_ms(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6; }
API int api_calibrate_threads(int max) {
    if (!net) return 1;
    int N = net->max_batch < 64 ? net->max_batch : 64, best = 1;
    memset(net->input, 0, (size_t)N * 784 * sizeof(float));
    double t_best = 0, t_prev = 0;
    for (int k = 1; k <= max; k = k * 2 > max && k < max ? max : k * 2) {
        net_set_threads(net, k);
        double t = 1e30;
        for (int rep = 0; rep < 3; rep++) {             /* the first run also warms up */
            double t0 = now_ms();
            net_forward(net, N, NULL, 0, 0, 0);
            double dt = now_ms() - t0;
            if (rep > 0 && dt < t) t = dt;
        }
        if (k == 1) { t_best = t_prev = t; continue; }
        if (t > 2.0 * t_prev) break;
        if (t < 0.85 * t_best) { best = k; t_best = t; }
        t_prev = t;
    }
    net_set_threads(net, best);
    return best;
}
API int api_last_thread_ids(unsigned *ids, int max) {
    unsigned long l[16];
    int n = net ? pool_last_thread_ids(net->pool, l, max < 16 ? max : 16) : 0;
    for (int i = 0; i < n; i++) ids[i] = (unsigned)l[i];
    return n;
}

/* ---- the recipe, field by field (ids: CFG_* of contract.h, CONFIG_FIELDS[i].id in JS) ---- */
API void api_config_reset(void) { settings_default(&RECIPE_TABLE, &config); }
API int api_config_set(int id, double value) { return settings_set(&RECIPE_TABLE, &config, id, value, error_text, sizeof error_text); }
API int api_config_set_u64(int id, uint32_t lo, uint32_t hi) { return settings_set_u64(&RECIPE_TABLE, &config, id, lo, hi, error_text, sizeof error_text); }
/* a new trainer for the recipe set so far, over the training data (as limited by api_limit_train) */
API int api_configure(void) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    if (!view_ok[0] || !view_ok[1]) { snprintf(error_text, sizeof error_text, "no training data loaded"); return 1; }
    if (trainer_ready) trainer_free(&trainer);
    trainer_ready = 0;
    if (trainer_init(&trainer, net, &config, views[0], views[1], error_text, sizeof error_text)) return 1;
    trainer_ready = 1;
    return 0;
}
/* limit the training set to its first n images (0: all); call before api_configure */
API int api_limit_train(int n) {
    const FieldInfo *f = &RUN_OPTION_INFO[RUN_subset];
    if (n < f->min || n > f->max) { snprintf(error_text, sizeof error_text, "%s %d is outside %g..%g", f->name, n, f->min, f->max); return 1; }
    if (!view_ok[0] || !view_ok[1]) { snprintf(error_text, sizeof error_text, "no training data loaded"); return 1; }
    int full = full_count[0];             /* = full_count[1]: api_set_data keeps the pair equal */
    views[0].count = views[1].count = n > 0 && n < full ? n : full;
    return 0;
}

API int api_train_steps(int n) {
    if (!trainer_ready) { snprintf(error_text, sizeof error_text, "training is not configured"); return -1; }
    TRAP_POINT(TRAP_TRAIN);
    return trainer_steps(&trainer, n);
}
/* progress: PROGRESS_FIELDS of contract.h, in that order */
API void api_progress(double *out) {
    memset(out, 0, PROGRESS_COUNT * sizeof(double));
    if (!trainer_ready) return;
    out[PROGRESS_step] = (double)trainer.step; out[PROGRESS_total_steps] = (double)trainer.total_steps;
    out[PROGRESS_epoch] = trainer_epoch(&trainer); out[PROGRESS_steps_per_epoch] = trainer.steps_per_epoch;
    out[PROGRESS_loss] = trainer.last_loss; out[PROGRESS_lr] = trainer.last_lr; out[PROGRESS_diverged] = trainer.diverged;
    out[PROGRESS_epoch_loss] = trainer.epoch_loss_count ? trainer.epoch_loss_sum / trainer.epoch_loss_count : 0.0;
}

/* ---- evaluation of the test set in slices (trainer_eval_range: the project's one evaluation) ---- */
API void api_eval_reset(void) { memset(&eval_acc, 0, sizeof eval_acc); }
API int api_eval(int start, int count) {
    if (!net || !view_ok[2] || !view_ok[3]) { snprintf(error_text, sizeof error_text, "no test data loaded"); return -1; }
    if (start < 0 || count < 0 || start > views[2].count || count > views[2].count - start) {
        snprintf(error_text, sizeof error_text, "evaluation range: %d images from image %d, but the test set has %d", count, start, views[2].count);
        return -1;
    }
    TRAP_POINT(TRAP_EVAL);
    int before = eval_acc.count;
    if (trainer_eval_range(model_net(), &views[2], &views[3], start, count, &eval_acc, error_text, sizeof error_text))
        return -1;
    return eval_acc.count - before;
}
/* EVAL_FIELDS of contract.h in that order, then the confusion matrix (row = truth) */
API void api_eval_result(double *out) {
    out[EVAL_count] = eval_acc.count; out[EVAL_correct] = eval_acc.correct; out[EVAL_loss_sum] = eval_acc.loss_sum;
    out[EVAL_misclassified] = eval_acc.n_misclassified;
    for (int i = 0; i < LIMIT_CLASSES * LIMIT_CLASSES; i++)
        out[EVAL_COUNT + i] = eval_acc.confusion[i / LIMIT_CLASSES][i % LIMIT_CLASSES];
}
/* misclassified image i (< the count above): [index, truth, predicted] and the probabilities */
API int api_eval_misclassified(int i, int *index_truth_pred, float *probs) {
    if (i < 0 || i >= eval_acc.n_misclassified) return 1;
    const Misclassified *m = &eval_acc.misclassified[i];
    index_truth_pred[0] = m->index; index_truth_pred[1] = m->truth; index_truth_pred[2] = m->pred;
    memcpy(probs, m->probs, sizeof m->probs);
    return 0;
}

/* ---- drawing: ink (w x h, 0..1) -> img28 (784, 0..1) and probs (10). Returns 1 if ink.
 * (train/reading.h: the same functions the fuzzers drive; each checks the network's shapes) ---- */
API int api_predict(const float *ink, int w, int h, float *img28, float *probs) {
    if (!net) return -1;
    TRAP_POINT(TRAP_PREDICT);
    return reading_predict(model_net(), ink, w, h, img28, probs, error_text, sizeof error_text);
}
/* eval-mode probabilities for 28x28 images already in [0, 1] */
API int api_classify28(const float *img28, float *probs) {
    if (!net) return -1;
    return reading_classify28(model_net(), img28, probs, error_text, sizeof error_text) ? -1 : 0;
}

/* ---- inside view of the image of the last api_predict / api_classify28 (train/reading.h):
 * conv layer c's output after BatchNorm and ReLU (c = 0.. the number of conv layers - 1), K x P
 * x Q into out, with [K, P, Q] into shape; the first layer's filters; the saliency map (the
 * gradient of class cls's log-probability w.r.t. the 28x28 input). With out NULL the layer and
 * filter calls return the size only; the shape is always written ([0, 0, 0]: no such layer).
 * Call them right after the prediction, before anything else runs the network. ---- */
static const int NO_SHAPE[3];
API int api_inspect_conv_count(void) { return net ? reading_conv_count(net) : 0; }
API int api_inspect_layer(int c, float *out, int *shape) {
    if (!net) { memcpy(shape, NO_SHAPE, sizeof NO_SHAPE); return 0; }
    return reading_layer(net, c, out, shape);
}
API int api_inspect_filters(float *out, int *shape) {
    if (!net) { memcpy(shape, NO_SHAPE, sizeof NO_SHAPE); return 0; }
    return reading_filters(model_net(), out, shape);
}
/* out: 784 floats (zeros with api_error() when the map cannot be made) */
API void api_saliency(int cls, float *out) {
    if (!net) return;
    if (reading_saliency(net, cls, out, error_text, sizeof error_text)) memset(out, 0, READING_PIXELS * sizeof(float));
}

/* ---- model files ---- */
API int api_save(int with_training) {
    free(saved);
    saved = NULL;
    if (!net) return 0;
    size_t n = model_save(model_net(), with_training && trainer_ready ? &trainer : NULL, &saved);
    return (int)n;
}
API uint8_t *api_saved_ptr(void) { return saved; }
/* with_training: restore the run too (needs training data and a configured trainer).
 * A safetensors file is read too (weights only). */
static int load_other_design(const NetArch *arch, const uint8_t *buf, int len, int with_training);
API int api_load(const uint8_t *buf, int len, int with_training) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    NetArch file_design;
    int file_has_training = 0;
    if (model_read_arch_any(buf, (size_t)len, &file_design, &file_has_training, error_text, sizeof error_text)) return 1;
    if (!net_arch_same(&file_design, &net->arch)) return load_other_design(&file_design, buf, len, with_training && file_has_training);
    if (safetensors_detect(buf, (size_t)len)) {
        model_net();
        int rc = safetensors_load(net, buf, (size_t)len, error_text, sizeof error_text);
        if (rc == 0) weights_replaced();
        return rc;
    }
    int has_training = 0;
    NetArch arch;
    if (model_read_arch(buf, (size_t)len, &arch, &has_training, error_text, sizeof error_text)) return 1;
    Trainer *t = NULL;
    if (with_training && has_training) {
        if (!trainer_ready && api_configure()) return 1;
        t = &trainer;
    }
    if (!t) model_net();
    int rc = model_load(net, t, buf, (size_t)len, error_text, sizeof error_text);
    if (rc == 0 && !t) weights_replaced();
    return rc;
}

/* A file of another design: a network of that design is made and the file loaded into it
 * first (with its run into a trainer of its own, when asked); it replaces the one in use only
 * if all of that worked, so a refused file leaves the model in use, and its run, as they were. */
static int load_other_design(const NetArch *arch, const uint8_t *buf, int len, int with_training) {
    if (!design_fits(arch)) return 1;
    Net *next = net_create(arch, WASM_MAX_BATCH, 1);
    if (!next) { snprintf(error_text, sizeof error_text, "out of memory creating the file's network; nothing changed"); return 1; }
    Trainer run;
    int with_run = with_training;
    if (with_run && (!view_ok[0] || !view_ok[1])) { snprintf(error_text, sizeof error_text, "no training data loaded"); net_free(next); return 1; }
    if (with_run && trainer_init(&run, next, &config, views[0], views[1], error_text, sizeof error_text)) { net_free(next); return 1; }
    if (model_load_any(next, with_run ? &run : NULL, buf, (size_t)len, error_text, sizeof error_text)) {
        if (with_run) trainer_free(&run);
        net_free(next);
        return 1;
    }
    replace_net(next, pool_threads(net->pool));   /* ends the old network's run; its pool goes on */
    if (with_run) { trainer = run; trainer_ready = 1; }
    return 0;
}

/* A run continued from its checkpoint (a model file saved with its run): the training set
 * limited to `subset` images (0: all) as the run had it, the recipe set by api_config_set, a
 * trainer made beside the one in use and the file loaded into it. The trainer, the limit, the
 * weights and the design in use are replaced only if all of that worked: a refused checkpoint
 * leaves them, and a run that ended before it, as they were. */
static int resume_same_design(const uint8_t *buf, int len) {
    float dropout = net->dropout, label_smoothing = net->label_smoothing;   /* trainer_init sets them */
    Trainer run;
    int bad = trainer_init(&run, net, &config, views[0], views[1], error_text, sizeof error_text);
    if (!bad && model_load(net, &run, buf, (size_t)len, error_text, sizeof error_text)) { trainer_free(&run); bad = 1; }
    if (bad) { net->dropout = dropout; net->label_smoothing = label_smoothing; return 1; }
    if (trainer_ready) trainer_free(&trainer);
    trainer = run;
    trainer_ready = 1;
    return 0;
}
API int api_resume(const uint8_t *buf, int len, int subset) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    NetArch design;
    int has_run = 0;
    if (model_read_arch_any(buf, (size_t)len, &design, &has_run, error_text, sizeof error_text)) return 1;
    if (!has_run) {
        snprintf(error_text, sizeof error_text, "the file holds weights only (saved without its run): there is no run to continue");
        return 1;
    }
    int limit_before = views[0].count;
    if (api_limit_train(subset)) return 1;
    int rc = net_arch_same(&design, &net->arch) ? resume_same_design(buf, len)
                                                : load_other_design(&design, buf, len, 1);
    if (rc) views[0].count = views[1].count = limit_before;
    return rc;
}

/* the current weights as ONNX (format 0) or safetensors (1), or the design as PyTorch code (2,
 * export_pytorch.h), in the buffer of api_saved_ptr; returns the size, 0 with api_error() on
 * failure (another format is refused: it does not become one of these) */
enum { EXPORT_ONNX = 0, EXPORT_SAFETENSORS = 1, EXPORT_PYTORCH = 2 };
API int api_export(int format) {
    free(saved);
    saved = NULL;
    if (format < EXPORT_ONNX || format > EXPORT_PYTORCH) {
        snprintf(error_text, sizeof error_text, "export format %d: 0 (ONNX), 1 (safetensors) or 2 (PyTorch code)", format);
        return 0;
    }
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 0; }
    char spec[ARCH_SPEC_MAX];                 /* every format names the design by its text form */
    if (arch_spec_format(&net->arch, spec, sizeof spec)) { snprintf(error_text, sizeof error_text, "the design has no text form"); return 0; }
    model_net();
    size_t n;
    if (format == EXPORT_PYTORCH) n = pytorch_export(net, (char **)&saved, error_text, sizeof error_text);
    else if (format == EXPORT_ONNX) n = onnx_export(net, &saved, error_text, sizeof error_text);
    else if (!(n = safetensors_save(net, &saved))) snprintf(error_text, sizeof error_text, "out of memory");
    return (int)n;
}

/* ---- teaching my digits (teach.h): the digits are copied in (api_teach_digits), the settings
 * set by id (TEACH_FIELDS of contract.h), then the session runs in bounded pieces over the
 * MNIST training images (as limited by api_limit_train). api_teach_cancel puts back the
 * weights the fine-tune started from. ---- */
static TeachConfig teach_config;
static int teach_config_ready;
static TeachSession session;
static uint8_t *my_labels, *my_pixels;
static int my_count;

API void api_teach_config_reset(void) { settings_default(&TEACH_TABLE, &teach_config); teach_config_ready = 1; }
API int api_teach_set(int id, double value) {
    if (!teach_config_ready) api_teach_config_reset();
    return settings_set(&TEACH_TABLE, &teach_config, id, value, error_text, sizeof error_text);
}
static void teach_end(void) { if (session_active) teach_session_free(&session); session_active = 0; }
/* n digits: labels (n), pixels (n x 784, 0..255); copied */
API int api_teach_digits(const uint8_t *labels, const uint8_t *pixels, int n) {
    if (n < 0 || n > LIMIT_MY_DIGITS_MAX) { snprintf(error_text, sizeof error_text, "%d digits: 0 to %d can be taught", n, LIMIT_MY_DIGITS_MAX); return 1; }
    for (int i = 0; i < n; i++)
        if (labels[i] > 9) { snprintf(error_text, sizeof error_text, "digit %d has label %d, not 0-9", i + 1, labels[i]); return 1; }
    teach_end();
    uint8_t *l = malloc((size_t)n + 1), *p = malloc((size_t)n * MY_DIGIT_PIXELS + 1);
    if (!l || !p) { free(l); free(p); snprintf(error_text, sizeof error_text, "out of memory"); return 1; }
    memcpy(l, labels, (size_t)n);
    memcpy(p, pixels, (size_t)n * MY_DIGIT_PIXELS);
    free(my_labels); free(my_pixels);
    my_labels = l; my_pixels = p; my_count = n;
    return 0;
}
API int api_teach_begin(void) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    if (!view_ok[0] || !view_ok[1]) { snprintf(error_text, sizeof error_text, "MNIST is not loaded yet: the fine-tune mixes MNIST training images in"); return 1; }
    if (!teach_config_ready) api_teach_config_reset();
    teach_end();
    if (teach_session_begin(&session, model_net(), &teach_config, my_labels, my_pixels, my_count, views[0], views[1], error_text, sizeof error_text)) {
        teach_session_free(&session);
        return 1;
    }
    session_active = 1;
    return 0;
}
/* at most n steps; the steps run, -1 with api_error() */
API int api_teach_steps(int n) {
    if (!session_active) { snprintf(error_text, sizeof error_text, "no fine-tune is running"); return -1; }
    TRAP_POINT(TRAP_TRAIN);
    return teach_session_steps(&session, n, error_text, sizeof error_text);
}
/* TEACH_PROGRESS_FIELDS of contract.h, in that order */
API void api_teach_progress(double *out) {
    memset(out, 0, TEACH_PROGRESS_COUNT * sizeof(double));
    if (!session_active) return;
    const TeachSession *s = &session;
    out[TEACH_PROGRESS_steps_done] = s->steps_done; out[TEACH_PROGRESS_total_steps] = s->total_steps;
    out[TEACH_PROGRESS_checking] = s->checking; out[TEACH_PROGRESS_done] = s->done; out[TEACH_PROGRESS_diverged] = s->diverged;
    out[TEACH_PROGRESS_loss] = s->teacher.last_loss;
    out[TEACH_PROGRESS_held_count] = s->held_count; out[TEACH_PROGRESS_held_before] = s->held_before; out[TEACH_PROGRESS_held_after] = s->held_after;
    out[TEACH_PROGRESS_all_count] = s->all_count; out[TEACH_PROGRESS_all_before] = s->all_before; out[TEACH_PROGRESS_all_after] = s->all_after;
}
/* stop a fine-tune: keep its weights (keep = 1, when it is done) or put back the ones it started from */
API void api_teach_end(int keep) {
    if (session_active && !keep) teacher_restore(&session.teacher);
    if (session_active && keep && trainer_ready) trainer_adopt_model(&trainer);   /* a paused run goes on from what was taught */
    teach_end();
}

/* ---- my-digits files (my_digits.h): written into the buffer of api_saved_ptr (returns the
 * size, 0 with api_error()); read: the count (-1 with api_error()), then with buffers. ---- */
API int api_digits_write(const uint8_t *labels, const uint8_t *pixels, int n) {
    free(saved);
    saved = NULL;
    return (int)my_digits_write(labels, pixels, n, &saved, error_text, sizeof error_text);
}
API int api_digits_read(const uint8_t *buf, int len, uint8_t *labels, uint8_t *pixels) {
    return my_digits_read(buf, len > 0 ? (size_t)len : 0, labels, pixels, error_text, sizeof error_text);
}
