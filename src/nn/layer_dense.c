/* layer_dense.c - the fully connected layer kind (LAYER_DENSE) and flatten (LAYER_FLATTEN).
 *
 * Dense: y = W x + b over the input flattened (C*H*W values in NCHW order). The last layer's y
 * are the logits: log-softmax and the negative log-likelihood (with label smoothing when set)
 * follow. A hidden one (not last) is followed by ReLU and inverted dropout, like a conv layer's
 * output. Backward in two pool passes, each independent of the thread count: per image, the
 * output gradient (softmax - target, or ReLU and dropout) and the input gradient; then per
 * output row, the weight and bias gradients summed over the images in image order.
 *
 * Flatten: K*H*W values, copied as they are; it only changes the shape (PyTorch's nn.Flatten). */
#include "layers.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static int is_hidden(const Net *net, int i) { return i < net->n_layers - 1; }

static int dense_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    const LayerSpec *s = &l->spec;
    int lo = is_last ? 2 : 1, hi = is_last ? 1000 : LIMIT_DESIGN_MAX_FC;
    if (s->out_c < lo || s->out_c > hi) {
        snprintf(err, errlen, "%d outputs; a %s fully connected layer has %d to %d", s->out_c,
                 is_last ? "last" : "hidden", lo, hi);
        return 1;
    }
    if (s->size != 0 || (s->flags & ~LAYER_OWN_DROPOUT) || (is_last && (s->flags & LAYER_OWN_DROPOUT))) {
        snprintf(err, errlen,
                 is_last ? "the last fully connected layer takes no options (log-softmax follows it)"
                         : "a fully connected layer takes only a dropout");
        return 1;
    }
    if ((s->flags & LAYER_OWN_DROPOUT) && !(s->dropout >= 0.0f && s->dropout <= 0.9f)) {
        snprintf(err, errlen, "dropout %g; it is 0 to 0.9", s->dropout);
        return 1;
    }
    l->K = s->out_c; l->P = 1; l->Q = 1;
    l->fan_in = (size_t)l->C * l->H * l->W;
    l->macs = l->fan_in * l->K;
    l->w = (long)*params; *params += (size_t)l->K * l->fan_in;
    l->bias = (long)*params; *params += l->K;
    return 0;
}

/* y = W x + b */
static void dense_affine(const Net *net, const Layer *l, const float *x, float *y) {
    int in = (int)l->fan_in;
    const float *w = net->params + l->w, *b = net->params + l->bias;
    for (int o = 0; o < l->K; o++) {
        float s = 0.0f;
        for (int j = 0; j < in; j++) s += w[o * in + j] * x[j];
        y[o] = s + b[o];
    }
}

/* log-softmax of the logits into logprob; returns the image's loss if label >= 0 */
static float log_softmax_loss(const Net *net, int O, const float *logits, float *logprob, int label) {
    float mx = logits[0];
    for (int o = 1; o < O; o++) if (logits[o] > mx) mx = logits[o];
    double sum = 0.0;
    for (int o = 0; o < O; o++) sum += exp((double)(logits[o] - mx));
    float lse = mx + (float)log(sum);
    float smooth_term = 0.0f;
    for (int o = 0; o < O; o++) {
        logprob[o] = logits[o] - lse;
        smooth_term -= logprob[o];
    }
    if (label < 0) return 0.0f;
    float eps = net->label_smoothing;
    return (1.0f - eps) * -logprob[label] + eps * smooth_term / (float)O;
}

static void dense_forward_image(const FwdCtx *c, int n, int thread) {
    const Net *net = c->net;
    const Layer *l = &net->layer[c->layer];
    float *y = l->out + (size_t)l->K * n;
    dense_affine(net, l, layer_input(net, c->layer, n), y);
    if (!is_hidden(net, c->layer)) {
        c->loss[n] = log_softmax_loss(net, l->K, y, net->logprob + (size_t)n * l->K, c->labels ? c->labels[n] : -1);
        return;
    }
    for (int o = 0; o < l->K; o++) y[o] = y[o] > 0.0f ? y[o] : 0.0f;
    if (c->training) layer_dropout_image(net, c->layer, n, c->seed, c->step, y, l->K, NULL);
}

