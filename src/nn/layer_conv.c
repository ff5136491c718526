/* layer_conv.c - the convolution layer kind (LAYER_CONV): conv (through the layer's method,
 * conv_method.h) + BatchNorm (or, with LAYER_NO_BN, a bias) + ReLU + inverted dropout, with
 * everything it does side by side: plan, buffers, forward (eval per image; training as conv +
 * per-image BatchNorm sums in parallel, then their reduction in image order in double),
 * backward, input gradient.
 *
 * Padding ("same"): the methods compute valid convolutions; a padded layer hands them a copy of
 * the image with its zero border (in the thread's scratch, after the method's own) and the
 * layer as they see it (method_layer: H and W grown by the border); backward data comes back
 * on the padded shape and its interior is the input gradient.
 *
 * Without BatchNorm the same passes run with mean 0, 1/std 1, scale 1 and the bias as shift:
 * relu(1 * pre + bias) is exactly pre + bias, and the bias gradient is the sum the BatchNorm
 * shift's would be.
 *
 * Its normalise + ReLU + dropout runs at the start of the *next* layer's per-image task
 * (finish_pending), while the image is still in cache; its BatchNorm-backward sums for image n
 * are made by the layer above as soon as that layer produced image n's gradient (fused_sums). */
#include "layers.h"
#include "conv_method.h"
#include "kernels/eltwise.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const EltwiseKernels *elt = &eltwise_vec;

static int conv_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    const LayerSpec *s = &l->spec;
    int R = s->size, same = (s->flags & LAYER_PAD_SAME) != 0;
    if (s->out_c < 1 || s->out_c > NET_MAX_CHANNELS) {
        snprintf(err, errlen, "%d output channels; a convolution has 1 to %d", s->out_c, NET_MAX_CHANNELS);
        return 1;
    }
    if (s->flags & ~(LAYER_PAD_SAME | LAYER_NO_BN | LAYER_OWN_DROPOUT)) {
        snprintf(err, errlen, "unknown options 0x%x", s->flags);
        return 1;
    }
    if (same && R % 2 == 0) { snprintf(err, errlen, "\"same\" padding needs an odd kernel, not %d", R); return 1; }
    if ((s->flags & LAYER_OWN_DROPOUT) && !(s->dropout >= 0.0f && s->dropout <= 0.9f)) {
        snprintf(err, errlen, "dropout %g; it is 0 to 0.9", s->dropout);
        return 1;
    }
    int G = net_layer_groups(s);
    if (s->groups < 0 || G > NET_MAX_GROUPS || l->C % G || s->out_c % G) {
        snprintf(err, errlen, "%d groups; the group count (1 to %d) divides the input channels (%d) and the output "
                 "channels (%d)", s->groups, NET_MAX_GROUPS, l->C, s->out_c);
        return 1;
    }
    l->pad = same ? R / 2 : 0;
    if (R < 1 || R > 15 || R > l->H + 2 * l->pad || R > l->W + 2 * l->pad) {
        snprintf(err, errlen,
                 "a %dx%d kernel does not fit its %dx%d input (kernels are 1 to 15 and no larger than the input)", R, R,
                 l->H, l->W);
        return 1;
    }
    l->K = s->out_c; l->P = l->H + 2 * l->pad - R + 1; l->Q = l->W + 2 * l->pad - R + 1;
    l->fan_in = (size_t)(l->C / G) * R * R;          /* each output channel sees its group's inputs */
    l->macs = (size_t)l->K * l->P * l->Q * l->fan_in;
    l->w = (long)*params; *params += (size_t)l->K * l->fan_in;
    if (s->flags & LAYER_NO_BN) {
        l->bias = (long)*params; *params += l->K;
        return 0;
    }
    l->gamma = (long)*params; *params += l->K;
    l->beta = (long)*params; *params += l->K;
    l->run_mean = (long)*bn; *bn += l->K;
    l->run_var = (long)*bn; *bn += l->K;
    return 0;
}

static int has_bn(const Layer *l) { return !(l->spec.flags & LAYER_NO_BN); }

/* the layer as its method sees it: the layer itself, or (padded) a copy in *view with the input
 * grown by the zero border */
static const Layer *method_layer(const Layer *l, Layer *view) {
    if (!l->pad) return l;
    *view = *l;
    view->H += 2 * l->pad; view->W += 2 * l->pad; view->pad = 0;
    return view;
}

/* image x (C x H x W) with its zero border into xp (C x (H + 2 pad) x (W + 2 pad)) */
static void pad_image(const Layer *l, const float *x, float *xp) {
    int pad = l->pad, Hp = l->H + 2 * pad, Wp = l->W + 2 * pad;
    memset(xp, 0, (size_t)l->C * Hp * Wp * sizeof(float));
    for (int c = 0; c < l->C; c++)
        for (int h = 0; h < l->H; h++)
            memcpy(xp + ((size_t)c * Hp + h + pad) * Wp + pad, x + ((size_t)c * l->H + h) * l->W,
                   (size_t)l->W * sizeof(float));
}

