/* conv_method.h - how a convolution layer computes: one strategy per method, chosen at plan time
 * from the layer's shape and the machine's GEMM (or forced by NetOptions) and recorded in the
 * layer (Layer.method). The conv layer (layer_conv.c) calls through this table and knows no
 * method by name; internal to src/nn.
 *
 * Every method computes, for one image, with the layer's shapes (Layer: C x H x W in, K x P x Q
 * out, R = S = spec.size, stride 1, no padding; a padded layer hands its methods a view of
 * itself with H and W grown by the border and the image copied into it, layer_conv.c):
 *   forward          y (K x P x Q) = conv(x, w)
 *   backward_data    dx (C x H x W) = the transposed convolution of dy
 *   weight_gradient  a chunk's partial += this image's part, in the method's own layout;
 *   weight_gradient_finish: dw (K x C x R x S) += the chunks' partials, added in chunk order,
 * so results never depend on the thread count. Methods keep what they derive from the weights
 * in Layer.method_buf (allocated by alloc, freed by net_free). */
#ifndef NN_CONV_METHOD_H
#define NN_CONV_METHOD_H
#include "net.h"

struct NetAlloc;                       /* layers.h */

typedef struct ConvMethod {
    const char *name;
    /* 1 when the method can run this layer (its shape) */
    int    (*runs)(const Layer *l);
    /* per-thread scratch floats of its passes */
    size_t (*scratch_floats)(const Layer *l);
    /* floats of one chunk's weight-gradient partial */
    size_t (*weight_grad_floats)(const Layer *l);
    /* Layer.method_buf, taken through net_take (layers.h) */
    void   (*alloc)(Layer *l, struct NetAlloc *a);
    /* before a forward: the weights in the method's form, remade only when w changed (NULL: none) */
    void   (*prepare_forward)(Layer *l, const float *w);
    /* before a backward: the weights of the backward-data pass */
    void   (*prepare_backward)(Layer *l, const float *w);
    void   (*forward)(const Layer *l, const float *w, const float *x, float *y, float *scratch);
    void   (*backward_data)(const Layer *l, const float *dy, float *dx, float *scratch);
    void   (*weight_gradient)(const Layer *l, const float *x, const float *dy, float *partial, float *scratch);
    void   (*weight_gradient_finish)(const Layer *l, float *partials, int chunks, float *dw);
} ConvMethod;

extern const ConvMethod CONV_METHOD_DIRECT, CONV_METHOD_WINOGRAD;

/* The method for layer l under the net's choice (NetOptions.conv); with NET_CONV_AUTO, by
 * measurement (conv_method.c). A forced method the layer's shape does not allow gives direct. */
const ConvMethod *conv_method_choose(const Layer *l, int choice);
#endif
