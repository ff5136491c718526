/* net.c - the drivers of the layer table in net.h: plan, create, initialise, forward, backward,
 * input gradient. They only walk the layers and call their kind's operations (layers.h; one file
 * per kind: layer_conv.c, layer_pool.c, layer_dense.c), and plan() refuses a kind the table
 * lacks, so a new kind cannot silently run as another.
 *
 * Training forward runs layer by layer; a kind with batch statistics (conv) runs its own batch
 * pass and leaves its normalise + activation to the next layer's per-image task. Eval forward
 * has no batch statistics, so each image runs through all layers in one task. Backward mirrors
 * this. See net.h for how results stay independent of the thread count. */
#include "net.h"
#include "layers.h"
#include "conv_method.h"
#include "layer_token.h"
#include "kernels/eltwise.h"
#include "runtime/contract.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#define C_(k, s) { LAYER_CONV, k, s }
const NetArch NET_ARCH_REFERENCE = {
    "reference", 1, 28, 28, 11,
    { C_(8, 3), C_(16, 3), C_(32, 3), { LAYER_MAXPOOL, 0, 2 }, C_(8, 1), C_(16, 3), C_(32, 3),
      C_(16, 1), C_(16, 3), { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 10, 0 } }
};
#undef C_


size_t net_block_cost(size_t bytes) { return nn_falloc_cost((bytes + sizeof(float) - 1) / sizeof(float)); }

const char *const NET_MEM_PART_NAMES[NET_MEM_PARTS] = {
    "activations", "gradient buffers", "per-chunk weight gradients", "per-thread scratch", "weights",
};


/* ---------- the kinds ---------- */

static const LayerOps *const OPS[] = {
    [LAYER_CONV] = &LAYER_OPS_CONV,   [LAYER_MAXPOOL] = &LAYER_OPS_MAXPOOL, [LAYER_GAP] = &LAYER_OPS_GAP,
    [LAYER_DENSE] = &LAYER_OPS_DENSE, [LAYER_FLATTEN] = &LAYER_OPS_FLATTEN,
};

const LayerOps *layer_ops(int kind) {
    return kind > 0 && kind < (int)(sizeof OPS / sizeof OPS[0]) ? OPS[kind] : NULL;
}
#define ops_of layer_ops

static void backward_image_task(void *vctx, int n, int thread) {
    (void)thread;
    BwdCtx *c = vctx;
    ops_of(c->net->layer[c->layer].spec.kind)->backward_image(c, n);
    fused_sums(c, n);
}

/* the per-image part of a layer's backward (backward_image), over the pool */
static void backward_per_image(BwdCtx *c) {
    pool_run(c->net->pool, c->N, backward_image_task, c);
    c->have_sums = c->sums_layer;
}

/* ---------- shapes ---------- */

/* activations a layer keeps per image (its output, and a conv's output before BatchNorm) */
static size_t kept_floats(const Layer *l) {
    size_t act = (size_t)l->K * l->P * l->Q;
    return l->spec.kind == LAYER_CONV ? 2 * act : act;
}

