/* net.h - a small convolutional network for 28x28 grey images, described as a table of layers.
 *
 * Legend (as PyTorch, slowest index first): N images, C input channels, H x W input, K output
 * channels, R x S kernel, P x Q output. Activations are NCHW, contiguous, float32.
 * Weight layouts are PyTorch's: conv (K, C / groups, R, S), dense (out, in), so a model moves between
 * this code and PyTorch by copying bytes.
 *
 * Layer kinds in a NetArch table (the text form of a design, arch_spec.h, names them):
 *   LAYER_CONV  (out_c, size): conv size x size, stride 1, padding 0 or, with LAYER_PAD_SAME,
 *               size / 2 (odd sizes); then BatchNorm (batch statistics when training, running
 *               ones in eval; parameters weight, gamma, beta) or, with LAYER_NO_BN, a bias
 *               (parameters weight, bias); then ReLU and inverted Dropout(p) (training only).
 *               groups G (LayerSpec.groups; 0 or 1: one): the input and output channels in G
 *               equal groups, output group g seeing input group g only (PyTorch's groups=; G = C
 *               is depthwise); G divides both channel counts; weights (K, C / G, R, S).
 *   LAYER_MAXPOOL (size): size x size max-pool, stride size (floor); size 1..15.
 *   LAYER_GAP   global average pool to K x 1 x 1.
 *   LAYER_FLATTEN K x H x W to (K*H*W) x 1 x 1; only dense layers may follow.
 *   LAYER_DENSE (out_c): fully connected with bias (it takes its input flattened). The last
 *               layer is dense, and log-softmax follows it; a dense layer before it (hidden)
 *               is followed by ReLU and inverted Dropout(p).
 * Dropout p of a conv or hidden dense layer: the net's rate (Net.dropout, the recipe's) unless
 * the layer has LAYER_OWN_DROPOUT, then LayerSpec.dropout (0 allowed: none). A zeroed
 * LayerSpec beyond kind, out_c and size is the reference net's kind of layer.
 *
 * Limits (net_arch_validate, each refusal naming the layer): NET_MAX_LAYERS layers,
 * NET_MAX_CHANNELS channels, NET_MAX_GROUPS groups of a convolution (dividing its input and
 * output channels), NET_MAX_PARAMS parameters, NET_MAX_ACTIVATION_BYTES of
 * activations and their gradients at the app's largest batch (LIMIT_MAX_BATCH).
 *
 * Memory: net_create sizes everything once for max_batch images: one arena for parameters,
 * one for gradients at the same offsets (so an optimiser is one flat loop), the BatchNorm
 * running statistics, per-layer activations, two gradient ping-pong buffers, the per-chunk
 * weight gradients (one per NET_GRAD_CHUNK images) and scratch for each of POOL_MAX_THREADS
 * threads. Nothing is allocated afterwards. net_memory_plan counts those bytes without
 * allocating, through the same code (every buffer is taken through one function that either
 * allocates or counts it), so what a design will take is known before it is made. Parameter order is PyTorch's
 * model.parameters() order for the same nn.Sequential: conv.weight, bn.weight, bn.bias, ..., fc.weight, fc.bias.
 *
 * Gradients: net_backward *accumulates* into net->grads (call net_zero_grad first). Weight
 * gradients are formed per fixed chunk of NET_GRAD_CHUNK images and the chunks are added in
 * order, and batch statistics are summed per image in double in order, so 1, 2 or 4 threads
 * give bit-identical results. */
#ifndef NET_H
#define NET_H
#include <stddef.h>
#include <stdint.h>
#include "runtime/pool.h"
#include "runtime/contract.h"

enum { LAYER_CONV = 1, LAYER_MAXPOOL = 2, LAYER_GAP = 3, LAYER_DENSE = 4, LAYER_FLATTEN = 5 };
enum { LAYER_PAD_SAME = 1, LAYER_NO_BN = 2, LAYER_OWN_DROPOUT = 4 };   /* LayerSpec.flags */
/* the limits are the contract's (runtime/contract.h LIMIT_DESIGN_*, which the page reads) */
#define NET_MAX_LAYERS 24          /* also the stride of the dropout streams per step: do not change */
#define NET_MAX_CHANNELS LIMIT_DESIGN_MAX_CHANNELS
#define NET_MAX_GROUPS LIMIT_DESIGN_MAX_GROUPS
#define NET_MAX_PARAMS LIMIT_DESIGN_MAX_PARAMS
#define NET_MAX_ACTIVATION_BYTES ((unsigned)LIMIT_DESIGN_MAX_ACTIVATION_MB << 20)
#define NET_GRAD_CHUNK 4

