/* net.c - forward and backward passes of the layer table in net.h.
 *
 * Each layer kind is one section below with everything it does side by side: plan (shapes,
 * parameters, what it refuses), buffers, forward, backward. The table OPS at the end of the
 * sections maps a kind to them; the drivers (net_create, net_forward, net_backward) only walk
 * the layers and call their kind's operations, and plan() refuses a kind the table lacks, so a
 * new kind cannot silently run as another.
 *
 * Training forward runs layer by layer. A conv layer is: conv + per-image BatchNorm sums
 * (parallel over images), then the reduction of those sums (serial, image order, double);
 * its normalise + ReLU + dropout runs at the start of the *next* layer's per-image task, while
 * the image is still in cache. Eval forward has no batch statistics, so each image runs
 * through all layers in one task. Backward mirrors this: a conv layer's BatchNorm-backward sums
 * for image n are made by the layer above right after it produced image n's gradient. See
 * net.h for how results stay independent of the thread count. */
#include "net.h"
#include "kernels/winograd.h"
#include "kernels/gemm.h"
#include "kernels/eltwise.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

static const EltwiseKernels *elt = &eltwise_vec;

#define C_(k, s) { LAYER_CONV, k, s }
const NetArch NET_ARCH_REFERENCE = {
    "reference", 1, 28, 28, 11,
    { C_(8, 3), C_(16, 3), C_(32, 3), { LAYER_MAXPOOL, 0, 2 }, C_(8, 1), C_(16, 3), C_(32, 3),
      C_(16, 1), C_(16, 3), { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 10, 0 } }
};
#undef C_

/* ---------- what the drivers and the kinds share ---------- */

typedef struct {
    Net *net;
    int layer, N, training;
    int pending;          /* conv layer whose BatchNorm + ReLU + dropout is still to be applied (-1: none) */
    uint64_t seed, step;
    const uint8_t *labels;
    float *loss;          /* per image */
} FwdCtx;

typedef struct {
    Net *net;
    int layer, N;
    const uint8_t *labels;
    float *dy, *dx;       /* gradient w.r.t. this layer's output / input (N x per-image) */
    float scale;          /* dropout keep scale */
    int sums_layer;       /* conv layer below whose BatchNorm sums are fused into this task (-1: none) */
    int have_sums;        /* set by a layer: the conv layer below whose per-image sums it already made (-1: none) */
} BwdCtx;

typedef void (*BackwardImage)(const BwdCtx *c, int n);

typedef struct {
    const char *name;
    /* Shape (K, P, Q) and parameter offsets from the input shape in l (C, H, W); counts what it
     * adds to the parameter and BatchNorm-state arenas; 0, or 1 and a message. */
    int  (*plan)(Layer *l, int is_last, size_t *params, size_t *bn_state, char *err, size_t errlen);
    /* Buffers beyond l->out (freed by net_free); raises *scratch to the per-thread floats it needs. 0 on success. */
    int  (*alloc)(Layer *l, int max_batch, size_t *scratch);
    /* Eval-mode forward of image n; for kinds without batch statistics also the training forward. */
    void (*forward_image)(const FwdCtx *c, int n, int thread);
    /* Training forward of the batch (pool tasks), for kinds with batch statistics; NULL: per image. */
    void (*forward_train)(FwdCtx *c);
    /* Backward of the batch: reads c->dy, writes c->dx (and the kind's gradients), sets c->have_sums. */
    void (*backward)(BwdCtx *c);
    /* For kinds without batch-level backward work: image n's backward (run by backward_per_image). */
    BackwardImage backward_image;
    /* Eval mode, one image: dx from dy (the gradient w.r.t. this layer's output), for the
     * input gradient of net_input_gradient; reads what the last eval forward left in the layer. */
    void (*input_gradient_image)(const Net *net, const Layer *l, int n, const float *dy, float *dx);
} LayerOps;

static const LayerOps *ops_of(int kind);

static void *falloc(size_t n) {          /* zeroed, 64-byte aligned, size rounded (wasm's aligned_alloc needs it) */
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p) memset(p, 0, bytes ? bytes : 64);
    return p;
}

static const float *layer_input(const Net *net, int i, int n) {
    const Layer *l = &net->layer[i];
    size_t per = (size_t)l->C * l->H * l->W;
    return (i == 0 ? net->input : net->layer[i - 1].out) + per * n;
}

/* per-image tasks of the layer in c->layer */
static void forward_image_task(void *vctx, int n, int thread);
static void finish_pending(const FwdCtx *c, int n);

/* the BatchNorm-backward sums of conv layer `below` for image n, made by the layer above as soon
 * as it produced that image's gradient (defined in the conv section) */
static void fused_sums(const BwdCtx *c, int n);


/* ---------- conv + BatchNorm + ReLU + dropout (LAYER_CONV) ---------- */

static int conv_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    const LayerSpec *s = &l->spec;
    if (s->out_c < 1 || s->out_c > 512 || s->size < 1 || s->size > l->H || s->size > l->W) {
        snprintf(err, errlen, "bad conv (1..512 channels, a kernel no larger than its %dx%d input)", l->H, l->W);
        return 1;
    }
    l->K = s->out_c; l->P = l->H - s->size + 1; l->Q = l->W - s->size + 1;
    l->fan_in = (size_t)l->C * s->size * s->size;
    l->w = (long)*params; *params += (size_t)l->K * l->fan_in;
    l->gamma = (long)*params; *params += l->K;
    l->beta = (long)*params; *params += l->K;
    l->run_mean = (long)*bn; *bn += l->K;
    l->run_var = (long)*bn; *bn += l->K;
    return 0;
}

/* Which 3x3 layers run Winograd (winograd.h: forward, backward-data and weight gradient), by
 * measurement (README "Speed"): those with at least 8 input channels (a one-channel first
 * layer has too little arithmetic per transform), and only over a 4-wide GEMM (wasm SIMD128,
 * scalar): there the 16 small GEMMs plus transforms beat the direct convolution's one large GEMM
 * (wasm in Node, 1 thread: +11 % training and about +30 % inference for forward and
 * backward-data, then 1,395 -> 1,528 training images/s for the weight gradient), while over the
 * AVX2/AVX-512 GEMMs, with 8 or 16 fused multiply-adds per instruction, the transforms cost what
 * they save (native, 1 thread: 2,305-2,424 with Winograd against 2,593-2,784 direct).
 * MNIST_CONV=direct or =winograd overrides the choice (comparisons, tests). */