/* Fills shapes and parameter offsets; returns total params or 0 and a message naming the layer. */
size_t net_arch_plan(const NetArch *a, Layer L[NET_MAX_LAYERS], size_t *n_bn_state, char *err, size_t errlen) {
    int C = a->in_c, H = a->in_h, W = a->in_w;
    size_t params = 0, bn = 0, kept = 0, widest = (size_t)C * H * W;
    if (a->n_layers < 1 || a->n_layers > NET_MAX_LAYERS) {
        snprintf(err, errlen, "a design has 1 to %d layers, not %d", NET_MAX_LAYERS, a->n_layers);
        return 0;
    }
    if (C < 1 || H < 1 || W < 1 || C > 64 || H > 256 || W > 256) {
        snprintf(err, errlen, "bad input shape %d x %d x %d (1..64 channels, sides 1..256)", C, H, W);
        return 0;
    }
    int dense_only = 0;                      /* after a flatten or a dense layer */
    for (int i = 0; i < a->n_layers; i++) {
        Layer *l = &L[i];
        memset(l, 0, sizeof *l);
        l->spec = a->layers[i];
        l->C = C; l->H = H; l->W = W;
        l->w = l->gamma = l->beta = l->bias = l->run_mean = l->run_var = -1;
        const LayerOps *ops = ops_of(l->spec.kind);
        char token[48], why[160];
        layer_token(&l->spec, token, sizeof token);
        if (!ops) { snprintf(err, errlen, "layer %d: unknown kind %d", i + 1, l->spec.kind); return 0; }
        if (dense_only && l->spec.kind != LAYER_DENSE) {
            snprintf(err, errlen,
                     "layer %d (%s): after a flatten or a fully connected layer only fully connected layers may follow",
                     i + 1, token);
            return 0;
        }
        if (ops->plan(l, i == a->n_layers - 1, &params, &bn, why, sizeof why)) {
            snprintf(err, errlen, "layer %d (%s): %s", i + 1, token, why);
            return 0;
        }
        if (params > NET_MAX_PARAMS) {
            snprintf(err, errlen, "layer %d (%s): the design has %zu parameters by here, more than the limit of %d",
                     i + 1, token, params, NET_MAX_PARAMS);
            return 0;
        }
        kept += kept_floats(l);
        if ((size_t)l->K * l->P * l->Q > widest) widest = (size_t)l->K * l->P * l->Q;
        /* activations and their two gradient buffers at the app's largest batch */
        double bytes = ((double)kept + 2.0 * (double)widest) * sizeof(float) * LIMIT_MAX_BATCH;
        if (bytes > NET_MAX_ACTIVATION_BYTES) {
            snprintf(err, errlen,
                     "layer %d (%s): activations need %.0f MB at a batch of %d by here, more than the limit of %u MB",
                     i + 1, token, bytes / 1048576.0, LIMIT_MAX_BATCH, NET_MAX_ACTIVATION_BYTES >> 20);
            return 0;
        }
        dense_only |= l->spec.kind == LAYER_FLATTEN || l->spec.kind == LAYER_DENSE;
        C = l->K; H = l->P; W = l->Q;
    }
    if (a->layers[a->n_layers - 1].kind != LAYER_DENSE) {
        snprintf(err, errlen, "the last layer must be fully connected (it gives the classes)");
        return 0;
    }
    *n_bn_state = bn;
    return params;
}
#define plan net_arch_plan


int net_arch_same(const NetArch *a, const NetArch *b) {
    if (a->in_c != b->in_c || a->in_h != b->in_h || a->in_w != b->in_w || a->n_layers != b->n_layers) return 0;
    for (int i = 0; i < a->n_layers; i++) {
        const LayerSpec *x = &a->layers[i], *y = &b->layers[i];
        if (x->kind != y->kind || x->out_c != y->out_c || x->size != y->size || x->flags != y->flags) return 0;
        if (net_layer_groups(x) != net_layer_groups(y)) return 0;
        if ((x->flags & LAYER_OWN_DROPOUT) && x->dropout != y->dropout) return 0;
    }
    return 1;
}

int net_arch_validate(const NetArch *arch, char *err, size_t errlen) {
    Layer L[NET_MAX_LAYERS];
    size_t bn;
    return plan(arch, L, &bn, err, errlen) > 0;
}

size_t net_arch_param_count(const NetArch *arch) {
    Layer L[NET_MAX_LAYERS];
    size_t bn;
    char err[200];
    return plan(arch, L, &bn, err, sizeof err);
}


void net_dropout_mask(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *mask) {
    const Layer *l = &net->layer[layer];
    layer_dropout_image(net, layer, n, seed, step, NULL, l->K * l->P * l->Q, mask);
}

const char *net_conv_method_name(const Net *net, int i) {
    return i >= 0 && i < net->n_layers && net->layer[i].method ? net->layer[i].method->name : NULL;
}

/* ---------- creation ---------- */

Net *net_create(const NetArch *arch, int max_batch, int n_threads) {
    return net_create_with(arch, max_batch, n_threads, NULL);
}

/* Every buffer of a Net whose layers are planned, taken through net_take (allocated, or counted
 * for net_memory_plan); 0, or 1 when an allocation failed. */
static int net_buffers(Net *net, NetAlloc *a) {
    const NetArch *arch = &net->arch;
    size_t B = (size_t)net->max_batch, in = (size_t)arch->in_c * arch->in_h * arch->in_w;
    size_t max_act = in, max_K = 1, max_wconv = 1, scratch = 1;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        size_t act = (size_t)l->K * l->P * l->Q;
        if (act > max_act) max_act = act;
        if (l->K > (int)max_K) max_K = l->K;
        l->out = net_take(a, act * B, NET_MEM_ACTIVATIONS);
        const LayerOps *ops = ops_of(l->spec.kind);
        if (ops->alloc) ops->alloc(l, net->max_batch, &net->options, &scratch, a);
        size_t wconv = ops->chunk_grad_floats ? ops->chunk_grad_floats(l) : 0;   /* chunked weight gradients */
        if (wconv > max_wconv) max_wconv = wconv;
    }
    net->params = net_take(a, net->n_params, NET_MEM_WEIGHTS);
    net->grads = net_take(a, net->n_params, NET_MEM_WEIGHTS);
    net->bn_state = net_take(a, net->n_bn_state, NET_MEM_WEIGHTS);
    net->input = net_take(a, B * in, NET_MEM_ACTIVATIONS);
    net->logprob = net_take(a, B * net->n_classes, NET_MEM_ACTIVATIONS);
    for (int k = 0; k < 2; k++) {
        net->gbuf[k] = net_take(a, max_act * B, NET_MEM_GRADIENTS);
        net->partial[k] =
            net_take(a, B * max_K * 2 * (sizeof(double) / sizeof(float)), NET_MEM_GRADIENTS); /* doubles */
    }
    net->chunk_grad = net_take(a, max_wconv * ((B + NET_GRAD_CHUNK - 1) / NET_GRAD_CHUNK), NET_MEM_CHUNK_GRADS);
    net->scratch_floats = scratch;
    for (int t = 0; t < POOL_MAX_THREADS; t++) net->scratch[t] = net_take(a, scratch, NET_MEM_SCRATCH);
    return a->failed;
}

