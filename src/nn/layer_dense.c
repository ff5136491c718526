/* layer_dense.c - the fully connected layer kind (LAYER_DENSE, the last layer): logits = W x + b,
 * then log-softmax and the negative log-likelihood (with label smoothing when set). Its
 * backward is serial: it is tiny. */
#include "layers.h"
#include <math.h>
#include <stdio.h>

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

const LayerOps LAYER_OPS_DENSE = {
    "dense", dense_plan, NULL, dense_forward_image, NULL, dense_backward, NULL, dense_input_gradient_image, NULL,
};