static int wants_winograd(const Layer *l) {
    if (l->spec.size != 3 || l->C < 8) return 0;
    const char *env = getenv("MNIST_CONV"), *gemm_kind = gemm_variant_name();
    if (env && !strcmp(env, "direct")) return 0;
    if (env && !strcmp(env, "winograd")) return 1;
    return strcmp(gemm_kind, "avx2") && strcmp(gemm_kind, "avx512");
}

static size_t wide_scratch_floats(const Layer *l);

/* floats of one chunk's weight gradient: K x CRS, or 16 x C x K in Winograd's domain */
static size_t conv_chunk_grad_floats(const Layer *l) {
    return l->winograd ? 16 * (size_t)l->C * l->K : (size_t)l->K * l->fan_in;
}

static int conv_alloc(Layer *l, int max_batch, size_t *scratch) {
    size_t act = (size_t)l->K * l->P * l->Q, crs = l->fan_in, pq = (size_t)l->P * l->Q;
    l->pre = falloc(act * max_batch);
    l->mean = falloc(l->K);
    l->invstd = falloc(l->K);
    l->wT = falloc(crs * l->K);
    if (crs * pq > *scratch) *scratch = crs * pq;   /* dcol */
    if (wide_scratch_floats(l) > *scratch) *scratch = wide_scratch_floats(l);
    l->winograd = wants_winograd(l);
    if (l->winograd) {
        size_t fwd = winograd_scratch_floats(l->C, l->K, l->P, l->Q), bwd = winograd_scratch_floats(l->K, l->C, l->H, l->W);
        if (fwd > *scratch) *scratch = fwd;
        if (bwd > *scratch) *scratch = bwd;
        l->wino_fwd = falloc(16 * (size_t)l->K * l->C);
        l->wino_bwd = falloc(16 * (size_t)l->K * l->C);
        l->wino_of = falloc(crs * l->K);          /* zeros, whose transform wino_fwd (zeros) is */
        if (!l->wino_fwd || !l->wino_bwd || !l->wino_of) return 1;
    }
    return !(l->pre && l->mean && l->invstd && l->wT);
}

/* x[c][p + r][q + s] += dcol[(c*R + r)*S + s][p*Q + q]; x zeroed first */
static void col2im(const float *dcol, int C, int H, int W, int R, int P, int Q, float *x) {
    memset(x, 0, (size_t)C * H * W * sizeof(float));
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < R; s++) {
                const float *row = dcol + (size_t)((c * R + r) * R + s) * P * Q;
                for (int p = 0; p < P; p++) {
                    float *dst = x + ((size_t)c * H + p + r) * W + s;
                    const float *src = row + p * Q;
                    for (int q = 0; q < Q; q++) dst[q] += src[q];
                }
            }
}

/* The wide layout of a valid, stride-1 convolution: output (p, q) at t = p * W + q, with the
 * input's width W as the row stride, so that the window of input element (c, r, s) is the run
 * x + (c * H + r) * W + s over t < L = (P - 1) * W + Q, read where it lies. The positions with
 * q >= Q in between are no outputs ("gaps"). */
static int wide_len(const Layer *l) { return (l->P - 1) * l->W + l->Q; }

static void window_rows(const Layer *l, const float *x, const float **rows) {
    int R = l->spec.size;
    for (int c = 0; c < l->C; c++)
        for (int r = 0; r < R; r++)
            for (int s = 0; s < R; s++) *rows++ = x + ((size_t)c * l->H + r) * l->W + s;
}

/* scratch floats of conv_image's and conv_backward_weight_image's row tables and wide matrix */
static size_t wide_scratch_floats(const Layer *l) {
    size_t L = (size_t)wide_len(l), tables = 2 * (l->fan_in + l->K) + L;
    return L * l->K + (tables * sizeof(float *) + sizeof(float) - 1) / sizeof(float);
}

/* y (K x P x Q) = conv(x (C x H x W), w (K x C x R x R)) */
static void conv_image(const Layer *l, const float *w, const float *x, float *y, float *scratch) {
    int R = l->spec.size, PQ = l->P * l->Q, crs = l->C * R * R;
    if (l->winograd) { winograd_conv(x, l->C, l->H, l->W, 0, l->wino_fwd, l->K, y, l->P, l->Q, scratch); return; }
    if (R == 1) { gemm(l->K, PQ, l->C, w, l->C, x, PQ, y, PQ, 0); return; }
    /* y in the wide layout (K x L) = w (K x CRS) * the windows of x (CRS rows of L, by
     * pointer: no im2col copy, which took ~9 % of a native training step), then the gaps are
     * squeezed out. Every output is the same sum in the same order as through im2col. */
    int K = l->K, L = wide_len(l), W = l->W;
    const float **a_rows = (const float **)(void *)scratch, **b_rows = a_rows + K;
    float **c_rows = (float **)(b_rows + crs), *wide = (float *)(c_rows + K);
    for (int k = 0; k < K; k++) {
        a_rows[k] = w + (size_t)k * crs;
        c_rows[k] = wide + (size_t)k * L;
    }
    window_rows(l, x, b_rows);
    gemm_rows(K, L, crs, a_rows, b_rows, c_rows, 0);
    for (int k = 0; k < K; k++)
        for (int p = 0; p < l->P; p++) {
            const float *src = wide + (size_t)k * L + (size_t)p * W;
            float *dst = y + (size_t)k * PQ + (size_t)p * l->Q;
            for (int q = 0; q < l->Q; q++) dst[q] = src[q];
        }
}

/* dwT (CRS x K) += windows of x (CRS rows of L) * dyT (L x K), where dyT is dy transposed into
 * the wide layout with zeros in the gaps. The windows go to the GEMM as rows by pointer: no
 * im2col copy of the input (the transposed copy this replaces took ~6 % of a native training
 * step). Each weight's gradient is the same sum over the same outputs in the same order as
 * before (the gaps add exact zeros); it comes out transposed, and conv_backward turns it. */