/* a Net with its layers planned and its settings, no buffers yet; NULL when invalid */
static Net *net_shell(Net *net, const NetArch *arch, int max_batch, const NetOptions *options) {
    char err[200];
    if (max_batch < 1) return NULL;
    if (options) net->options = *options;
    net->arch = *arch;
    net->n_layers = arch->n_layers;
    net->max_batch = max_batch;
    net->n_params = plan(arch, net->layer, &net->n_bn_state, err, sizeof err);
    if (!net->n_params) return NULL;
    net->n_classes = net->layer[net->n_layers - 1].K;
    net->dropout = 0.1f;
    net->bn_momentum = 0.1f;
    net->bn_eps = 1e-5f;
    return net;
}

size_t net_memory_plan(const NetArch *arch, int max_batch, const NetOptions *options, NetMemory *m) {
    static const Net zero;
    Net shape = zero;
    memset(m, 0, sizeof *m);
    if (!net_shell(&shape, arch, max_batch, options)) return 0;
    NetAlloc count = { 0, 0, m };
    net_buffers(&shape, &count);
    m->part[NET_MEM_WEIGHTS] += net_block_cost(sizeof(Net));   /* the Net itself */
    for (int k = 0; k < NET_MEM_PARTS; k++) m->total += m->part[k];
    return m->total;
}

Net *net_create_with(const NetArch *arch, int max_batch, int n_threads, const NetOptions *options) {
    Net *net = calloc(1, sizeof *net);
    if (!net || !net_shell(net, arch, max_batch, options)) { free(net); return NULL; }
    NetAlloc alloc = { 1, 0, NULL };
    int failed = net_buffers(net, &alloc);
    net->pool = failed ? NULL : pool_create(n_threads);
    if (failed || !net->pool) { net_free(net); return NULL; }
    for (int i = 0; i < net->n_layers; i++)   /* running variance starts at 1, as PyTorch */
        if (net->layer[i].run_var >= 0)
            for (int k = 0; k < net->layer[i].K; k++) net->bn_state[net->layer[i].run_var + k] = 1.0f;
    return net;
}

/* The old pool's threads end before the new pool's start: in wasm the pthreads come from a
 * pool sized to the cores, and both pools at once could ask for more than it has. */
void net_set_threads(Net *net, int n_threads) {
    if (n_threads == pool_threads(net->pool)) return;
    pool_destroy(net->pool);
    net->pool = pool_create(n_threads);
    if (!net->pool) net->pool = pool_create(1);
}

void net_swap_pool(Net *a, Net *b) {
    Pool *p = a->pool;
    a->pool = b->pool;
    b->pool = p;
}

void net_free(Net *net) {
    if (!net) return;
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        free(l->out); free(l->pre); free(l->argmax); free(l->mean); free(l->invstd);
        for (int b = 0; b < 3; b++) free(l->method_buf[b]);
    }
    free(net->params); free(net->grads); free(net->bn_state); free(net->input); free(net->logprob);
    free(net->gbuf[0]); free(net->gbuf[1]); free(net->partial[0]); free(net->partial[1]); free(net->chunk_grad);
    for (int t = 0; t < POOL_MAX_THREADS; t++) free(net->scratch[t]);
    pool_destroy(net->pool);
    free(net);
}

