/* craft.h - model files of designs other than the exercise's, written by the app's own writers
 * (model_save, safetensors_save) from networks made in code (net_create takes any layer
 * table), and altered where a writer cannot go (older versions, stray fields, names): what a
 * hostile or foreign file can hold. test_gate.c reads them; craft_models.c writes them for
 * cli.sh and the fuzz corpus (tests/fuzz/corpus). */
#ifndef CRAFT_H
#define CRAFT_H
#include "formats/bytes.h"
#include "formats/model_io.h"
#include "formats/safetensors.h"
#include "nn/arch_spec.h"
#include <stdlib.h>
#include <string.h>

/* a design from its input shape and its layer records, checked by nothing (net_create checks
 * what the network code needs) */
static inline NetArch craft_arch(int c, int h, int w, const LayerSpec *layers, int n) {
    NetArch a;
    memset(&a, 0, sizeof a);
    strcpy(a.name, "custom");
    a.in_c = c; a.in_h = h; a.in_w = w; a.n_layers = n;
    memcpy(a.layers, layers, (size_t)n * sizeof *layers);
    return a;
}

/* the weights-only model file (version 5) of a network of arch, initialised from seed 1; its
 * length into *len (0: the network code itself refuses arch) */
static inline uint8_t *craft_model_file(const NetArch *arch, size_t *len) {
    Net *net = net_create(arch, 1, 1);
    *len = 0;
    if (!net) return NULL;
    net_init_params(net, 1);
    uint8_t *buf = NULL;
    *len = model_save(net, NULL, &buf);
    net_free(net);
    return buf;
}

static inline uint8_t *craft_safetensors(const NetArch *arch, size_t *len) {
    Net *net = net_create(arch, 1, 1);
    *len = 0;
    if (!net) return NULL;
    net_init_params(net, 1);
    uint8_t *buf = NULL;
    *len = safetensors_save(net, &buf);
    net_free(net);
    return buf;
}

static inline void craft_restamp(uint8_t *buf, size_t len) { le_u32_store(buf + len - 4, crc32_ieee(buf, len - 4)); }

/* a weights-only version 5 file rewritten as version (1 to 4): layers of 20 bytes in version 4
 * (no groups), of 12 before (kind, channels, size; no options, no dropout), the rest as it
 * was; in place, the new length */
static inline size_t craft_downgrade(uint8_t *buf, size_t len, uint32_t version) {
    uint32_t layers = le_u32_load(buf + 60), record = version >= 4 ? 20 : 12;
    size_t from = 64 + 24 * (size_t)layers, to = 64 + record * (size_t)layers;
    for (uint32_t i = 0; i < layers; i++) memmove(buf + 64 + record * i, buf + 64 + 24 * i, record);
    memmove(buf + to, buf + from, len - from);
    len -= from - to;
    le_u32_store(buf + 8, version);
    craft_restamp(buf, len);
    return len;
}

/* layer i's record of a version 5 file: field 0 kind, 1 channels, 2 size, 3 options, 4 dropout, 5 groups */
static inline void craft_set_layer_field(uint8_t *buf, size_t len, int layer, int field, uint32_t value) {
    le_u32_store(buf + 64 + 24 * (size_t)layer + 4 * (size_t)field, value);
    craft_restamp(buf, len);
}

/* The crafted files: each with the words its refusal must hold (the rule it breaks), or NULL
 * for a file every reader accepts and every consumer must run. */
typedef void CraftEmit(void *ctx, const char *name, const uint8_t *buf, size_t len, const char *rule);

/* 24 layers, a 7x7 kernel, 512 channels, a hidden fc1024, dropout 0.9: the limits the exercise
 * allows, at a size the corpus can hold */
#define CRAFT_LIMITS_DESIGN "c4k7:same:d0.9 m2 m2 m2 c512k1:nobn c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 " \
    "c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 c2k1 gap fc1024:d0.9 fc10"

