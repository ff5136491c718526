/* layer_pool.c - the pooling layer kinds: max-pool (LAYER_MAXPOOL, size x size windows, stride
 * size, floor; the winner's index kept for the backward) and global average pool (LAYER_GAP).
 * Both work per image and have no parameters. */
#include "layers.h"
#include "kernels/eltwise.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const EltwiseKernels *elt = &eltwise_vec;

/* ---------- max-pool ---------- */

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

/* the winners' indices, a byte each, in a float buffer's bytes */
static void maxpool_alloc(Layer *l, int max_batch, const NetOptions *opts, size_t *scratch, NetAlloc *a) {
    size_t bytes = (size_t)l->K * l->P * l->Q * max_batch;
    l->argmax = net_take(a, (bytes + sizeof(float) - 1) / sizeof(float), NET_MEM_ACTIVATIONS);
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

/* ---------- global average pool ---------- */

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

const LayerOps LAYER_OPS_MAXPOOL = {
    "max-pool", maxpool_plan, maxpool_alloc, maxpool_forward_image, NULL, NULL, maxpool_backward_image,
    maxpool_input_gradient_image, NULL,
};
const LayerOps LAYER_OPS_GAP = {
    "global average pool", gap_plan, NULL, gap_forward_image, NULL, NULL, gap_backward_image,
    gap_input_gradient_image, NULL,
};
