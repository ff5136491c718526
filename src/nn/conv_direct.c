/* conv_direct.c - the direct convolution method (conv_method.h), for every layer shape, over the
 * GEMM with rows by pointer. Forward: the weights times the windows of the input in a "wide"
 * layout (no im2col copy); a 1x1 layer is one strided GEMM. Weight gradient: the windows times
 * the output gradient transposed into the wide layout; a chunk's partial is kept transposed
 * (CRS x K). Backward data: the transposed weights (method_buf[0], CRS x K) times dy, then
 * col2im (a 1x1 layer: one GEMM).
 * A layer of G groups runs each pass once per group, on a view of the layer with its group's
 * C / G inputs and K / G outputs (group_view): its weights are rows g * K/G .. of w, its input
 * and output the channels of group g; method_buf[0] and each chunk's partial hold the groups'
 * blocks one after the other (group g's: CRS x K/G at g * CRS * K/G, CRS = fan_in). One group
 * is the plain convolution through the same code, with the same sums. */
#include "conv_method.h"
#include "layers.h"
#include "kernels/gemm.h"
#include <string.h>

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
static void forward_group(const Layer *l, const float *w, const float *x, float *y, float *scratch) {
    int R = l->spec.size, PQ = l->P * l->Q, crs = l->C * R * R;
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
 * before (the gaps add exact zeros); it comes out transposed, and direct_weight_gradient_finish turns it. */
static void weight_gradient_group(const Layer *l, const float *x, const float *dy, float *dwT, float *scratch) {
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

/* dx (C x H x W) = conv_transpose(dy) using wT (CRS x K, method_buf[0]) */
static void backward_data_group(const Layer *l, const float *dy, float *dx, float *scratch) {
    int R = l->spec.size, PQ = l->P * l->Q, crs = l->C * R * R;
    const float *wT = l->method_buf[0];
    if (R == 1) { gemm(l->C, PQ, l->K, wT, l->K, dy, PQ, dx, PQ, 0); return; }
    gemm(crs, PQ, l->K, wT, l->K, dy, PQ, scratch, PQ, 0);
    col2im(scratch, l->C, l->H, l->W, R, l->P, l->Q, dx);
}

static void prepare_backward_group(const Layer *l, const float *w, float *wT) {
    int crs = (int)l->fan_in;
    for (int k = 0; k < l->K; k++)
        for (int j = 0; j < crs; j++) wT[j * l->K + k] = w[k * crs + j];
}

static int direct_runs(const Layer *l) { return 1; }

/* group g of l as a one-group layer (the fields the passes read): C / G inputs, K / G outputs,
 * its block of method_buf[0] */
static const Layer *group_view(const Layer *l, int g, Layer *view) {
    int G = net_layer_groups(&l->spec);
    if (G == 1) return l;
    *view = *l;
    view->spec.groups = 0;
    view->C = l->C / G; view->K = l->K / G;
    if (l->method_buf[0]) view->method_buf[0] = l->method_buf[0] + (size_t)g * l->fan_in * view->K;
    return view;
}

/* dcol of the backward-data pass, or the row tables and wide matrix, whichever is larger (of one group) */
static size_t direct_scratch_floats(const Layer *l) {
    Layer view;
    const Layer *v = group_view(l, 0, &view);
    size_t dcol = v->fan_in * (size_t)v->P * v->Q, wide = wide_scratch_floats(v);
    return dcol > wide ? dcol : wide;
}

/* the passes over the groups: group g's weights, input and output channels, and blocks */
static void direct_forward(const Layer *l, const float *w, const float *x, float *y, float *scratch) {
    Layer view;
    for (int g = 0; g < net_layer_groups(&l->spec); g++) {
        const Layer *v = group_view(l, g, &view);
        forward_group(v, w + (size_t)g * v->K * v->fan_in, x + (size_t)g * v->C * v->H * v->W,
                      y + (size_t)g * v->K * v->P * v->Q, scratch);
    }
}

static void direct_weight_gradient(const Layer *l, const float *x, const float *dy, float *dwT, float *scratch) {
    Layer view;
    for (int g = 0; g < net_layer_groups(&l->spec); g++) {
        const Layer *v = group_view(l, g, &view);
        weight_gradient_group(v, x + (size_t)g * v->C * v->H * v->W, dy + (size_t)g * v->K * v->P * v->Q,
                              dwT + (size_t)g * v->fan_in * v->K, scratch);
    }
}

static void direct_backward_data(const Layer *l, const float *dy, float *dx, float *scratch) {
    Layer view;
    for (int g = 0; g < net_layer_groups(&l->spec); g++) {
        const Layer *v = group_view(l, g, &view);
        backward_data_group(v, dy + (size_t)g * v->K * v->P * v->Q, dx + (size_t)g * v->C * v->H * v->W, scratch);
    }
}

static void direct_prepare_backward(Layer *l, const float *w) {
    Layer view;
    for (int g = 0; g < net_layer_groups(&l->spec); g++) {
        const Layer *v = group_view(l, g, &view);
        prepare_backward_group(v, w + (size_t)g * v->K * v->fan_in, v->method_buf[0]);
    }
}

static size_t direct_weight_grad_floats(const Layer *l) { return (size_t)l->K * l->fan_in; }

static void direct_alloc(Layer *l, NetAlloc *a) { l->method_buf[0] = net_take(a, l->fan_in * l->K, NET_MEM_WEIGHTS); }


/* the chunks' partials (per group CRS x K/G) turned and added in chunk order */
static void direct_weight_gradient_finish(const Layer *l, float *partials, int chunks, float *dw) {
    int crs = (int)l->fan_in, G = net_layer_groups(&l->spec), Kg = l->K / G;
    size_t per_chunk = direct_weight_grad_floats(l);
    for (int ch = 0; ch < chunks; ch++)
        for (int g = 0; g < G; g++) {
            const float *part = partials + (size_t)ch * per_chunk + (size_t)g * crs * Kg;
            float *dwg = dw + (size_t)g * Kg * crs;
            for (int k = 0; k < Kg; k++)
                for (int j = 0; j < crs; j++) dwg[(size_t)k * crs + j] += part[(size_t)j * Kg + k];
        }
}

const ConvMethod CONV_METHOD_DIRECT = {
    "direct",
    direct_runs,
    direct_scratch_floats,
    direct_weight_grad_floats,
    direct_alloc,
    NULL,
    direct_prepare_backward,
    direct_forward,
    direct_backward_data,
    direct_weight_gradient,
    direct_weight_gradient_finish,
};