/* the interior of dxp (padded shape) into dx (C x H x W) */
static void crop_image(const Layer *l, const float *dxp, float *dx) {
    int pad = l->pad, Hp = l->H + 2 * pad, Wp = l->W + 2 * pad;
    for (int c = 0; c < l->C; c++)
        for (int h = 0; h < l->H; h++)
            memcpy(dx + ((size_t)c * l->H + h) * l->W, dxp + ((size_t)c * Hp + h + pad) * Wp + pad,
                   (size_t)l->W * sizeof(float));
}

/* the method's input for image x: x itself, or its padded copy in the thread's scratch */
static const float *method_input(const Layer *l, const float *x, float *scratch) {
    if (!l->pad) return x;
    float *xp = scratch + l->method_scratch;
    pad_image(l, x, xp);
    return xp;
}

/* the affine map a channel's normalise applies before ReLU: out = relu(a * pre + b) */
static void channel_affine(const Net *net, const Layer *l, int k, float mean, float invstd, float *a, float *b) {
    if (!has_bn(l)) { *a = 1.0f; *b = net->params[l->bias + k]; return; }
    *a = net->params[l->gamma + k] * invstd;
    *b = net->params[l->beta + k] - mean * *a;
}

static size_t conv_chunk_grad_floats(const Layer *l) { return l->method->weight_grad_floats(l); }

/* the layer's buffers and its method, chosen now (conv_method.h) and kept */
static void conv_alloc(Layer *l, int max_batch, const NetOptions *opts, size_t *scratch, NetAlloc *a) {
    Layer view;
    const Layer *ml = method_layer(l, &view);
    l->method = conv_method_choose(ml, opts->conv);
    size_t act = (size_t)l->K * l->P * l->Q;
    l->pre = net_take(a, act * max_batch, NET_MEM_ACTIVATIONS);
    l->mean = net_take(a, l->K, NET_MEM_WEIGHTS);
    l->invstd = net_take(a, l->K, NET_MEM_WEIGHTS);
    for (int k = 0; l->mean && l->invstd && k < l->K; k++) {
        l->mean[k] = 0.0f;
        l->invstd[k] = 1.0f;
    } /* without BatchNorm: always */
    l->method_scratch = l->method->scratch_floats(ml);
    size_t need = l->method_scratch + (l->pad ? (size_t)ml->C * ml->H * ml->W : 0);
    if (need > *scratch) *scratch = need;
    l->method->alloc(l, a);
}

/* out = dropout(relu(gamma * (pre - mean) * invstd + beta)) (or relu(pre + bias)); mean/invstd per channel */
static void bn_act_image(const Net *net, const Layer *l, int n, const float *mean, const float *invstd,
                         int training, uint64_t seed, uint64_t step, int layer_index) {
    int PQ = l->P * l->Q;
    const float *pre = l->pre + (size_t)n * l->K * PQ;
    float *out = l->out + (size_t)n * l->K * PQ;
    for (int k = 0; k < l->K; k++) {
        float a, b;
        channel_affine(net, l, k, mean[k], invstd[k], &a, &b);
        elt->bn_relu(pre + (size_t)k * PQ, out + (size_t)k * PQ, PQ, a, b);
    }
    if (training) layer_dropout_image(net, layer_index, n, seed, step, out, l->K * PQ, NULL);
}