static void conv_backward_weight_image(const Layer *l, const float *x, const float *dy, float *dwT, float *scratch) {
    int K = l->K, P = l->P, Q = l->Q, W = l->W, PQ = P * Q, L = wide_len(l), crs = (int)l->fan_in;
    const float **a_rows = (const float **)(void *)scratch, **b_rows = a_rows + crs;
    float **c_rows = (float **)(b_rows + L), *dyT = (float *)(c_rows + crs);
    for (int p = 0; p < P; p++) {
        for (int q = 0; q < Q; q++) {
            float *d = dyT + ((size_t)p * W + q) * K;
            const float *src = dy + p * Q + q;
            for (int k = 0; k < K; k++) d[k] = src[(size_t)k * PQ];
        }
        if (p < P - 1) memset(dyT + ((size_t)p * W + Q) * K, 0, sizeof(float) * (size_t)(W - Q) * K);
    }
    window_rows(l, x, a_rows);
    for (int t = 0; t < L; t++) b_rows[t] = dyT + (size_t)t * K;
    for (int j = 0; j < crs; j++) c_rows[j] = dwT + (size_t)j * K;
    gemm_rows(crs, K, L, a_rows, b_rows, c_rows, 1);
}

/* dx (C x H x W) = conv_transpose(dy) using wT (CRS x K) */
static void conv_backward_data_image(const Layer *l, const float *dy, float *dx, float *scratch) {
    int R = l->spec.size, PQ = l->P * l->Q, crs = l->C * R * R;
    if (R == 1) { gemm(l->C, PQ, l->K, l->wT, l->K, dy, PQ, dx, PQ, 0); return; }
    /* the full correlation of dy with the rotated filters: a Winograd conv with pad 2 */
    if (l->winograd) { winograd_conv(dy, l->K, l->P, l->Q, 2, l->wino_bwd, l->C, dx, l->H, l->W, scratch); return; }
    gemm(crs, PQ, l->K, l->wT, l->K, dy, PQ, scratch, PQ, 0);
    col2im(scratch, l->C, l->H, l->W, R, l->P, l->Q, dx);
}

/* Inverted dropout of one image's layer output, the draws a function of (seed, step, layer,
 * image): two 16-bit draws per PCG output, drop when below p * 65536 (p = 0.1 -> 6554/65536 =
 * 0.100006; halves the generator's share of the step). With mask != NULL the mask (0 or
 * 1/(1-p)) is written there instead and out is left alone (net_dropout_mask). */
static void dropout_image(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *out, int total, float *mask) {
    Rng r = rng_for(seed, RNG_DROPOUT, step * NET_MAX_LAYERS + (uint64_t)layer, (uint64_t)n);
    uint32_t threshold = (uint32_t)((double)net->dropout * 65536.0 + 0.5);
    float scale = 1.0f / (1.0f - net->dropout);
    /* the draws in blocks, each read as two 16-bit halves, low half first: a union of the two
     * views (little-endian, as x86-64 and wasm are) feeds the vector kernel */
    enum { BLOCK = 256 };
    union { uint32_t draw[BLOCK]; uint16_t half[2 * BLOCK]; } bits;
    for (int j = 0; j < total; j += 2 * BLOCK) {
        int count = total - j < 2 * BLOCK ? total - j : 2 * BLOCK;
        rng_fill_u32(&r, bits.draw, (count + 1) / 2);
        if (mask) {
            for (int i = 0; i < count; i++) mask[j + i] = bits.half[i] < threshold ? 0.0f : scale;
        } else
            elt->dropout(out + j, bits.half, count, threshold, scale);
    }
}
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dropout_image reads a draw's low 16 bits as the first half: a little-endian target is assumed"
#endif

void net_dropout_mask(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *mask) {
    const Layer *l = &net->layer[layer];
    dropout_image(net, layer, n, seed, step, NULL, l->K * l->P * l->Q, mask);
}

/* out = dropout(relu(gamma * (pre - mean) * invstd + beta)); mean/invstd per channel */
static void bn_act_image(const Net *net, const Layer *l, int n, const float *mean, const float *invstd,
                         int training, uint64_t seed, uint64_t step, int layer_index) {
    int PQ = l->P * l->Q;
    const float *gamma = net->params + l->gamma, *beta = net->params + l->beta;
    const float *pre = l->pre + (size_t)n * l->K * PQ;
    float *out = l->out + (size_t)n * l->K * PQ;
    for (int k = 0; k < l->K; k++) {
        float a = gamma[k] * invstd[k];
        elt->bn_relu(pre + (size_t)k * PQ, out + (size_t)k * PQ, PQ, a, beta[k] - mean[k] * a);
    }
    if (training && net->dropout > 0.0f) dropout_image(net, layer_index, n, seed, step, out, l->K * PQ, NULL);
}

/* eval mode: running statistics */
static void conv_forward_image(const FwdCtx *c, int n, int thread) {
    Net *net = c->net;
    const Layer *l = &net->layer[c->layer];
    size_t per = (size_t)l->K * l->P * l->Q;
    conv_image(l, net->params + l->w, layer_input(net, c->layer, n), l->pre + per * n, net->scratch[thread]);
    float mean[512], invstd[512];
    for (int k = 0; k < l->K; k++) {
        mean[k] = net->bn_state[l->run_mean + k];
        invstd[k] = 1.0f / sqrtf(net->bn_state[l->run_var + k] + net->bn_eps);
    }
    bn_act_image(net, l, n, mean, invstd, 0, 0, 0, c->layer);
}

/* training: conv and per-image BatchNorm sums (parallel over images), then the batch statistics
 * (serial, image order, double) and the running-statistic update; normalise + ReLU + dropout
 * runs in the next layer's per-image task (finish_pending), while the image is in cache. */
static void conv_stats_task(void *vctx, int n, int thread) {
    FwdCtx *c = vctx;
    Net *net = c->net;
    Layer *l = &net->layer[c->layer];
    finish_pending(c, n);
    int PQ = l->P * l->Q;
    float *y = l->pre + (size_t)n * l->K * PQ;
    conv_image(l, net->params + l->w, layer_input(net, c->layer, n), y, net->scratch[thread]);
    double *part = net->partial[c->layer & 1] + (size_t)n * l->K * 2;
    for (int k = 0; k < l->K; k++) {
        float s[8], ss[8];
        elt->channel_sums(y + (size_t)k * PQ, PQ, s, ss);
        double S = 0.0, SS = 0.0;
        for (int u = 0; u < 8; u++) { S += s[u]; SS += ss[u]; }
        part[2 * k] = S;
        part[2 * k + 1] = SS;
    }
}