static inline void craft_all(CraftEmit *emit, void *ctx) {
    const LayerSpec FC10 = { LAYER_DENSE, 10, 0 }, M2 = { LAYER_MAXPOOL, 0, 2 }, GAP = { LAYER_GAP, 0, 0 };
    const LayerSpec pools_fc1000[5] = { M2, M2, M2, GAP, { LAYER_DENSE, 1000, 0 } };
    const LayerSpec conv_gap[3] = { { LAYER_CONV, 8, 3 }, GAP, FC10 }, kernel4[3] = { { LAYER_CONV, 8, 4 }, GAP, FC10 };
    const LayerSpec conv_pool[4] = { { LAYER_CONV, 8, 3 }, M2, GAP, FC10 };
    const LayerSpec own_dropout[3] = { { LAYER_CONV, 8, 3, LAYER_OWN_DROPOUT, 0.1f }, GAP, FC10 };
    const LayerSpec no_conv[2] = { GAP, FC10 };
    const LayerSpec grouped[4] = { { LAYER_CONV, 8, 3 }, { LAYER_CONV, 8, 3, 0, 0.0f, 4 }, GAP, FC10 };
    NetArch a;
    size_t n;
    uint8_t *b;
    char err[300];

    a = craft_arch(1, 1, 1, &FC10, 1);                      /* the 216-byte file */
    b = craft_model_file(&a, &n);
    emit(ctx, "input-1x1x1.bin", b, n, "a design takes 1 x 28 x 28 images, not 1 x 1 x 1");
    n = craft_downgrade(b, n, 3);
    emit(ctx, "input-1x1x1-v3.bin", b, n, "a design takes 1 x 28 x 28 images, not 1 x 1 x 1");
    free(b);

    a = craft_arch(1, 28, 28, pools_fc1000, 5);
    b = craft_model_file(&a, &n);
    emit(ctx, "last-fc1000.bin", b, n, "the last layer must be fc10");
    free(b);
    b = craft_safetensors(&a, &n);
    emit(ctx, "last-fc1000.safetensors", b, n, "the last layer must be fc10");
    free(b);

    a = craft_arch(1, 28, 28, conv_gap, 3);                 /* valid as version 4; version 3 predates designs */
    b = craft_model_file(&a, &n);
    n = craft_downgrade(b, n, 3);
    emit(ctx, "v3-not-reference.bin", b, n, "holds the reference net");
    free(b);

    a = craft_arch(1, 28, 28, kernel4, 3);
    b = craft_model_file(&a, &n);
    emit(ctx, "kernel-4.bin", b, n, "kernel 4; a convolution's kernel is 1, 3, 5 or 7");
    free(b);

    a = craft_arch(1, 28, 28, conv_pool, 4);
    b = craft_model_file(&a, &n);
    craft_set_layer_field(b, n, 1, 1, 5);
    emit(ctx, "pool-channels.bin", b, n, "layer 2 (m2): a channel count (5) this kind does not have");
    craft_set_layer_field(b, n, 1, 1, 0);
    craft_set_layer_field(b, n, 1, 3, LAYER_PAD_SAME);
    emit(ctx, "pool-options.bin", b, n, "layer 2 (m2): options 0x1; this kind takes none");
    craft_set_layer_field(b, n, 1, 3, 0);
    memcpy(b + 16, "cus\"tom", 8);
    craft_restamp(b, n);
    emit(ctx, "name-quote.bin", b, n, "printable ASCII without quotes");
    free(b);

    a = craft_arch(1, 28, 28, own_dropout, 3);
    b = craft_model_file(&a, &n);
    craft_set_layer_field(b, n, 0, 4, 1);                   /* the smallest subnormal float */
    emit(ctx, "dropout-subnormal.bin", b, n, "has no decimal form");
    free(b);

    a = craft_arch(1, 28, 28, grouped, 4);                  /* accepted: grouped, then lying about its groups */
    b = craft_model_file(&a, &n);
    emit(ctx, "grouped.bin", b, n, NULL);
    craft_set_layer_field(b, n, 1, 5, 3);
    emit(ctx, "groups-not-dividing.bin", b, n, "layer 2 (c8k3:g3): 3 groups; the group count (1 to 512) divides");
    craft_set_layer_field(b, n, 1, 5, 0);
    emit(ctx, "groups-zero.bin", b, n, "layer 2 has 0 groups (a convolution 1 to 512");
    craft_set_layer_field(b, n, 1, 5, 4);
    craft_set_layer_field(b, n, 2, 5, 2);
    emit(ctx, "groups-on-gap.bin", b, n, "layer 3 has 2 groups (a convolution 1 to 512, another kind 0)");
    free(b);
    b = craft_safetensors(&a, &n);
    emit(ctx, "grouped.safetensors", b, n, NULL);
    free(b);

    a = craft_arch(1, 28, 28, no_conv, 2);                  /* accepted: a design without convolutions */
    b = craft_model_file(&a, &n);
    emit(ctx, "no-conv.bin", b, n, NULL);
    free(b);
    b = craft_safetensors(&a, &n);
    emit(ctx, "no-conv.safetensors", b, n, NULL);
    free(b);

    if (arch_spec_parse(CRAFT_LIMITS_DESIGN, &a, err, sizeof err)) { emit(ctx, "limits", NULL, 0, err); return; }
    b = craft_model_file(&a, &n);
    emit(ctx, "limits.bin", b, n, NULL);
    free(b);
    b = craft_safetensors(&a, &n);
    emit(ctx, "limits.safetensors", b, n, NULL);
    free(b);
}
#endif