/* eval mode: running statistics */
static void conv_forward_image(const FwdCtx *c, int n, int thread) {
    Net *net = c->net;
    const Layer *l = &net->layer[c->layer];
    size_t per = (size_t)l->K * l->P * l->Q;
    float *scratch = net->scratch[thread];
    Layer view;
    l->method->forward(method_layer(l, &view), net->params + l->w,
                       method_input(l, layer_input(net, c->layer, n), scratch), l->pre + per * n, scratch);
    float mean[NET_MAX_CHANNELS], invstd[NET_MAX_CHANNELS];
    for (int k = 0; k < l->K; k++) {
        mean[k] = has_bn(l) ? net->bn_state[l->run_mean + k] : 0.0f;
        invstd[k] = has_bn(l) ? 1.0f / sqrtf(net->bn_state[l->run_var + k] + net->bn_eps) : 1.0f;
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
    float *y = l->pre + (size_t)n * l->K * PQ, *scratch = net->scratch[thread];
    Layer view;
    l->method->forward(method_layer(l, &view), net->params + l->w,
                       method_input(l, layer_input(net, c->layer, n), scratch), y, scratch);
    if (!has_bn(l)) return;
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
    c->pending = i;               /* applied by the next layer's tasks */
    if (!has_bn(l)) return;       /* mean 0, 1/std 1 (conv_alloc) */
    const double *partial = net->partial[i & 1];
    double count = (double)N * l->P * l->Q;
    float mom = net->bn_momentum;
    for (int k = 0; k < l->K; k++) {
        double s = 0.0, ss = 0.0;
        for (int n = 0; n < N; n++) {
            s += partial[((size_t)n * l->K + k) * 2];
            ss += partial[((size_t)n * l->K + k) * 2 + 1];
        }
        double mean = s / count, var = ss / count - mean * mean;
        if (var < 0.0) var = 0.0;
        l->mean[k] = (float)mean;
        l->invstd[k] = (float)(1.0 / sqrt(var + net->bn_eps));
        float *rm = net->bn_state + l->run_mean + k, *rv = net->bn_state + l->run_var + k;
        double unbiased = count > 1.0 ? var * count / (count - 1.0) : var;
        *rm = (1.0f - mom) * *rm + mom * (float)mean;
        *rv = (1.0f - mom) * *rv + mom * (float)unbiased;
    }
}

/* dz = dy * relu'(.) * dropout mask (both read off out > 0), in place in dy; per-image sums
 * into partial[layer & 1]. Run by the layer above as soon as it has produced image n's dy. */
static void bn_bwd_sums_image(Net *net, int layer, int n, float *dy) {
    Layer *l = &net->layer[layer];
    float scale = 1.0f / (1.0f - net_layer_dropout(net, layer));
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
    bn_bwd_sums_image(c->net, c->layer, n, c->dy);
}

void fused_sums(const BwdCtx *c, int n) {
    if (c->sums_layer >= 0) bn_bwd_sums_image(c->net, c->sums_layer, n, c->dx);
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
    float *scratch = net->scratch[thread];
    Layer view;
    const Layer *ml = method_layer(l, &view);
    const double *sums = net->partial[c->layer & 1];    /* batch totals in slot 0 (net_backward) */
    double count = (double)c->N * PQ;
    int n_end = (chunk + 1) * NET_GRAD_CHUNK < c->N ? (chunk + 1) * NET_GRAD_CHUNK : c->N;
    for (int n = chunk * NET_GRAD_CHUNK; n < n_end; n++) {
        float *dz = c->dy + per_out * n;
        const float *pre = l->pre + per_out * n;
        for (int k = 0; k < l->K && has_bn(l); k++)   /* without BatchNorm dpre is dz */
            elt->bn_backward_apply(dz + (size_t)k * PQ, pre + (size_t)k * PQ, PQ,
                                   net->params[l->gamma + k] * l->invstd[k], l->mean[k], l->invstd[k],
                                   (float)(sums[2 * k] / count), (float)(sums[2 * k + 1] / count));
        l->method->weight_gradient(ml, method_input(l, layer_input(net, c->layer, n), scratch), dz, dw, scratch);
        if (c->layer > 0) {
            if (!l->pad) l->method->backward_data(ml, dz, c->dx + per_in * n, scratch);
            else {
                float *dxp = scratch + l->method_scratch;      /* the padded input is no longer needed */
                l->method->backward_data(ml, dz, dxp, scratch);
                crop_image(l, dxp, c->dx + per_in * n);
            }
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
        for (int n = 0; n < N; n++) {
            s += partial[((size_t)n * l->K + k) * 2];
            sx += partial[((size_t)n * l->K + k) * 2 + 1];
        }
        partial[2 * k] = s;
        partial[2 * k + 1] = sx;
        if (!has_bn(l)) { net->grads[l->bias + k] += (float)s; continue; }
        net->grads[l->beta + k] += (float)s;
        net->grads[l->gamma + k] += (float)sx;
    }
    l->method->prepare_backward(l, net->params + l->w);    /* the backward-data pass's weights */
    int chunks = (N + NET_GRAD_CHUNK - 1) / NET_GRAD_CHUNK;
    pool_run(net->pool, chunks, conv_bwd_task, c);
    l->method->weight_gradient_finish(l, net->chunk_grad, chunks, net->grads + l->w);
    c->have_sums = c->sums_layer;
}

/* eval: out = relu(a * pre + b) with a = gamma / sqrt(running var + eps) (1 without BatchNorm),
 * so dpre = dy * a where out > 0; then dx = the transposed convolution of dpre (inputs in the
 * zero border get nothing; output channel k reaches its group's Cg inputs only) */
static void conv_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int R = l->spec.size, PQ = l->P * l->Q, pad = l->pad, G = net_layer_groups(&l->spec), Cg = l->C / G, Kg = l->K / G;
    const float *out = l->out + (size_t)n * l->K * PQ, *w = net->params + l->w;
    memset(dx, 0, (size_t)l->C * l->H * l->W * sizeof(float));
    for (int k = 0; k < l->K; k++) {
        float a = has_bn(l) ? net->params[l->gamma + k] / sqrtf(net->bn_state[l->run_var + k] + net->bn_eps) : 1.0f;
        for (int p = 0; p < l->P; p++)
            for (int q = 0; q < l->Q; q++) {
                int o = p * l->Q + q;
                if (!(out[(size_t)k * PQ + o] > 0.0f)) continue;
                float d = dy[(size_t)k * PQ + o] * a;
                for (int j = 0; j < Cg; j++)
                    for (int r = 0; r < R; r++) {
                        int h = p + r - pad, c = k / Kg * Cg + j;
                        if (h < 0 || h >= l->H) continue;
                        for (int t = 0; t < R; t++) {
                            int x = q + t - pad;
                            if (x >= 0 && x < l->W)
                                dx[((size_t)c * l->H + h) * l->W + x] += w[(((size_t)k * Cg + j) * R + r) * R + t] * d;
                        }
                    }
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