/* groups: a convolution's (0 and 1 both one group, the plain convolution; net_layer_groups); 0 for other kinds */
typedef struct { int kind, out_c, size, flags; float dropout; int groups; } LayerSpec;
_Static_assert(NET_MAX_LAYERS == LIMIT_DESIGN_MAX_LAYERS, "the contract's layer limit is the network's");

typedef struct {
    char name[32];
    int in_c, in_h, in_w;
    int n_layers;
    LayerSpec layers[NET_MAX_LAYERS];
} NetArch;

extern const NetArch NET_ARCH_REFERENCE;   /* the 15,122-parameter reference net */

typedef struct {
    LayerSpec spec;
    int C, H, W, K, P, Q;                    /* per-image input and output shape */
    int pad;                                 /* conv: zeros added on each side of the input */
    size_t macs;                             /* multiply-adds per image, forward */
    size_t fan_in;                           /* weights per output channel: conv C/groups*R*S, dense C*H*W (0: none) */
    size_t method_scratch;                   /* conv: floats of its method's scratch, before the padded copy */
    long w, gamma, beta, bias;               /* parameter offsets (-1 when absent) */
    long run_mean, run_var;                  /* offsets into bn_state (conv only) */
    float *pre;                              /* N x K x P x Q conv output before BatchNorm */
    float *out;                              /* N x K x P x Q layer output */
    uint8_t *argmax;                         /* maxpool: winner index within its window */
    float *mean, *invstd;                    /* K: batch statistics of the last training forward */
    const struct ConvMethod *method;         /* conv: how it computes, chosen at net_create (nn/conv_method.h) */
    float *method_buf[3];                    /* conv: what its method derives from the weights (owned) */
} Layer;

/* Choices made once, when a Net is created, and held by it. NULL options: all automatic. */
enum { NET_CONV_AUTO = 0, NET_CONV_DIRECT = 1, NET_CONV_WINOGRAD = 2 };
typedef struct {
    int conv;      /* NET_CONV_*: the conv layers' method; AUTO picks by shape and GEMM (conv_method.c) */
} NetOptions;

typedef struct Net {
    NetArch arch;
    int n_layers;
    Layer layer[NET_MAX_LAYERS];
    int max_batch, n_classes;
    size_t n_params, n_bn_state;
    float *params, *grads, *bn_state;
    float *input;                /* max_batch x in_c x in_h x in_w, normalised */
    float *logprob;              /* max_batch x n_classes: log-softmax of the last forward */
    float *gbuf[2];              /* gradient ping-pong, max activation size each */
    double *partial[2];          /* max_batch x max_K x 2 each: per-image BatchNorm sums; layer i uses [i & 1] */
    float *chunk_grad;           /* n_chunks x max conv weight size */
    float *scratch[POOL_MAX_THREADS];
    size_t scratch_floats;
    Pool *pool;
    NetOptions options;
    /* hyperparameters of the layers (not of the optimiser); dropout is the rate of the layers
     * without their own (LAYER_OWN_DROPOUT), read at every forward */
    float dropout, bn_momentum, bn_eps, label_smoothing;
} Net;

/* What net_create allocates, by part, in bytes taken from the allocator (net_memory_plan) */
enum { NET_MEM_ACTIVATIONS, NET_MEM_GRADIENTS, NET_MEM_CHUNK_GRADS, NET_MEM_SCRATCH, NET_MEM_WEIGHTS, NET_MEM_PARTS };
typedef struct {
    size_t part[NET_MEM_PARTS];   /* activations (outputs, a conv's output before BatchNorm, max-pool winners, input,
                                   * log-probabilities); the two gradient buffers and the BatchNorm sums; the
                                   * per-chunk weight gradients; every thread's scratch; parameters, their
                                   * gradients, the BatchNorm state, the conv methods' weight copies, the Net */
    size_t total;
} NetMemory;
extern const char *const NET_MEM_PART_NAMES[NET_MEM_PARTS];   /* "activations", ... for messages */