void net_init_params(Net *net, uint64_t seed) {
    Rng r = rng_for(seed, RNG_INIT, 0, 0);
    for (int i = 0; i < net->n_layers; i++) {
        Layer *l = &net->layer[i];
        if (l->w < 0) continue;
        size_t fan_in = l->fan_in, n = fan_in * l->K;
        float bound = 1.0f / sqrtf((float)fan_in);   /* kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)) */
        for (size_t j = 0; j < n; j++) net->params[l->w + j] = (2.0f * rng_uniform(&r) - 1.0f) * bound;
        if (l->bias >= 0)
            for (int k = 0; k < l->K; k++) net->params[l->bias + k] = (2.0f * rng_uniform(&r) - 1.0f) * bound;
        if (l->gamma >= 0)
            for (int k = 0; k < l->K; k++) { net->params[l->gamma + k] = 1.0f; net->params[l->beta + k] = 0.0f; }
        if (l->run_mean >= 0)
            for (int k = 0; k < l->K; k++) {
                net->bn_state[l->run_mean + k] = 0.0f;
                net->bn_state[l->run_var + k] = 1.0f;
            }
    }
}

void net_zero_grad(Net *net) { memset(net->grads, 0, net->n_params * sizeof(float)); }

/* ---------- forward ---------- */

static void pending_task(void *vctx, int n, int thread) { (void)thread; finish_pending(vctx, n); }

/* training, a layer without batch statistics: the pending conv output, then this layer */
static void forward_image_task(void *vctx, int n, int thread) {
    FwdCtx *c = vctx;
    finish_pending(c, n);
    ops_of(c->net->layer[c->layer].spec.kind)->forward_image(c, n, thread);
}

/* eval: each image through every layer in one task (no batch statistics to wait for) */
static void eval_image_task(void *vctx, int n, int thread) {
    FwdCtx c = *(FwdCtx *)vctx;
    for (c.layer = 0; c.layer < c.net->n_layers; c.layer++)
        ops_of(c.net->layer[c.layer].spec.kind)->forward_image(&c, n, thread);
}

float net_forward(Net *net, int N, const uint8_t *labels, int training, uint64_t seed, uint64_t step) {
    float loss_per_image[4096];
    float *loss = N <= 4096 ? loss_per_image : calloc(N, sizeof(float));
    FwdCtx ctx = { net, 0, N, training, -1, seed, step, labels, loss };
    for (int i = 0; i < net->n_layers; i++) {          /* the weights in a conv method's form, when they changed */
        Layer *l = &net->layer[i];
        if (l->method && l->method->prepare_forward) l->method->prepare_forward(l, net->params + l->w);
    }
    if (!training) {
        pool_run(net->pool, N, eval_image_task, &ctx);
    } else {
        for (int i = 0; i < net->n_layers; i++) {
            const LayerOps *ops = ops_of(net->layer[i].spec.kind);
            ctx.layer = i;
            if (ops->forward_train) { ops->forward_train(&ctx); continue; }   /* sets ctx.pending */
            pool_run(net->pool, N, forward_image_task, &ctx);
            ctx.pending = -1;
        }
        if (ctx.pending >= 0) pool_run(net->pool, N, pending_task, &ctx);   /* only if a conv were last */
    }
    double total = 0.0;
    if (labels) for (int n = 0; n < N; n++) total += loss[n];
    if (loss != loss_per_image) free(loss);
    return labels ? (float)(total / N) : 0.0f;
}

int net_argmax(const Net *net, int n) {
    const float *lp = net->logprob + (size_t)n * net->n_classes;
    int best = 0;
    for (int o = 1; o < net->n_classes; o++) if (lp[o] > lp[best]) best = o;
    return best;
}

/* ---------- backward ---------- */

void net_backward(Net *net, int N, const uint8_t *labels) {
    int cur = 0, have_sums = -1;
    for (int i = net->n_layers - 1; i >= 0; i--) {
        int below =
            i > 0 && ops_of(net->layer[i - 1].spec.kind)->forward_train ? i - 1 : -1; /* batch statistics below */
        BwdCtx ctx = { net, i, N, labels, net->gbuf[cur], net->gbuf[1 - cur], below, have_sums };
        const LayerOps *ops = ops_of(net->layer[i].spec.kind);
        if (ops->backward_image) backward_per_image(&ctx);   /* the per-image part first (sets have_sums) */
        if (ops->backward) ops->backward(&ctx);              /* then the batch's (conv's, a dense layer's weights) */
        have_sums = ctx.have_sums;
        cur = 1 - cur;
    }
}

/* ---------- inside view ---------- */

void net_input_gradient(Net *net, int n, int cls, float *grad) {
    float *dy = net->gbuf[0], *dx = net->gbuf[1];
    memset(dy, 0, (size_t)net->n_classes * sizeof(float));
    dy[cls] = 1.0f;
    for (int i = net->n_layers - 1; i >= 0; i--) {
        const Layer *l = &net->layer[i];
        float *out = i == 0 ? grad : dx;
        ops_of(l->spec.kind)->input_gradient_image(net, l, n, dy, out);
        float *t = dy; dy = dx; dx = t;
    }
}
