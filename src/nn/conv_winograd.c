/* conv_winograd.c - the Winograd F(2x2, 3x3) method (conv_method.h; the algorithm in
 * kernels/winograd.h) for 3x3 layers with at least 8 input channels (a one-channel first layer
 * has too little arithmetic per transform) and one group. Forward and backward data are Winograd
 * convolutions (backward data: pad 2 over the rotated filters); the weight gradient is summed in
 * the transformed domain (16 x C x K per chunk) and brought back once per batch.
 * method_buf: [0] the forward weights U (16 x K x C), [1] the backward-data weights
 * (16 x C x K), [2] the weights [0] was made from (a prediction between training steps reuses
 * the transform instead of redoing it). */
#include "conv_method.h"
#include "layers.h"
#include "kernels/winograd.h"
#include <string.h>

/* one group only: the transforms and their GEMMs are not written per group (a grouped layer runs direct) */
static int winograd_runs(const Layer *l) { return l->spec.size == 3 && l->C >= 8 && net_layer_groups(&l->spec) == 1; }

static size_t winograd_scratch(const Layer *l) {
    size_t fwd = winograd_scratch_floats(l->C, l->K, l->P, l->Q), bwd = winograd_scratch_floats(l->K, l->C, l->H, l->W);
    return fwd > bwd ? fwd : bwd;
}

static size_t winograd_weight_grad_floats(const Layer *l) { return 16 * (size_t)l->C * l->K; }

static void winograd_alloc(Layer *l, NetAlloc *a) {
    l->method_buf[0] = net_take(a, 16 * (size_t)l->K * l->C, NET_MEM_WEIGHTS);
    l->method_buf[1] = net_take(a, 16 * (size_t)l->K * l->C, NET_MEM_WEIGHTS);
    l->method_buf[2] = net_take(a, l->fan_in * l->K, NET_MEM_WEIGHTS);      /* zeros, whose transform [0] (zeros) is */
}

static void winograd_prepare_forward(Layer *l, const float *w) {
    size_t bytes = (size_t)l->K * l->fan_in * sizeof(float);
    if (!memcmp(l->method_buf[2], w, bytes)) return;
    winograd_weights(w, l->K, l->C, 0, l->method_buf[0]);
    memcpy(l->method_buf[2], w, bytes);
}

static void winograd_prepare_backward(Layer *l, const float *w) {
    winograd_weights(w, l->C, l->K, 1, l->method_buf[1]);
}

static void winograd_forward(const Layer *l, const float *w, const float *x, float *y, float *scratch) {
    winograd_conv(x, l->C, l->H, l->W, 0, l->method_buf[0], l->K, y, l->P, l->Q, scratch);
}

/* the full correlation of dy with the rotated filters: a Winograd conv with pad 2 */
static void winograd_backward_data(const Layer *l, const float *dy, float *dx, float *scratch) {
    winograd_conv(dy, l->K, l->P, l->Q, 2, l->method_buf[1], l->C, dx, l->H, l->W, scratch);
}

static void winograd_weight_grad(const Layer *l, const float *x, const float *dy, float *partial, float *scratch) {
    winograd_weight_gradient(x, l->C, l->H, l->W, dy, l->K, l->P, l->Q, partial, scratch);
}

/* the chunks' sums in the transformed domain, in chunk order (into the first), then back */
static void winograd_weight_grad_finish(const Layer *l, float *partials, int chunks, float *dw) {
    size_t per_chunk = winograd_weight_grad_floats(l);
    for (int ch = 1; ch < chunks; ch++) {
        const float *part = partials + (size_t)ch * per_chunk;
        for (size_t j = 0; j < per_chunk; j++) partials[j] += part[j];
    }
    winograd_weight_gradient_finish(partials, l->C, l->K, dw);
}

const ConvMethod CONV_METHOD_WINOGRAD = {
    "winograd",
    winograd_runs,
    winograd_scratch,
    winograd_weight_grad_floats,
    winograd_alloc,
    winograd_prepare_forward,
    winograd_prepare_backward,
    winograd_forward,
    winograd_backward_data,
    winograd_weight_grad,
    winograd_weight_grad_finish,
};
