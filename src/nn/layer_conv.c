/* layer_conv.c - the convolution layer kind (LAYER_CONV): conv (through the layer's method,
 * conv_method.h) + BatchNorm + ReLU + inverted dropout, with everything it does side by side:
 * plan, buffers, forward (eval per image; training as conv + per-image BatchNorm sums in
 * parallel, then their reduction in image order in double), backward, input gradient.
 *
 * Its normalise + ReLU + dropout runs at the start of the *next* layer's per-image task
 * (finish_pending), while the image is still in cache; its BatchNorm-backward sums for image n
 * are made by the layer above as soon as that layer produced image n's gradient (fused_sums). */
#include "layers.h"
#include "conv_method.h"
#include "kernels/eltwise.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const EltwiseKernels *elt = &eltwise_vec;

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

static size_t conv_chunk_grad_floats(const Layer *l) { return l->method->weight_grad_floats(l); }

/* the layer's buffers and its method, chosen now (conv_method.h) and kept */
static int conv_alloc(Layer *l, int max_batch, const NetOptions *opts, size_t *scratch) {
    l->method = conv_method_choose(l, opts->conv);
    size_t act = (size_t)l->K * l->P * l->Q;
    l->pre = nn_falloc(act * max_batch);
    l->mean = nn_falloc(l->K);
    l->invstd = nn_falloc(l->K);
    size_t need = l->method->scratch_floats(l);
    if (need > *scratch) *scratch = need;
    return !(l->pre && l->mean && l->invstd) || l->method->alloc(l);
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
    l->method->forward(l, net->params + l->w, layer_input(net, c->layer, n), l->pre + per * n, net->scratch[thread]);
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
    l->method->forward(l, net->params + l->w, layer_input(net, c->layer, n), y, net->scratch[thread]);
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

void fused_sums(const BwdCtx *c, int n) {
    if (c->sums_layer >= 0) bn_bwd_sums_image(c->net, c->sums_layer, n, c->dx, c->scale);
}

/* per chunk of images: dpre from dz (in place), weight-gradient partial, input gradient */
static void conv_bwd_task(void *vctx, int chunk, int thread) {
    BwdCtx *c = vctx;
    Net *net = c->net;
    Layer *l = &net->layer[c->layer];
    int PQ = l->P * l->Q;
    size_t per_out = (size_t)l->K * PQ, per_in = (size_t)l->C * l->H * l->W;
    size_t per_chunk = l->method->weight_grad_floats(l);
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
        l->method->weight_gradient(l, layer_input(net, c->layer, n), dz, dw, net->scratch[thread]);
        if (c->layer > 0) {
            l->method->backward_data(l, dz, c->dx + per_in * n, net->scratch[thread]);
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
    l->method->prepare_backward(l, net->params + l->w);    /* the backward-data pass's weights */
    int chunks = (N + NET_GRAD_CHUNK - 1) / NET_GRAD_CHUNK;
    pool_run(net->pool, chunks, conv_bwd_task, c);
    l->method->weight_gradient_finish(l, net->chunk_grad, chunks, net->grads + l->w);
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

/* Training forward fuses each conv layer's normalise + ReLU + dropout into the next layer's
 * per-image task: the image's activations are still in cache, and a barrier is saved. */
void finish_pending(const FwdCtx *c, int n) {
    if (c->pending < 0) return;
    const Layer *p = &c->net->layer[c->pending];
    bn_act_image(c->net, p, n, p->mean, p->invstd, 1, c->seed, c->step, c->pending);
}

const LayerOps LAYER_OPS_CONV = {
    "conv", conv_plan, conv_alloc, conv_forward_image, conv_forward_train, conv_backward, NULL,
    conv_input_gradient_image, conv_chunk_grad_floats,
};