static void conv_forward_train(FwdCtx *c) {
    Net *net = c->net;
    int i = c->layer, N = c->N;
    Layer *l = &net->layer[i];
    pool_run(net->pool, N, conv_stats_task, c);
    const double *partial = net->partial[i & 1];
    double count = (double)N * l->P * l->Q;
    float mom = net->bn_momentum;
    for (int k = 0; k < l->K; k++) {
        double s = 0.0, ss = 0.0;
        for (int n = 0; n < N; n++) { s += partial[((size_t)n * l->K + k) * 2]; ss += partial[((size_t)n * l->K + k) * 2 + 1]; }
        double mean = s / count, var = ss / count - mean * mean;
        if (var < 0.0) var = 0.0;
        l->mean[k] = (float)mean;
        l->invstd[k] = (float)(1.0 / sqrt(var + net->bn_eps));
        float *rm = net->bn_state + l->run_mean + k, *rv = net->bn_state + l->run_var + k;
        double unbiased = count > 1.0 ? var * count / (count - 1.0) : var;
        *rm = (1.0f - mom) * *rm + mom * (float)mean;
        *rv = (1.0f - mom) * *rv + mom * (float)unbiased;
    }
    c->pending = i;               /* applied by the next layer's tasks */
}

/* dz = dy * relu'(.) * dropout mask (both read off out > 0), in place in dy; per-image sums
 * into partial[layer & 1]. Run by the layer above as soon as it has produced image n's dy. */
static void bn_bwd_sums_image(Net *net, int layer, int n, float *dy, float scale) {
    Layer *l = &net->layer[layer];
    int PQ = l->P * l->Q;
    size_t base = (size_t)n * l->K * PQ;
    float *dz = dy + base;
    const float *out = l->out + base, *pre = l->pre + base;
    double *part = net->partial[layer & 1] + (size_t)n * l->K * 2;
    for (int k = 0; k < l->K; k++) {
        float s[8], sx[8];
        elt->bn_relu_backward_sums(dz + (size_t)k * PQ, out + (size_t)k * PQ, pre + (size_t)k * PQ, PQ,
                                   l->mean[k], l->invstd[k], scale, s, sx);
        double S = 0.0, SX = 0.0;
        for (int u = 0; u < 8; u++) { S += s[u]; SX += sx[u]; }
        part[2 * k] = S;
        part[2 * k + 1] = SX;
    }
}

static void bn_bwd_sums_task(void *vctx, int n, int thread) {
    (void)thread;
    BwdCtx *c = vctx;
    bn_bwd_sums_image(c->net, c->layer, n, c->dy, c->scale);
}

static void fused_sums(const BwdCtx *c, int n) {
    if (c->sums_layer >= 0) bn_bwd_sums_image(c->net, c->sums_layer, n, c->dx, c->scale);
}

/* per chunk of images: dpre from dz (in place), weight-gradient partial, input gradient */
static void conv_bwd_task(void *vctx, int chunk, int thread) {
    BwdCtx *c = vctx;
    Net *net = c->net;
    Layer *l = &net->layer[c->layer];
    int PQ = l->P * l->Q;
    size_t per_out = (size_t)l->K * PQ, per_in = (size_t)l->C * l->H * l->W;
    size_t per_chunk = conv_chunk_grad_floats(l);
    float *dw = net->chunk_grad + (size_t)chunk * per_chunk;
    memset(dw, 0, per_chunk * sizeof(float));
    const float *gamma = net->params + l->gamma;
    const double *sums = net->partial[c->layer & 1];    /* batch totals in slot 0 (net_backward) */
    double count = (double)c->N * PQ;
    int n_end = (chunk + 1) * NET_GRAD_CHUNK < c->N ? (chunk + 1) * NET_GRAD_CHUNK : c->N;
    for (int n = chunk * NET_GRAD_CHUNK; n < n_end; n++) {
        float *dz = c->dy + per_out * n;
        const float *pre = l->pre + per_out * n;
        for (int k = 0; k < l->K; k++)
            elt->bn_backward_apply(dz + (size_t)k * PQ, pre + (size_t)k * PQ, PQ, gamma[k] * l->invstd[k], l->mean[k], l->invstd[k],
                                   (float)(sums[2 * k] / count), (float)(sums[2 * k + 1] / count));
        if (l->winograd)
            winograd_weight_gradient(layer_input(net, c->layer, n), l->C, l->H, l->W, dz, l->K, l->P, l->Q, dw, net->scratch[thread]);
        else
            conv_backward_weight_image(l, layer_input(net, c->layer, n), dz, dw, net->scratch[thread]);
        if (c->layer > 0) {
            conv_backward_data_image(l, dz, c->dx + per_in * n, net->scratch[thread]);
            fused_sums(c, n);
        }
    }
}

