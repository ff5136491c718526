/* op_table.c - the operator table test, in the manner of ggml's test-backend-ops: every row is
 * one layer op in a small network (the op, then what makes the table valid), and every row runs
 * under every conv method that can run it x every GEMM variant this build has x 1 and 3 threads.
 *
 * Judged per run, on one training step (forward with dropout, backward) and an eval forward:
 * the loss, the log-probabilities, every gradient and the BatchNorm statistics, against
 *   - the reference run (direct convolution, scalar GEMM, 1 thread) to the bit where the code
 *     promises the same bits: another thread count; the wasm SIMD GEMM for the scalar one
 *     (gemm.h); the same method over either of those two;
 *   - the reference run within a tolerance where it does not (AVX2/AVX-512 fused multiply-add,
 *     Winograd's other rounding): max |a - b| / max |b| <= 1e-4 per tensor;
 * and the reference run itself against the definition in double (the conv output before
 * BatchNorm, max-pool, global average pool, dense + log-softmax), within 1e-5 of the largest
 * value. Shared by the native test (test_ops.c) and the wasm test build (api_check_ops), so
 * the wasm kernels are judged where they run. Returns failures; the first ones go to report. */
#include "op_table.h"
#include "nn/net.h"
#include "kernels/gemm.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_(k, s) { LAYER_CONV, k, s }
#define CG(k, s, g) { LAYER_CONV, k, s, 0, 0.0f, g }
#define POOL(s) { LAYER_MAXPOOL, 0, s }
#define GAP { LAYER_GAP, 0, 0 }
#define FC(k) { LAYER_DENSE, k, 0 }
typedef struct { const char *op; NetArch arch; } OpRow;
static const OpRow ROWS[] = {
    {"conv 3x3, one input channel", {"r1", 1, 12, 12, 3, {C_(5, 3), GAP, FC(4)}}},
    {"conv 3x3, 8 channels, partial tiles", {"r2", 8, 11, 9, 3, {C_(6, 3), GAP, FC(4)}}},
    {"conv 1x1", {"r3", 7, 6, 6, 3, {C_(9, 1), GAP, FC(4)}}},
    {"conv 5x5", {"r4", 3, 13, 13, 3, {C_(4, 5), GAP, FC(4)}}},
    {"conv 3x3, 4 groups, partial tiles", {"r9", 8, 11, 9, 3, {CG(8, 3, 4), GAP, FC(4)}}},
    {"conv 3x3, depthwise (6 groups of 1 in, 2 out)", {"r10", 6, 10, 10, 3, {CG(12, 3, 6), GAP, FC(4)}}},
    {"conv 1x1, 3 groups", {"r11", 6, 6, 6, 3, {CG(9, 1, 3), GAP, FC(4)}}},
    {"conv 5x5 depthwise, then conv 1x1", {"r12", 4, 12, 12, 4, {CG(4, 5, 4), C_(6, 1), GAP, FC(4)}}},
    {"max-pool 2x2 on odd sizes, then conv", {"r5", 2, 11, 11, 5, {C_(8, 3), POOL(2), C_(5, 3), GAP, FC(4)}}},
    {"max-pool 3x3", {"r6", 2, 10, 10, 3, {C_(4, 1), POOL(3), FC(4)}}},
    {"dense over a whole feature map", {"r7", 1, 8, 8, 2, {C_(3, 3), FC(5)}}},
    {"the reference net",
     {"r8",
      1,
      28,
      28,
      11,
      {C_(8, 3), C_(16, 3), C_(32, 3), POOL(2), C_(8, 1), C_(16, 3), C_(32, 3), C_(16, 1), C_(16, 3), GAP, FC(10)}}},
};
#undef C_
#undef CG
#undef POOL
#undef GAP
#undef FC
enum { N_ROWS = sizeof ROWS / sizeof ROWS[0], BATCH = 6 };

/* what one run leaves to compare */
typedef struct {
    size_t n_params, n_state, n_out;
    float loss, *grads, *state, *logprob, *eval_logprob;
} RunResult;

typedef struct { char *report; size_t len; int fails, cases; } Judge;

static void note(Judge *j, const char *fmt, ...) {
    j->fails++;
    size_t used = strlen(j->report);
    if (used + 200 > j->len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->report + used, j->len - used, fmt, ap);
    va_end(ap);
    used = strlen(j->report);
    if (used + 1 < j->len) { j->report[used] = '\n'; j->report[used + 1] = 0; }
}

static void result_free(RunResult *r) { free(r->grads); free(r->state); free(r->logprob); free(r->eval_logprob); }