/* a conv layer's group count, at least 1 (LayerSpec.groups 0 is 1) */
int     net_layer_groups(const LayerSpec *s);
/* 1 if a and b are the same network (input, layers and their options; names aside) */
int     net_arch_same(const NetArch *a, const NetArch *b);
size_t  net_arch_param_count(const NetArch *arch);   /* 0 if the table is invalid */
/* 1 if valid; else 0 and a message naming the layer at fault ("layer 3 (c16k5): ...") */
int     net_arch_validate(const NetArch *arch, char *err, size_t errlen);
/* the shapes a valid table gives, without creating a Net: per layer C, H, W, K, P, Q, pad,
 * fan_in, macs and the parameter offsets (Layer fields; no buffers); returns the parameter
 * count, or 0 and a message */
size_t  net_arch_plan(const NetArch *arch, Layer layers[NET_MAX_LAYERS], size_t *n_bn_state, char *err, size_t errlen);
/* The bytes a block of `bytes` takes from the allocator, at most: rounded to 64 (as nn_falloc
 * rounds) plus the allocator's bookkeeping; what the memory plans count per malloc */
size_t  net_block_cost(size_t bytes);
/* The bytes net_create_with(arch, max_batch, any threads, options) takes from the allocator,
 * by part into *m (its pool aside: pool.h); 0 if the table is invalid or max_batch < 1. Each
 * block is counted at its rounded size plus the allocator's bookkeeping (nn_falloc_cost). */
size_t  net_memory_plan(const NetArch *arch, int max_batch, const NetOptions *options, NetMemory *m);
Net    *net_create(const NetArch *arch, int max_batch, int n_threads);
Net    *net_create_with(const NetArch *arch, int max_batch, int n_threads, const NetOptions *options);
/* "direct" or "winograd": the method conv layer i runs (NULL for another kind) */
const char *net_conv_method_name(const Net *net, int i);
void    net_free(Net *net);
void    net_init_params(Net *net, uint64_t seed);    /* PyTorch defaults: Kaiming-uniform(a=sqrt 5) */
void    net_zero_grad(Net *net);
void    net_set_threads(Net *net, int n_threads);
/* a's pool goes to b and b's to a, threads and all: a Net made with one thread (no pthreads)
 * takes over the pool of the one it replaces, so two pools never hold threads at once (in wasm
 * the pthreads come from a fixed set: wasm/CMakeLists.txt PTHREAD_POOL_SIZE) */
void    net_swap_pool(Net *a, Net *b);

/* Forward over images 0..N-1 of net->input. training: batch statistics (running statistics
 * updated), dropout drawn from (seed, step). labels may be NULL; with labels returns the mean
 * loss (negative log-likelihood, with label smoothing when set), else 0. */
float   net_forward(Net *net, int N, const uint8_t *labels, int training, uint64_t seed, uint64_t step);
/* Backward of the last training forward; accumulates into net->grads. */
void    net_backward(Net *net, int N, const uint8_t *labels);
int     net_argmax(const Net *net, int n);
/* The dropout p of layer i (its own, or net->dropout; 0 for a kind without dropout) */
float   net_layer_dropout(const Net *net, int i);
/* The dropout mask a training forward with (seed, step) applies to conv layer `layer`'s output
 * (or a hidden dense layer's) for image n: K x P x Q values, 0 (dropped) or 1/(1-p) (kept), all
 * 1 when its p is 0. For comparisons with other
 * implementations; the forward pass draws the same values itself. */
void    net_dropout_mask(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *mask);

/* The inside view of image n after an eval forward (net_forward with training = 0): conv
 * layer i's output after BatchNorm and ReLU is net->layer[i].out + n * K*P*Q (K x P x Q); the
 * first layer's filters are net->params + net->layer[0].w (K x C x R x S). net_input_gradient
 * writes the gradient of image n's log-probability of class cls w.r.t. the (normalised)
 * input, in_c x in_h x in_w, in eval mode (running statistics, no dropout): the saliency map.
 * It uses the gradient ping-pong buffers, not net->grads; call it between training steps. */
void    net_input_gradient(Net *net, int n, int cls, float *grad);
#endif
