/* api.c - the functions the web worker calls (Emscripten specifics live in this folder only).
 *
 * One global model: a Net (max batch WASM_MAX_BATCH), its Trainer, the data set the worker
 * handed over (copied into wasm memory and owned here), and an evaluation accumulator.
 * Every entry point does a bounded amount of work and returns: V8 keeps a wasm call that
 * loops for long in its baseline tier, and the worker must stay free to answer messages.
 * Errors: functions return nonzero and api_error() holds the message. */
#include <emscripten/emscripten.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "idx.h"
#include "kernels/gemm.h"
#include "model_io.h"
#include "preprocess.h"
#include "probe.h"
#include "kernels/peak.h"
#include "kernels/kernel_check.h"
#include "trainer.h"

#define WASM_MAX_BATCH 256
#define API EMSCRIPTEN_KEEPALIVE

static char error_text[512];
static Net *net;
static Trainer trainer;
static int trainer_ready;
static uint8_t *files[4];
static size_t file_len[4];
static IdxView views[4];
static int view_ok[4];
static EvalAccum eval_acc;
static TrainConfig config;

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

/* ---- benchmarks: GFLOP/s of the register-only multiply-add loop on this thread ---- */
API double api_peak_gflops(int iters) {
    double t0 = emscripten_get_now();
    volatile float sink = peak_run(iters);
    (void)sink;
    double ms = emscripten_get_now() - t0;
    return peak_flops_per_iter() * iters / (ms * 1e6);
}

/* ---- kernel self-check (the Node test calls it): failing cases, -1 if the variant is absent ---- */
static char kernel_report[2048];
API int api_check_kernels(int which) {
    int cases;
    kernel_report[0] = 0;
    return which == 0 ? kernel_check_gemm("wasmsimd", 1234, &cases, kernel_report, sizeof kernel_report)
                      : kernel_check_eltwise(1234, &cases, kernel_report, sizeof kernel_report);
}
API const char *api_check_report(void) { return kernel_report; }

/* ---- a deliberate trap, so tests can prove the page survives a crashed worker:
 * api_debug_trap_at(where) arms a trap for the next training step (1), evaluation slice (2)
 * or prediction (3), so a test reaches each path at a point it chooses, without racing. ---- */
enum { TRAP_NONE, TRAP_TRAIN, TRAP_EVAL, TRAP_PREDICT };
static int trap_armed;
API void api_debug_trap_at(int where) { trap_armed = where; }
static void debug_trap_if_armed(int where) { if (trap_armed == where) __builtin_trap(); }

/* ---- the pipeline probe ---- */
API float api_probe_dot_scalar(const float *a, const float *b, int n) { return probe_dot_scalar(a, b, n); }
API float api_probe_dot_simd(const float *a, const float *b, int n) { return probe_dot_simd(a, b, n); }
API float api_probe_dot_mt(const float *a, const float *b, int n, int threads, int tasks, unsigned *ids, int *n_ids) {
    unsigned long l[16];
    float r = probe_dot_mt(a, b, n, threads, tasks, l, 16, n_ids);
    for (int i = 0; i < *n_ids; i++) ids[i] = (unsigned)l[i];
    return r;
}

/* ---- data: which = 0 train images, 1 train labels, 2 test images, 3 test labels.
 * Takes ownership of buf (from api_malloc), validates, keeps it. ---- */
API int api_set_data(int which, uint8_t *buf, int len) {
    if (which < 0 || which > 3) { free(buf); snprintf(error_text, sizeof error_text, "bad data slot"); return 1; }
    static const char *what[4] = { "training images", "training labels", "test images", "test labels" };
    IdxView v;
    char err[256];
    int bad = which % 2 == 0 ? idx_read_images(buf, (size_t)len, &v, err, sizeof err)
                             : idx_read_labels(buf, (size_t)len, 10, &v, err, sizeof err);
    if (!bad && which % 2 == 0 && (v.rows != 28 || v.cols != 28)) { snprintf(err, sizeof err, "images are %dx%d, not 28x28", v.rows, v.cols); bad = 1; }
    if (bad) { free(buf); snprintf(error_text, sizeof error_text, "%s: %s", what[which], err); return 1; }
    if (trainer_ready && which < 2) { trainer_free(&trainer); trainer_ready = 0; }
    free(files[which]);
    files[which] = buf; file_len[which] = (size_t)len; views[which] = v; view_ok[which] = 1;
    return 0;
}
API int api_data_count(int which) { return which >= 0 && which < 4 && view_ok[which] ? views[which].count : 0; }