/* max |a - b| / max |b| (0 when both are zero) */
static double rel_diff(const float *a, const float *b, size_t n) {
    double d = 0.0, m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (e > d || e != e) d = e;
        if (fabs(b[i]) > m) m = fabs(b[i]);
    }
    return d == 0.0 ? 0.0 : m > 0.0 ? d / m : INFINITY;
}

/* the definition in double of layer i's forward for image n, against what the Net holds */
static double definition_diff(const Net *net, int i, int n) {
    const Layer *l = &net->layer[i];
    const float *x = (i == 0 ? net->input : net->layer[i - 1].out) + (size_t)n * l->C * l->H * l->W;
    const float *P = net->params;
    size_t per = (size_t)l->K * l->P * l->Q;
    double worst = 0.0, scale = 1e-30;
    for (int k = 0; k < l->K; k++)
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                double want = 0.0, got;
                int R = l->spec.size;
                if (l->spec.kind == LAYER_CONV) {   /* output k sees input group k / (K / G): Cg channels from there */
                    int G = net_layer_groups(&l->spec), Cg = l->C / G, c0 = k / (l->K / G) * Cg;
                    for (int c = 0; c < Cg; c++)
                        for (int r = 0; r < R; r++)
                            for (int s = 0; s < R; s++)
                                want += (double)P[l->w + ((k * Cg + c) * R + r) * R + s] *
                                    x[((size_t)(c0 + c) * l->H + p + r) * l->W + q + s];
                    got = l->pre[per * n + ((size_t)k * l->P + p) * l->Q + q];
                } else if (l->spec.kind == LAYER_MAXPOOL) {
                    want = -INFINITY;
                    for (int r = 0; r < R; r++)
                        for (int s = 0; s < R; s++) {
                            double v = x[((size_t)k * l->H + p * R + r) * l->W + q * R + s];
                            if (v > want) want = v;
                        }
                    got = l->out[per * n + ((size_t)k * l->P + p) * l->Q + q];
                } else if (l->spec.kind == LAYER_GAP) {
                    for (int j = 0; j < l->H * l->W; j++) want += x[(size_t)k * l->H * l->W + j];
                    want /= l->H * l->W;
                    got = l->out[per * n + k];
                } else {   /* dense: the log-probability of class k */
                    double logits[1000], mx = -INFINITY, sum = 0.0;
                    int in = (int)l->fan_in;
                    for (int o = 0; o < l->K; o++) {
                        logits[o] = P[l->bias + o];
                        for (int j = 0; j < in; j++) logits[o] += (double)P[l->w + (size_t)o * in + j] * x[j];
                        if (logits[o] > mx) mx = logits[o];
                    }
                    for (int o = 0; o < l->K; o++) sum += exp(logits[o] - mx);
                    want = logits[k] - mx - log(sum);
                    got = net->logprob[(size_t)n * l->K + k];
                }
                if (fabs(want) > scale) scale = fabs(want);
                if (fabs(got - want) > worst || got != got) worst = fabs(got - want);
            }
    return worst / scale;
}

/* One training step and an eval forward of row under (conv, threads) with the GEMM variant
 * already selected; with judge, the reference run's forward is also held to the definition. */
static int run(const OpRow *row, int conv, int threads, RunResult *out, int *conv_used, Judge *judge) {
    NetOptions options = { conv };
    Net *net = net_create_with(&row->arch, BATCH, threads, &options);
    if (!net) return 1;
    net_init_params(net, 5);
    net->dropout = 0.1f;
    Rng r = rng_for(17, RNG_TEST, 0, 0);
    size_t in = (size_t)row->arch.in_c * row->arch.in_h * row->arch.in_w;
    for (size_t i = 0; i < net->n_params; i++) net->params[i] += 0.2f * (2.0f * rng_uniform(&r) - 1.0f);
    for (size_t i = 0; i < BATCH * in; i++) net->input[i] = 2.0f * rng_uniform(&r) - 0.5f;
    uint8_t labels[BATCH];
    for (int n = 0; n < BATCH; n++) labels[n] = (uint8_t)rng_below(&r, (uint32_t)net->n_classes);
    *conv_used = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const char *m = net_conv_method_name(net, i);
        if (m && !strcmp(m, "winograd")) *conv_used = NET_CONV_WINOGRAD;
    }
    net_zero_grad(net);
    out->loss = net_forward(net, BATCH, labels, 1, 3, 0);
    if (judge)
        for (int i = 0; i < net->n_layers; i++)
            for (int n = 0; n < BATCH; n += BATCH - 1) {
                judge->cases++;
                double d = definition_diff(net, i, n);
                if (!(d <= 1e-5))
                    note(judge, "%s: layer %d, image %d: forward %.2e from the definition in double", row->op, i + 1, n,
                         d);
            }
    out->n_out = (size_t)BATCH * net->n_classes;
    out->logprob = malloc(out->n_out * sizeof(float));
    memcpy(out->logprob, net->logprob, out->n_out * sizeof(float));
    net_backward(net, BATCH, labels);
    out->n_params = net->n_params;
    out->n_state = net->n_bn_state;
    out->grads = malloc(net->n_params * sizeof(float));
    out->state = malloc((net->n_bn_state + 1) * sizeof(float));
    memcpy(out->grads, net->grads, net->n_params * sizeof(float));
    memcpy(out->state, net->bn_state, net->n_bn_state * sizeof(float));
    net_forward(net, BATCH, NULL, 0, 0, 0);
    out->eval_logprob = malloc(out->n_out * sizeof(float));
    memcpy(out->eval_logprob, net->logprob, out->n_out * sizeof(float));
    net_free(net);
    return 0;
}

