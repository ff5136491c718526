/* layers.h - what the network's drivers (net.c) and its layer kinds (layer_*.c) share; internal
 * to src/nn, not a public header. The drivers call the kinds; the kinds call back only into
 * layers.c (buffers, a layer's input, dropout), never into net.c.
 *
 * A kind is a row of LayerOps: plan (shapes, parameters, what it refuses), buffers, forward,
 * backward, input gradient. The drivers only walk the layers and call their kind's operations;
 * a kind with batch statistics (forward_train set) leaves its normalise + activation pending
 * for the next layer's per-image task (finish_pending), and its BatchNorm-backward sums are made
 * by the layer above as soon as that layer produced an image's gradient (fused_sums). */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H
#include "net.h"
#include <stddef.h>

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
    int sums_layer;       /* conv layer below whose BatchNorm sums are fused into this task (-1: none) */
    int have_sums;        /* set by a layer: the conv layer below whose per-image sums it already made (-1: none) */
} BwdCtx;

typedef void (*BackwardImage)(const BwdCtx *c, int n);

/* How net_create and net_memory_plan size a Net with the same code: every buffer is taken
 * through net_take, which allocates it (n floats, zeroed, 64-byte aligned; NULL and a->failed
 * on out of memory) when a->allocate, else only adds what it would cost to a->memory (its part
 * of the plan) and returns NULL. */
typedef struct NetAlloc { int allocate, failed; NetMemory *memory; } NetAlloc;
void *net_take(NetAlloc *a, size_t n_floats, int part);

typedef struct {
    const char *name;
    /* Shape (K, P, Q) and parameter offsets from the input shape in l (C, H, W); counts what it
     * adds to the parameter and BatchNorm-state arenas; 0, or 1 and a message. */
    int  (*plan)(Layer *l, int is_last, size_t *params, size_t *bn_state, char *err, size_t errlen);
    /* Buffers beyond l->out (freed by net_free), each taken through net_take (which allocates
     * it, or only counts it for net_memory_plan), and choices made once (opts); raises *scratch
     * to the per-thread floats it needs. */
    void (*alloc)(Layer *l, int max_batch, const NetOptions *opts, size_t *scratch, NetAlloc *a);
    /* Eval-mode forward of image n; for kinds without batch statistics also the training forward. */
    void (*forward_image)(const FwdCtx *c, int n, int thread);
    /* Training forward of the batch (pool tasks), for kinds with batch statistics; NULL: per image. */
    void (*forward_train)(FwdCtx *c);
    /* Backward of the batch: reads c->dy, writes c->dx (and the kind's gradients), sets c->have_sums;
     * NULL: none. Runs after backward_image's pass when a kind has both (a dense layer's weights). */
    void (*backward)(BwdCtx *c);
    /* Image n's backward (dx from dy), run by the drivers over the pool with the BatchNorm sums of
     * the layer below fused in (fused_sums); NULL for a kind whose backward does it all (conv). */
    BackwardImage backward_image;
    /* Eval mode, one image: dx from dy (the gradient w.r.t. this layer's output), for the
     * input gradient of net_input_gradient; reads what the last eval forward left in the layer. */
    void (*input_gradient_image)(const Net *net, const Layer *l, int n, const float *dy, float *dx);
    /* Floats of one chunk's weight-gradient partial (kinds with chunked weight gradients; NULL: none). */
    size_t (*chunk_grad_floats)(const Layer *l);
} LayerOps;

extern const LayerOps LAYER_OPS_CONV, LAYER_OPS_MAXPOOL, LAYER_OPS_GAP, LAYER_OPS_DENSE, LAYER_OPS_FLATTEN;
const LayerOps *layer_ops(int kind);           /* NULL for a kind the table lacks */

/* inverted dropout of image n's output of layer `layer` (total values at out), p from
 * net_layer_dropout; with mask, the mask is written there instead (net_dropout_mask) */
void layer_dropout_image(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *out, int total,
                         float *mask);
void *nn_falloc(size_t n);                     /* n floats, zeroed, 64-byte aligned; free() */
size_t nn_falloc_cost(size_t n);               /* the bytes nn_falloc(n) takes from the allocator, at most */
const float *layer_input(const Net *net, int i, int n);   /* image n's input of layer i */
/* the pending layer's normalise + activation for image n (c->pending; nothing when -1) */
void finish_pending(const FwdCtx *c, int n);
/* the BatchNorm-backward sums of the layer below (c->sums_layer) for image n, from c->dx */
void fused_sums(const BwdCtx *c, int n);
#endif