static void conv_backward(BwdCtx *c) {
    Net *net = c->net;
    int i = c->layer, N = c->N;
    Layer *l = &net->layer[i];
    if (c->have_sums != i) pool_run(net->pool, N, bn_bwd_sums_task, c);
    /* reduce per-image sums in image order into slot 0 of this layer's partial buffer */
    double *partial = net->partial[i & 1];
    for (int k = 0; k < l->K; k++) {
        double s = 0.0, sx = 0.0;
        for (int n = 0; n < N; n++) { s += partial[((size_t)n * l->K + k) * 2]; sx += partial[((size_t)n * l->K + k) * 2 + 1]; }
        partial[2 * k] = s;
        partial[2 * k + 1] = sx;
        net->grads[l->beta + k] += (float)s;
        net->grads[l->gamma + k] += (float)sx;
    }
    int crs = (int)l->fan_in;
    const float *w = net->params + l->w;
    if (l->winograd)                      /* the backward-data pass's weights, one or the other */
        winograd_weights(w, l->C, l->K, 1, l->wino_bwd);
    else
        for (int k = 0; k < l->K; k++)
            for (int j = 0; j < crs; j++) l->wT[j * l->K + k] = w[k * crs + j];
    int chunks = (N + NET_GRAD_CHUNK - 1) / NET_GRAD_CHUNK;
    pool_run(net->pool, chunks, conv_bwd_task, c);
    float *dw = net->grads + l->w;
    size_t per_chunk = conv_chunk_grad_floats(l);
    if (l->winograd) {                     /* the chunks' sums in the transformed domain, in chunk order, then back */
        float *total = net->chunk_grad;
        for (int ch = 1; ch < chunks; ch++) {
            const float *part = net->chunk_grad + (size_t)ch * per_chunk;
            for (size_t j = 0; j < per_chunk; j++) total[j] += part[j];
        }
        winograd_weight_gradient_finish(total, l->C, l->K, dw);
    } else {
        for (int ch = 0; ch < chunks; ch++) {
            const float *part = net->chunk_grad + (size_t)ch * per_chunk;   /* CRS x K (conv_backward_weight_image) */
            for (int k = 0; k < l->K; k++)
                for (int j = 0; j < crs; j++) dw[(size_t)k * crs + j] += part[(size_t)j * l->K + k];
        }
    }
    c->have_sums = c->sums_layer;
}

/* eval: out = relu(a * pre + b) with a = gamma / sqrt(running var + eps), so dpre = dy * a
 * where out > 0; then dx = the transposed convolution of dpre */
static void conv_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int R = l->spec.size, PQ = l->P * l->Q;
    const float *out = l->out + (size_t)n * l->K * PQ, *w = net->params + l->w;
    memset(dx, 0, (size_t)l->C * l->H * l->W * sizeof(float));
    for (int k = 0; k < l->K; k++) {
        float a = net->params[l->gamma + k] / sqrtf(net->bn_state[l->run_var + k] + net->bn_eps);
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                int o = p * l->Q + q;
                if (!(out[(size_t)k * PQ + o] > 0.0f)) continue;
                float d = dy[(size_t)k * PQ + o] * a;
                for (int c = 0; c < l->C; c++)
                    for (int r = 0; r < R; r++)
                        for (int t = 0; t < R; t++)
                            dx[((size_t)c * l->H + p + r) * l->W + q + t] += w[(((size_t)k * l->C + c) * R + r) * R + t] * d;
            }
    }
}

/* ---------- max-pool (LAYER_MAXPOOL) ---------- */

static int maxpool_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    int S = l->spec.size;
    /* the winner's index within its window is kept in a byte: S * S - 1 <= 255 */
    if (S < 1 || S > 15 || S > l->H || S > l->W) {
        snprintf(err, errlen, "bad max-pool (a window of 1..15, no larger than its %dx%d input)", l->H, l->W);
        return 1;
    }
    l->K = l->C; l->P = l->H / S; l->Q = l->W / S;
    return 0;
}

static int maxpool_alloc(Layer *l, int max_batch, size_t *scratch) {
    l->argmax = calloc((size_t)l->K * l->P * l->Q * max_batch, 1);
    return l->argmax == NULL;
}

static void maxpool_image(const Layer *l, const float *x, float *y, uint8_t *arg) {
    int S = l->spec.size;
    if (S == 2) {                                      /* the common case: a vector kernel per output row */
        for (int c = 0; c < l->K; c++)
            for (int p = 0; p < l->P; p++) {
                const float *r0 = x + ((size_t)c * l->H + 2 * p) * l->W;
                size_t o = ((size_t)c * l->P + p) * l->Q;
                elt->maxpool2_row(r0, r0 + l->W, l->Q, y + o, arg + o);
            }
        return;
    }
    for (int c = 0; c < l->K; c++)
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                const float *win = x + ((size_t)c * l->H + p * S) * l->W + q * S;
                float best = win[0];
                int bi = 0;
                for (int r = 0; r < S; r++)
                    for (int s = 0; s < S; s++)
                        if (win[r * l->W + s] > best) { best = win[r * l->W + s]; bi = r * S + s; }
                size_t o = ((size_t)c * l->P + p) * l->Q + q;
                y[o] = best;
                arg[o] = (uint8_t)bi;
            }
}

static void maxpool_forward_image(const FwdCtx *c, int n, int thread) {
    const Layer *l = &c->net->layer[c->layer];
    size_t per = (size_t)l->K * l->P * l->Q;
    maxpool_image(l, layer_input(c->net, c->layer, n), l->out + per * n, l->argmax + per * n);
}

/* the gradient goes to each window's winner */
static void maxpool_backward_image(const BwdCtx *c, int n) {
    const Layer *l = &c->net->layer[c->layer];
    size_t per_out = (size_t)l->K * l->P * l->Q, per_in = (size_t)l->C * l->H * l->W;
    const float *dy = c->dy + per_out * n;
    float *dx = c->dx + per_in * n;
    int S = l->spec.size;
    memset(dx, 0, per_in * sizeof(float));
    const uint8_t *arg = l->argmax + per_out * n;
    for (int k = 0; k < l->K; k++)
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                size_t o = ((size_t)k * l->P + p) * l->Q + q;
                int r = arg[o] / S, s = arg[o] % S;
                dx[((size_t)k * l->H + p * S + r) * l->W + q * S + s] = dy[o];
            }
}

static void maxpool_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int S = l->spec.size;
    const uint8_t *arg = l->argmax + (size_t)n * l->K * l->P * l->Q;
    memset(dx, 0, (size_t)l->C * l->H * l->W * sizeof(float));
    for (int k = 0; k < l->K; k++)
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                size_t o = ((size_t)k * l->P + p) * l->Q + q;
                dx[((size_t)k * l->H + p * S + arg[o] / S) * l->W + q * S + arg[o] % S] = dy[o];
            }
}

/* ---------- global average pool (LAYER_GAP) ---------- */

static int gap_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    l->K = l->C; l->P = 1; l->Q = 1;
    return 0;
}

static void gap_image(const Layer *l, const float *x, float *y) {
    int HW = l->H * l->W;
    for (int c = 0; c < l->K; c++) {
        float s = 0.0f;
        for (int j = 0; j < HW; j++) s += x[c * HW + j];
        y[c] = s / (float)HW;
    }
}