static void compare(Judge *j, const char *what, const RunResult *a, const RunResult *ref, int exact) {
    struct { const char *name; const float *x, *y; size_t n;
    } t[] = {
        {"loss", &a->loss, &ref->loss, 1},
        {"log-probabilities", a->logprob, ref->logprob, a->n_out},
        {"gradients", a->grads, ref->grads, a->n_params},
        {"BatchNorm statistics", a->state, ref->state, a->n_state},
        {"eval log-probabilities", a->eval_logprob, ref->eval_logprob, a->n_out},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        j->cases++;
        if (exact) {
            if (memcmp(t[i].x, t[i].y, t[i].n * sizeof(float)))
                note(j, "%s: %s differ (the same bits are promised)", what, t[i].name);
        } else {
            double d = rel_diff(t[i].x, t[i].y, t[i].n);
            if (!(d <= 1e-4)) note(j, "%s: %s %.2e from the reference", what, t[i].name, d);
        }
    }
}

int op_table_check(char *report, size_t len, int *cases, int *skipped) {
    static const char *variants[] = { "scalar", "wasmsimd", "wasmrelaxed", "avx2", "avx512" };
    const char *chosen = gemm_variant_name();      /* put back at the end */
    Judge j = { report, len, 0, 0 };
    report[0] = 0;
    *skipped = 0;
    for (int row = 0; row < N_ROWS; row++) {
        const OpRow *R = &ROWS[row];
        RunResult ref;
        int used;
        gemm_select("scalar");
        if (run(R, NET_CONV_DIRECT, 1, &ref, &used, &j)) { note(&j, "%s: cannot create the network", R->op); continue; }
        for (int v = 0; v < (int)(sizeof variants / sizeof *variants); v++) {
            if (!gemm_select(variants[v])) continue;
            int bit_variant = !strcmp(variants[v], "scalar") || !strcmp(variants[v], "wasmsimd");
            for (int conv = NET_CONV_DIRECT; conv <= NET_CONV_WINOGRAD; conv++) {
                RunResult one, three;
                char what[160];
                if (run(R, conv, 1, &one, &used, NULL)) { note(&j, "%s: cannot create the network", R->op); continue; }
                if (conv == NET_CONV_WINOGRAD && used != NET_CONV_WINOGRAD) {
                    (*skipped)++;
                    result_free(&one);
                    continue;
                }
                snprintf(what, sizeof what, "%s, %s, gemm %s, 1 thread", R->op,
                         conv == NET_CONV_DIRECT ? "direct" : "winograd", variants[v]);
                compare(&j, what, &one, &ref, bit_variant && conv == NET_CONV_DIRECT);
                if (!run(R, conv, 3, &three, &used, NULL)) {
                    snprintf(what, sizeof what, "%s, %s, gemm %s, 3 threads against 1", R->op,
                             conv == NET_CONV_DIRECT ? "direct" : "winograd", variants[v]);
                    compare(&j, what, &three, &one, 1);
                    result_free(&three);
                }
                /* a variant with the scalar one's bits gives the same Winograd run too */
                if (conv == NET_CONV_WINOGRAD && bit_variant && strcmp(variants[v], "scalar")) {
                    RunResult scalar_w;
                    gemm_select("scalar");
                    if (!run(R, conv, 1, &scalar_w, &used, NULL)) {
                        snprintf(what, sizeof what, "%s, winograd, gemm %s against scalar", R->op, variants[v]);
                        compare(&j, what, &one, &scalar_w, 1);
                        result_free(&scalar_w);
                    }
                    gemm_select(variants[v]);
                }
                result_free(&one);
            }
        }
        result_free(&ref);
    }
    gemm_select(chosen);
    *cases = j.cases;
    return j.fails;
}