/* image n: dy becomes the gradient of y (in place), then dx = W^T dy */
static void dense_backward_image(const BwdCtx *c, int n) {
    Net *net = c->net;
    const Layer *l = &net->layer[c->layer];
    int O = l->K, in = (int)l->fan_in;
    float *g = c->dy + (size_t)n * O;
    if (!is_hidden(net, c->layer)) {          /* log-softmax + NLL (+ label smoothing) */
        float eps = net->label_smoothing;
        for (int o = 0; o < O; o++) {
            float target = (o == c->labels[n] ? 1.0f - eps : 0.0f) + eps / (float)O;
            g[o] = (expf(net->logprob[(size_t)n * O + o]) - target) / (float)c->N;
        }
    } else {                                  /* ReLU and dropout, read off the output */
        const float *out = l->out + (size_t)n * O;
        float scale = 1.0f / (1.0f - net_layer_dropout(net, c->layer));
        for (int o = 0; o < O; o++) g[o] = out[o] > 0.0f ? g[o] * scale : 0.0f;
    }
    if (c->layer == 0) return;
    const float *w = net->params + l->w;
    float *dx = c->dx + (size_t)n * in;
    for (int j = 0; j < in; j++) {
        float s = 0.0f;
        for (int o = 0; o < O; o++) s += w[o * in + j] * g[o];
        dx[j] = s;
    }
}

/* output row o: its weight and bias gradients, summed over the images in image order */
static void dense_weight_row_task(void *vctx, int o, int thread) {
    const BwdCtx *c = vctx;
    Net *net = c->net;
    const Layer *l = &net->layer[c->layer];
    int O = l->K, in = (int)l->fan_in;
    const float *x = layer_input(net, c->layer, 0);
    float *dw = net->grads + l->w + (size_t)o * in, *db = net->grads + l->bias + o;
    for (int n = 0; n < c->N; n++) {
        float d = c->dy[(size_t)n * O + o];
        *db += d;
        const float *xn = x + (size_t)n * in;
        for (int j = 0; j < in; j++) dw[j] += d * xn[j];
    }
}

/* after the per-image part (dense_backward_image, run by the drivers): the weight gradient */
static void dense_backward(BwdCtx *c) {
    pool_run(c->net->pool, c->net->layer[c->layer].K, dense_weight_row_task, c);
}

/* dy: the gradient w.r.t. the log-probabilities; log-softmax backward, then W^T.
 * g_o = dy_o - p_o * sum(dy), written as dy_o * sum_{j != o} p_j - p_o * sum_{j != o} dy_j: for a
 * confident prediction 1 - p_o is tiny, and forming it as 1 - p_o in float32 would lose it to
 * rounding (the saliency of a confident reading is ~1e-6); the sum of the other p's keeps it.
 * A hidden layer: dy through ReLU (eval: no dropout), then W^T. */
static void dense_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    int O = l->K, in = (int)l->fan_in, i = (int)(l - net->layer);
    const float *w = net->params + l->w;
    float g[LIMIT_DESIGN_MAX_FC];
    if (is_hidden(net, i)) {
        const float *out = l->out + (size_t)n * O;
        for (int o = 0; o < O; o++) g[o] = out[o] > 0.0f ? dy[o] : 0.0f;
    } else {
        const float *lp = net->logprob + (size_t)n * O;
        float p[LIMIT_DESIGN_MAX_FC];
        for (int o = 0; o < O; o++) p[o] = expf(lp[o]);
        for (int o = 0; o < O; o++) {
            double others_p = 0.0, others_dy = 0.0;
            for (int j = 0; j < O; j++) if (j != o) { others_p += p[j]; others_dy += dy[j]; }
            g[o] = (float)(dy[o] * others_p - p[o] * others_dy);
        }
    }
    for (int j = 0; j < in; j++) {
        float s = 0.0f;
        for (int o = 0; o < O; o++) s += w[o * in + j] * g[o];
        dx[j] = s;
    }
}

const LayerOps LAYER_OPS_DENSE = {
    "fully connected", dense_plan, NULL, dense_forward_image, NULL, dense_backward, dense_backward_image,
    dense_input_gradient_image, NULL,
};

/* ---------- flatten ---------- */

static int flatten_plan(Layer *l, int is_last, size_t *params, size_t *bn, char *err, size_t errlen) {
    if (l->spec.out_c || l->spec.size || l->spec.flags) { snprintf(err, errlen, "flatten takes no options"); return 1; }
    l->K = l->C * l->H * l->W; l->P = 1; l->Q = 1;
    return 0;
}

static void flatten_forward_image(const FwdCtx *c, int n, int thread) {
    const Layer *l = &c->net->layer[c->layer];
    memcpy(l->out + (size_t)l->K * n, layer_input(c->net, c->layer, n), (size_t)l->K * sizeof(float));
}

static void flatten_backward_image(const BwdCtx *c, int n) {
    const Layer *l = &c->net->layer[c->layer];
    memcpy(c->dx + (size_t)l->K * n, c->dy + (size_t)l->K * n, (size_t)l->K * sizeof(float));
}

static void flatten_input_gradient_image(const Net *net, const Layer *l, int n, const float *dy, float *dx) {
    memcpy(dx, dy, (size_t)l->K * sizeof(float));
}

const LayerOps LAYER_OPS_FLATTEN = {
    "flatten", flatten_plan, NULL, flatten_forward_image, NULL, NULL, flatten_backward_image,
    flatten_input_gradient_image, NULL,
};