static void gap_forward_image(const FwdCtx *c, int n, int thread) {
    const Layer *l = &c->net->layer[c->layer];
    gap_image(l, layer_input(c->net, c->layer, n), l->out + (size_t)l->K * n);
}

static void gap_backward_image(const BwdCtx *c, int n) {
    const Layer *l = &c->net->layer[c->layer];
    int HW = l->H * l->W;
    const float *dy = c->dy + (size_t)l->K * n;
    float *dx = c->dx + (size_t)l->C * HW * n;
    for (int k = 0; k < l->K; k++)
        for (int j = 0; j < HW; j++) dx[k * HW + j] = dy[k] / (float)HW;
}

static void gap_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int HW = l->H * l->W;
    for (int k = 0; k < l->K; k++)
        for (int j = 0; j < HW; j++) dx[k * HW + j] = dy[k] / (float)HW;
}

/* ---------- fully connected + log-softmax (LAYER_DENSE; the last layer) ---------- */

static int dense_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    if (!is_last || l->spec.out_c < 2 || l->spec.out_c > 1000) {
        snprintf(err, errlen, "the dense layer must be last, with 2..1000 outputs");
        return 1;
    }
    l->K = l->spec.out_c; l->P = 1; l->Q = 1;
    l->fan_in = (size_t)l->C * l->H * l->W;
    l->w = (long)*params; *params += (size_t)l->K * l->fan_in;
    l->bias = (long)*params; *params += l->K;
    return 0;
}

/* logits = W x + b, then log-softmax into logprob; returns the image's loss if label >= 0 */
static float dense_image(const Net *net, const Layer *l, const float *x, float *logits, float *logprob, int label) {
    int in = l->C * l->H * l->W;
    const float *w = net->params + l->w, *b = net->params + l->bias;
    for (int o = 0; o < l->K; o++) {
        float s = 0.0f;
        for (int j = 0; j < in; j++) s += w[o * in + j] * x[j];
        logits[o] = s + b[o];
    }
    float mx = logits[0];
    for (int o = 1; o < l->K; o++) if (logits[o] > mx) mx = logits[o];
    double sum = 0.0;
    for (int o = 0; o < l->K; o++) sum += exp((double)(logits[o] - mx));
    float lse = mx + (float)log(sum);
    float smooth_term = 0.0f;
    for (int o = 0; o < l->K; o++) {
        logprob[o] = logits[o] - lse;
        smooth_term -= logprob[o];
    }
    if (label < 0) return 0.0f;
    float eps = net->label_smoothing;
    return (1.0f - eps) * -logprob[label] + eps * smooth_term / (float)l->K;
}

static void dense_forward_image(const FwdCtx *c, int n, int thread) {
    const Layer *l = &c->net->layer[c->layer];
    c->loss[n] = dense_image(c->net, l, layer_input(c->net, c->layer, n), l->out + (size_t)l->K * n,
                             c->net->logprob + (size_t)n * l->K, c->labels ? c->labels[n] : -1);
}

/* log-softmax + NLL (+ label smoothing): dlogits = (softmax - target) / N, then the dense
 * layer's gradients and its input gradient; serial, it is tiny */
static void dense_backward(BwdCtx *c) {
    Net *net = c->net;
    const Layer *fc = &net->layer[c->layer];
    int N = c->N, O = fc->K, in = (int)fc->fan_in;
    float eps = net->label_smoothing, *g = c->dy;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++) {
            float target = (o == c->labels[n] ? 1.0f - eps : 0.0f) + eps / (float)O;
            g[n * O + o] = (expf(net->logprob[n * O + o]) - target) / (float)N;
        }
    const float *x = layer_input(net, c->layer, 0);
    float *dw = net->grads + fc->w, *db = net->grads + fc->bias;
    const float *w = net->params + fc->w;
    for (int n = 0; n < N; n++) {
        for (int o = 0; o < O; o++) {
            float d = g[n * O + o];
            db[o] += d;
            for (int j = 0; j < in; j++) dw[o * in + j] += d * x[(size_t)n * in + j];
        }
        for (int j = 0; j < in; j++) {
            float s = 0.0f;
            for (int o = 0; o < O; o++) s += w[o * in + j] * g[n * O + o];
            c->dx[(size_t)n * in + j] = s;
        }
    }
    c->have_sums = -1;
}

/* dy: the gradient w.r.t. the log-probabilities; log-softmax backward, then W^T.
 * g_o = dy_o - p_o * sum(dy), written as dy_o * sum_{j != o} p_j - p_o * sum_{j != o} dy_j: for a
 * confident prediction 1 - p_o is tiny, and forming it as 1 - p_o in float32 would lose it to
 * rounding (the saliency of a confident reading is ~1e-6); the sum of the other p's keeps it. */
static void dense_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int O = l->K, in = (int)l->fan_in;
    const float *lp = net->logprob + (size_t)n * O, *w = net->params + l->w;
    float p[1000], g[1000];
    for (int o = 0; o < O; o++) p[o] = expf(lp[o]);
    for (int o = 0; o < O; o++) {
        double others_p = 0.0, others_dy = 0.0;
        for (int j = 0; j < O; j++) if (j != o) { others_p += p[j]; others_dy += dy[j]; }
        g[o] = (float)(dy[o] * others_p - p[o] * others_dy);
    }
    for (int j = 0; j < in; j++) {
        float s = 0.0f;
        for (int o = 0; o < O; o++) s += w[o * in + j] * g[o];
        dx[j] = s;
    }
}

/* ---------- the kinds ---------- */

static void backward_per_image(BwdCtx *c);

static const LayerOps OPS[] = {
    [LAYER_CONV]    = { "conv", conv_plan, conv_alloc, conv_forward_image, conv_forward_train, conv_backward, NULL,
                        conv_input_gradient_image },
    [LAYER_MAXPOOL] = { "max-pool", maxpool_plan, maxpool_alloc, maxpool_forward_image, NULL, backward_per_image, maxpool_backward_image,
                        maxpool_input_gradient_image },
    [LAYER_GAP]     = { "global average pool", gap_plan, NULL, gap_forward_image, NULL, backward_per_image, gap_backward_image,
                        gap_input_gradient_image },
    [LAYER_DENSE]   = { "dense", dense_plan, NULL, dense_forward_image, NULL, dense_backward, NULL, dense_input_gradient_image },
};