/* ---- the model ---- */
API int api_create(int threads, double seed) {
    if (net) { trainer_free(&trainer); trainer_ready = 0; net_free(net); }
    net = net_create(&NET_ARCH_REFERENCE, WASM_MAX_BATCH, threads);
    if (!net) { snprintf(error_text, sizeof error_text, "out of memory creating the network"); return 1; }
    net_init_params(net, (uint64_t)seed);
    return 0;
}
/* fresh random weights (PyTorch's default initialisation) from seed; running statistics reset */
API void api_init_params(double seed) { if (net) net_init_params(net, (uint64_t)seed); }
API int api_param_count(void) { return net ? (int)net->n_params : 0; }
API int api_threads(void) { return net ? pool_threads(net->pool) : 0; }
API void api_set_threads(int n) { if (net) net_set_threads(net, n); }
API int api_last_thread_ids(unsigned *ids, int max) {
    unsigned long l[16];
    int n = net ? pool_last_thread_ids(net->pool, l, max < 16 ? max : 16) : 0;
    for (int i = 0; i < n; i++) ids[i] = (unsigned)l[i];
    return n;
}

/* config fields in order: epochs, batch, lr, optimizer (0 sgd, 1 adam), augment, seed,
 * weight_decay, momentum, onecycle, dropout, label_smoothing */
API int api_configure(const double *f, int n_fields) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    if (!view_ok[0] || !view_ok[1]) { snprintf(error_text, sizeof error_text, "no training data loaded"); return 1; }
    train_config_default(&config);
    if (n_fields > 0) config.epochs = (int)f[0];
    if (n_fields > 1) config.batch = (int)f[1];
    if (n_fields > 2) config.lr = (float)f[2];
    if (n_fields > 3) config.optimizer = (int)f[3];
    if (n_fields > 4) config.augment = (int)f[4];
    if (n_fields > 5) config.seed = (uint64_t)f[5];
    if (n_fields > 6) config.weight_decay = (float)f[6];
    if (n_fields > 7) config.momentum = (float)f[7];
    if (n_fields > 8) config.onecycle = (int)f[8];
    if (n_fields > 9) config.dropout = (float)f[9];
    if (n_fields > 10) config.label_smoothing = (float)f[10];
    if (config.optimizer != OPT_SGD && config.optimizer != OPT_ADAM) { snprintf(error_text, sizeof error_text, "unknown optimizer"); return 1; }
    if (trainer_ready) trainer_free(&trainer);
    trainer_ready = 0;
    IdxView x = views[0], y = views[1];
    if (trainer_init(&trainer, net, &config, x, y, error_text, sizeof error_text)) return 1;
    trainer_ready = 1;
    return 0;
}
/* limit the training set to its first n images (0: all); call before api_configure */
API void api_limit_train(int n) {
    if (!view_ok[0] || !view_ok[1]) return;
    int full = (int)((file_len[0] - 16) / 784);
    views[0].count = views[1].count = n > 0 && n < full ? n : full;
}

API int api_train_steps(int n) {
    if (!trainer_ready) { snprintf(error_text, sizeof error_text, "training is not configured"); return -1; }
    debug_trap_if_armed(TRAP_TRAIN);
    return trainer_steps(&trainer, n);
}
/* progress: [step, total_steps, epoch, steps_per_epoch, last_loss, last_lr, diverged, epoch_loss_mean] */
API void api_progress(double *out) {
    if (!trainer_ready) { memset(out, 0, 8 * sizeof(double)); return; }
    out[0] = (double)trainer.step; out[1] = (double)trainer.total_steps; out[2] = trainer_epoch(&trainer);
    out[3] = trainer.steps_per_epoch; out[4] = trainer.last_loss; out[5] = trainer.last_lr; out[6] = trainer.diverged;
    out[7] = trainer.epoch_loss_count ? trainer.epoch_loss_sum / trainer.epoch_loss_count : 0.0;
}

