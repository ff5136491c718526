/* layers.c - what the layer kinds (layer_*.c, conv_*.c) need from the network beyond their own
 * layer: buffers taken through net_take, a layer's input, its groups and its dropout. The kinds
 * call only this and the kernels, never the drivers (net.c), so the drivers depend on the kinds
 * and not the other way round. */
#include "layers.h"
#include "kernels/eltwise.h"
#include "runtime/rng.h"
#include <stdlib.h>
#include <string.h>

static size_t falloc_bytes(size_t n) {   /* rounded to the alignment (wasm's aligned_alloc needs it), never 0 */
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    return bytes ? bytes : 64;
}

void *nn_falloc(size_t n) {          /* zeroed, 64-byte aligned */
    void *p = aligned_alloc(64, falloc_bytes(n));
    if (p) memset(p, 0, falloc_bytes(n));
    return p;
}

/* The allocator's bookkeeping per block, at most: glibc's and dlmalloc's (wasm) chunk header
 * and size rounding (an aligned block's leading gap goes back to the free lists), and glibc's
 * whole pages for a block it maps by itself (from 128 KB on; dlmalloc in wasm maps nothing). */
enum { ALLOC_OVERHEAD = 32, MAPPED_FROM = 128 << 10, PAGE = 4096 };
size_t nn_falloc_cost(size_t n) {
    size_t bytes = falloc_bytes(n);
    return bytes + ALLOC_OVERHEAD + (bytes >= MAPPED_FROM ? PAGE : 0);
}

void *net_take(NetAlloc *a, size_t n_floats, int part) {
    if (!a->allocate) { a->memory->part[part] += nn_falloc_cost(n_floats); return NULL; }
    void *p = nn_falloc(n_floats);
    if (!p) a->failed = 1;
    return p;
}

const float *layer_input(const Net *net, int i, int n) {
    const Layer *l = &net->layer[i];
    size_t per = (size_t)l->C * l->H * l->W;
    return (i == 0 ? net->input : net->layer[i - 1].out) + per * n;
}

int net_layer_groups(const LayerSpec *s) { return s->groups > 1 ? s->groups : 1; }

float net_layer_dropout(const Net *net, int i) {
    const LayerSpec *s = &net->layer[i].spec;
    int has = s->kind == LAYER_CONV || (s->kind == LAYER_DENSE && i < net->n_layers - 1);
    if (!has) return 0.0f;
    return s->flags & LAYER_OWN_DROPOUT ? s->dropout : net->dropout;
}

/* Inverted dropout of one image's layer output, the draws a function of (seed, step, layer,
 * image): two 16-bit draws per PCG output, drop when below p * 65536 (p = 0.1 -> 6554/65536 =
 * 0.100006; halves the generator's share of the step). With mask != NULL the mask (0 or
 * 1/(1-p)) is written there instead and out is left alone (net_dropout_mask). */
void layer_dropout_image(const Net *net, int layer, int n, uint64_t seed, uint64_t step, float *out, int total,
                         float *mask) {
    float p = net_layer_dropout(net, layer);
    if (!(p > 0.0f)) {
        if (mask) for (int i = 0; i < total; i++) mask[i] = 1.0f;
        return;
    }
    Rng r = rng_for(seed, RNG_DROPOUT, step * NET_MAX_LAYERS + (uint64_t)layer, (uint64_t)n);
    uint32_t threshold = (uint32_t)((double)p * 65536.0 + 0.5);
    float scale = 1.0f / (1.0f - p);
    /* the draws in blocks, each read as two 16-bit halves, low half first: a union of the two
     * views (little-endian, as x86-64 and wasm are) feeds the vector kernel */
    enum { BLOCK = 256 };
    union { uint32_t draw[BLOCK]; uint16_t half[2 * BLOCK]; } bits;
    for (int j = 0; j < total; j += 2 * BLOCK) {
        int count = total - j < 2 * BLOCK ? total - j : 2 * BLOCK;
        rng_fill_u32(&r, bits.draw, (count + 1) / 2);
        if (mask) {
            for (int i = 0; i < count; i++) mask[j + i] = bits.half[i] < threshold ? 0.0f : scale;
        } else
            eltwise_vec.dropout(out + j, bits.half, count, threshold, scale);
    }
}
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "layer_dropout_image reads a draw's low 16 bits as the first half: a little-endian target is assumed"
#endif