static const LayerOps *ops_of(int kind) {
    return kind > 0 && kind < (int)(sizeof OPS / sizeof OPS[0]) && OPS[kind].plan ? &OPS[kind] : NULL;
}

static void backward_image_task(void *vctx, int n, int thread) {
    (void)thread;
    BwdCtx *c = vctx;
    ops_of(c->net->layer[c->layer].spec.kind)->backward_image(c, n);
    fused_sums(c, n);
}

static void backward_per_image(BwdCtx *c) {
    pool_run(c->net->pool, c->N, backward_image_task, c);
    c->have_sums = c->sums_layer;
}

/* ---------- shapes ---------- */

/* Fills shapes and parameter offsets; returns total params or 0 and a message. */
static size_t plan(const NetArch *a, Layer *L, size_t *n_bn_state, char *err, size_t errlen) {
    int C = a->in_c, H = a->in_h, W = a->in_w;
    size_t params = 0, bn = 0;
    if (a->n_layers < 1 || a->n_layers > NET_MAX_LAYERS || C < 1 || H < 1 || W < 1 || C > 64 || H > 256 || W > 256) {
        snprintf(err, errlen, "architecture: bad layer count or input shape");
        return 0;
    }
    for (int i = 0; i < a->n_layers; i++) {
        Layer *l = &L[i];
        memset(l, 0, sizeof *l);
        l->spec = a->layers[i];
        l->C = C; l->H = H; l->W = W;
        l->w = l->gamma = l->beta = l->bias = l->run_mean = l->run_var = -1;
        const LayerOps *ops = ops_of(l->spec.kind);
        if (!ops) { snprintf(err, errlen, "architecture: layer %d: unknown kind %d", i + 1, l->spec.kind); return 0; }
        char why[160];
        if (ops->plan(l, i == a->n_layers - 1, &params, &bn, why, sizeof why)) {
            snprintf(err, errlen, "architecture: layer %d (%s): %s", i + 1, ops->name, why);
            return 0;
        }
        C = l->K; H = l->P; W = l->Q;
    }
    if (a->layers[a->n_layers - 1].kind != LAYER_DENSE) {
        snprintf(err, errlen, "architecture: the last layer must be dense");
        return 0;
    }
    *n_bn_state = bn;
    return params;
}

int net_arch_validate(const NetArch *arch, char *err, size_t errlen) {
    Layer L[NET_MAX_LAYERS];
    size_t bn;
    return plan(arch, L, &bn, err, errlen) > 0;
}

size_t net_arch_param_count(const NetArch *arch) {
    Layer L[NET_MAX_LAYERS];
    size_t bn;
    char err[200];
    return plan(arch, L, &bn, err, sizeof err);
}

/* ---------- creation ---------- */

Net *net_create(const NetArch *arch, int max_batch, int n_threads) {
    char err[200];
    Net *net = calloc(1, sizeof *net);
    if (!net || max_batch < 1) { free(net); return NULL; }
    net->arch = *arch;
    net->n_layers = arch->n_layers;
    net->max_batch = max_batch;
    net->n_params = plan(arch, net->layer, &net->n_bn_state, err, sizeof err);
    if (!net->n_params) { free(net); return NULL; }
    net->n_classes = net->layer[net->n_layers - 1].K;
    net->dropout = 0.1f;
    net->bn_momentum = 0.1f;
    net->bn_eps = 1e-5f;
    gemm_variant_name();   /* resolve the kernel choice before any thread uses it */

    size_t max_act = (size_t)arch->in_c * arch->in_h * arch->in_w, max_K = 1, max_wconv = 1, scratch = 1;
    int ok = 1;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        size_t act = (size_t)l->K * l->P * l->Q;
        if (act > max_act) max_act = act;
        if (l->K > (int)max_K) max_K = l->K;
        l->out = falloc(act * max_batch);
        ok &= l->out != NULL;
        const LayerOps *ops = ops_of(l->spec.kind);
        if (ops->alloc) ok &= ops->alloc(l, max_batch, &scratch) == 0;
        size_t wconv = l->spec.kind == LAYER_CONV ? conv_chunk_grad_floats(l) : (size_t)l->K * l->fan_in;
        if (l->run_mean >= 0 && wconv > max_wconv) max_wconv = wconv;   /* chunked weight gradients */
    }
    net->params = falloc(net->n_params);
    net->grads = falloc(net->n_params);
    net->bn_state = falloc(net->n_bn_state);
    net->input = falloc((size_t)max_batch * arch->in_c * arch->in_h * arch->in_w);
    net->logprob = falloc((size_t)max_batch * net->n_classes);
    net->gbuf[0] = falloc(max_act * max_batch);
    net->gbuf[1] = falloc(max_act * max_batch);
    net->partial[0] = calloc((size_t)max_batch * max_K * 2, sizeof(double));
    net->partial[1] = calloc((size_t)max_batch * max_K * 2, sizeof(double));
    net->chunk_grad = falloc(max_wconv * ((max_batch + NET_GRAD_CHUNK - 1) / NET_GRAD_CHUNK));
    net->scratch_floats = scratch;
    for (int t = 0; t < POOL_MAX_THREADS; t++) ok &= (net->scratch[t] = falloc(scratch)) != NULL;
    ok &= net->params && net->grads && net->bn_state && net->input && net->logprob &&
          net->gbuf[0] && net->gbuf[1] && net->partial[0] && net->partial[1] && net->chunk_grad;
    net->pool = pool_create(n_threads);
    if (!ok || !net->pool) { net_free(net); return NULL; }
    for (int i = 0; i < net->n_layers; i++)   /* running variance starts at 1, as PyTorch */
        if (net->layer[i].run_var >= 0)
            for (int k = 0; k < net->layer[i].K; k++) net->bn_state[net->layer[i].run_var + k] = 1.0f;
    return net;
}

/* The old pool's threads end before the new pool's start: in wasm the pthreads come from a
 * pool sized to the cores, and both pools at once could ask for more than it has. */
void net_set_threads(Net *net, int n_threads) {
    if (n_threads == pool_threads(net->pool)) return;
    pool_destroy(net->pool);
    net->pool = pool_create(n_threads);
    if (!net->pool) net->pool = pool_create(1);
}