/* evaluation of the test set in slices */
API void api_eval_reset(void) { memset(&eval_acc, 0, sizeof eval_acc); }
API int api_eval(int start, int count) {
    if (!net || !view_ok[2] || !view_ok[3]) { snprintf(error_text, sizeof error_text, "no test data loaded"); return -1; }
    int before = eval_acc.count;
    trainer_eval_range(net, &views[2], &views[3], start, count, &eval_acc);
    return eval_acc.count - before;
}
/* [count, correct, loss_sum] then the 10x10 confusion matrix (row = truth) */
API void api_eval_result(double *out) {
    out[0] = eval_acc.count; out[1] = eval_acc.correct; out[2] = eval_acc.loss_sum;
    for (int i = 0; i < 100; i++) out[3 + i] = eval_acc.confusion[i / 10][i % 10];
}
/* log-probabilities of test images [start, start+count) (count <= WASM_MAX_BATCH) into out */
API int api_test_logprobs(int start, int count, float *out) {
    if (!net || !view_ok[2]) return -1;
    if (count > WASM_MAX_BATCH) count = WASM_MAX_BATCH;
    if (start < 0 || start + count > views[2].count) return -1;
    debug_trap_if_armed(TRAP_EVAL);
    EvalAccum scratch;
    memset(&scratch, 0, sizeof scratch);
    trainer_eval_range(net, &views[2], NULL, start, count, &scratch);
    memcpy(out, net->logprob, (size_t)count * net->n_classes * sizeof(float));
    return count;
}

/* ---- drawing: ink (w x h, 0..1) -> img28 (784, 0..1) and probs (10). Returns 1 if ink. ---- */
API int api_predict(const float *ink, int w, int h, float *img28, float *probs) {
    if (!net) return -1;
    debug_trap_if_armed(TRAP_PREDICT);
    int r = preprocess_digit(ink, w, h, img28);
    if (r < 0) { snprintf(error_text, sizeof error_text, "bad drawing size"); return -1; }
    preprocess_to_input(img28, net->input);
    net_forward(net, 1, NULL, 0, 0, 0);
    for (int o = 0; o < net->n_classes; o++) probs[o] = expf(net->logprob[o]);
    return r;
}
/* eval-mode probabilities for 28x28 images already in [0, 1] */
API int api_classify28(const float *img28, float *probs) {
    if (!net) return -1;
    preprocess_to_input(img28, net->input);
    net_forward(net, 1, NULL, 0, 0, 0);
    for (int o = 0; o < net->n_classes; o++) probs[o] = expf(net->logprob[o]);
    return 0;
}

/* ---- model files ---- */
static uint8_t *saved;
API int api_save(int with_training) {
    free(saved);
    saved = NULL;
    if (!net) return 0;
    size_t n = model_save(net, with_training && trainer_ready ? &trainer : NULL, &saved);
    return (int)n;
}
API uint8_t *api_saved_ptr(void) { return saved; }
/* with_training: restore the run too (needs training data and a configured trainer) */
API int api_load(const uint8_t *buf, int len, int with_training) {
    if (!net) { snprintf(error_text, sizeof error_text, "no network"); return 1; }
    int has_training = 0;
    NetArch arch;
    if (model_read_arch(buf, (size_t)len, &arch, &has_training, error_text, sizeof error_text)) return 1;
    Trainer *t = NULL;
    if (with_training && has_training) {
        if (!trainer_ready && api_configure(NULL, 0)) return 1;
        t = &trainer;
    }
    return model_load(net, t, buf, (size_t)len, error_text, sizeof error_text);
}