void net_free(Net *net) {
    if (!net) return;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        free(l->out); free(l->pre); free(l->argmax); free(l->mean); free(l->invstd); free(l->wT); free(l->wino_fwd); free(l->wino_bwd); free(l->wino_of);
    }
    free(net->params); free(net->grads); free(net->bn_state); free(net->input); free(net->logprob);
    free(net->gbuf[0]); free(net->gbuf[1]); free(net->partial[0]); free(net->partial[1]); free(net->chunk_grad);
    for (int t = 0; t < POOL_MAX_THREADS; t++) free(net->scratch[t]);
    pool_destroy(net->pool);
    free(net);
}

void net_init_params(Net *net, uint64_t seed) {
    Rng r = rng_for(seed, RNG_INIT, 0, 0);
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        if (l->w < 0) continue;
        size_t fan_in = l->fan_in, n = fan_in * l->K;
        float bound = 1.0f / sqrtf((float)fan_in);   /* kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)) */
        for (size_t j = 0; j < n; j++) net->params[l->w + j] = (2.0f * rng_uniform(&r) - 1.0f) * bound;
        if (l->bias >= 0)
            for (int k = 0; k < l->K; k++) net->params[l->bias + k] = (2.0f * rng_uniform(&r) - 1.0f) * bound;
        if (l->gamma >= 0)
            for (int k = 0; k < l->K; k++) { net->params[l->gamma + k] = 1.0f; net->params[l->beta + k] = 0.0f; }
        if (l->run_mean >= 0)
            for (int k = 0; k < l->K; k++) { net->bn_state[l->run_mean + k] = 0.0f; net->bn_state[l->run_var + k] = 1.0f; }
    }
}

void net_zero_grad(Net *net) { memset(net->grads, 0, net->n_params * sizeof(float)); }

/* ---------- forward ---------- */

/* Training forward fuses each conv layer's normalise + ReLU + dropout into the next layer's
 * per-image task: the image's activations are still in cache, and a barrier is saved. */
static void finish_pending(const FwdCtx *c, int n) {
    if (c->pending < 0) return;
    const Layer *p = &c->net->layer[c->pending];
    bn_act_image(c->net, p, n, p->mean, p->invstd, 1, c->seed, c->step, c->pending);
}

static void pending_task(void *vctx, int n, int thread) { (void)thread; finish_pending(vctx, n); }

/* training, a layer without batch statistics: the pending conv output, then this layer */
static void forward_image_task(void *vctx, int n, int thread) {
    FwdCtx *c = vctx;
    finish_pending(c, n);
    ops_of(c->net->layer[c->layer].spec.kind)->forward_image(c, n, thread);
}

/* eval: each image through every layer in one task (no batch statistics to wait for) */
static void eval_image_task(void *vctx, int n, int thread) {
    FwdCtx c = *(FwdCtx *)vctx;
    for (c.layer = 0; c.layer < c.net->n_layers; c.layer++)
        ops_of(c.net->layer[c.layer].spec.kind)->forward_image(&c, n, thread);
}

float net_forward(Net *net, int N, const uint8_t *labels, int training, uint64_t seed, uint64_t step) {
    float loss_per_image[4096];
    float *loss = N <= 4096 ? loss_per_image : calloc(N, sizeof(float));
    FwdCtx ctx = { net, 0, N, training, -1, seed, step, labels, loss };
    for (int i = 0; i < net->n_layers; i++) {          /* the weights in Winograd's domain, when they changed */
        Layer *l = &net->layer[i];
        size_t bytes = (size_t)l->K * l->fan_in * sizeof(float);
        if (!l->winograd || !memcmp(l->wino_of, net->params + l->w, bytes)) continue;
        winograd_weights(net->params + l->w, l->K, l->C, 0, l->wino_fwd);
        memcpy(l->wino_of, net->params + l->w, bytes);
    }
    if (!training) {
        pool_run(net->pool, N, eval_image_task, &ctx);
    } else {
        for (int i = 0; i < net->n_layers; i++) {
            const LayerOps *ops = ops_of(net->layer[i].spec.kind);
            ctx.layer = i;
            if (ops->forward_train) { ops->forward_train(&ctx); continue; }   /* sets ctx.pending */
            pool_run(net->pool, N, forward_image_task, &ctx);
            ctx.pending = -1;
        }
        if (ctx.pending >= 0) pool_run(net->pool, N, pending_task, &ctx);   /* only if a conv were last */
    }
    double total = 0.0;
    if (labels) for (int n = 0; n < N; n++) total += loss[n];
    if (loss != loss_per_image) free(loss);
    return labels ? (float)(total / N) : 0.0f;
}

int net_argmax(const Net *net, int n) {
    const float *lp = net->logprob + (size_t)n * net->n_classes;
    int best = 0;
    for (int o = 1; o < net->n_classes; o++) if (lp[o] > lp[best]) best = o;
    return best;
}

/* ---------- backward ---------- */

void net_backward(Net *net, int N, const uint8_t *labels) {
    int cur = 0, have_sums = -1;
    for (int i = net->n_layers - 1; i >= 0; i--) {
        int below = i > 0 && net->layer[i - 1].spec.kind == LAYER_CONV ? i - 1 : -1;
        BwdCtx ctx = { net, i, N, labels, net->gbuf[cur], net->gbuf[1 - cur], 1.0f / (1.0f - net->dropout), below, have_sums };
        ops_of(net->layer[i].spec.kind)->backward(&ctx);
        have_sums = ctx.have_sums;
        cur = 1 - cur;
    }
}

/* ---------- inside view ---------- */

void net_input_gradient(Net *net, int n, int cls, float *grad) {
    float *dy = net->gbuf[0], *dx = net->gbuf[1];
    memset(dy, 0, (size_t)net->n_classes * sizeof(float));
    dy[cls] = 1.0f;
    for (int i = net->n_layers - 1; i >= 0; i--) {
        const Layer *l = &net->layer[i];
        float *out = i == 0 ? grad : dx;
        ops_of(l->spec.kind)->input_gradient_image(net, l, n, dy, out);
        float *t = dy; dy = dx; dx = t;
    }
}
