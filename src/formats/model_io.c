/* model_io.c - writer and validating reader of the model file; see docs/model-format.md. */
#include "model_io.h"
#include "bytebuf.h"
#include "safetensors.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t crc32_ieee(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---------- writing ---------- */

typedef ByteBuf Buf;
#define put bytebuf_put
static void put_u32(Buf *b, uint32_t v) { uint8_t x[4] = { v, v >> 8, v >> 16, v >> 24 }; put(b, x, 4); }
static void put_f32s(Buf *b, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++) { uint32_t u; memcpy(&u, &v[i], 4); put_u32(b, u); }
}
static void put_f64(Buf *b, double v) { uint64_t u; memcpy(&u, &v, 8); put_u32(b, (uint32_t)u); put_u32(b, (uint32_t)(u >> 32)); }

int model_list_tensors(const Net *net, const Trainer *t, TensorRef *out, int max) {
    int n = 0, conv = 0;
    /* with a weight average begun, the model tensors are the average and the training weights
     * follow the optimiser's; which of the two the Net holds right now is t->model_shown */
    int averaged = t && t->avg_count > 0;
    if (averaged && !t->model_shown) return -1;          /* trainer_show_model first */
    float *P = net->params, *S = net->bn_state;
#define ADD(nm, d, nd, a, b_, c_, e_) do { if (n < max) { TensorRef *r = &out[n]; snprintf(r->name, sizeof r->name, "%s", nm); \
        r->ndim = nd; r->dims[0] = a; r->dims[1] = b_; r->dims[2] = c_; r->dims[3] = e_; r->data = d; } n++; } while (0)
    char nm[40];
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind == LAYER_CONV) {
            conv++;
            snprintf(nm, sizeof nm, "conv%d.weight", conv); ADD(nm, P + l->w, 4, l->K, l->C, l->spec.size, l->spec.size);
            snprintf(nm, sizeof nm, "bn%d.weight", conv); ADD(nm, P + l->gamma, 1, l->K, 0, 0, 0);
            snprintf(nm, sizeof nm, "bn%d.bias", conv); ADD(nm, P + l->beta, 1, l->K, 0, 0, 0);
        } else if (l->spec.kind == LAYER_DENSE) {
            ADD("fc.weight", P + l->w, 2, l->K, l->C * l->H * l->W, 0, 0);
            ADD("fc.bias", P + l->bias, 1, l->K, 0, 0, 0);
        }
    }
    conv = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind != LAYER_CONV) continue;
        conv++;
        snprintf(nm, sizeof nm, "bn%d.running_mean", conv); ADD(nm, S + l->run_mean, 1, l->K, 0, 0, 0);
        snprintf(nm, sizeof nm, "bn%d.running_var", conv); ADD(nm, S + l->run_var, 1, l->K, 0, 0, 0);
    }
    if (t) {
        ADD("optim.m", t->opt.m, 1, (uint32_t)net->n_params, 0, 0, 0);
        ADD("optim.v", t->opt.v, 1, (uint32_t)net->n_params, 0, 0, 0);
        if (averaged) ADD("optim.weights", t->avg, 1, (uint32_t)(net->n_params + net->n_bn_state), 0, 0, 0);
    }
#undef ADD
    return n;
}

/* The training-state section: the recipe and the run's counters as f64, in the order of
 * docs/model-format.md. Version 1 stored the seed as one f64 (exact below 2^53); version 2
 * stores its low and high 32-bit halves (fields 19 and 24), so every 64-bit seed survives;
 * version 3 adds the augmentation's easing, the weight average's recipe and its step count. */
#define TRAIN_FIELDS_V1 24
#define TRAIN_FIELDS_V2 25
#define TRAIN_FIELDS 29
static const int FILE_RECIPE_V3[3] = { CFG_augment_ease, CFG_ema, CFG_ema_start };
/* the recipe fields of the section, in file order (contract.h ids) */
static const int FILE_RECIPE[19] = { CFG_epochs, CFG_batch, CFG_optimizer, CFG_lr, CFG_onecycle, CFG_pct_start, CFG_div_factor,
    CFG_final_div_factor, CFG_momentum, CFG_weight_decay, CFG_adam_beta1, CFG_adam_beta2, CFG_adam_eps, CFG_nesterov,
    CFG_augment, CFG_rotate_deg, CFG_shift_px, CFG_dropout, CFG_label_smoothing };

static void train_fields(const Trainer *t, double f[TRAIN_FIELDS]) {
    for (int i = 0; i < 19; i++) f[i] = train_config_get(&t->cfg, FILE_RECIPE[i]);
    f[19] = (double)(uint32_t)t->cfg.seed;
    f[20] = (double)t->step; f[21] = (double)t->opt.t; f[22] = (double)t->total_steps; f[23] = (double)t->steps_per_epoch;
    f[24] = (double)(uint32_t)(t->cfg.seed >> 32);
    for (int i = 0; i < 3; i++) f[25 + i] = train_config_get(&t->cfg, FILE_RECIPE_V3[i]);
    f[28] = (double)t->avg_count;
}

/* the recipe of a training-state section, each field checked against its type and range
 * before it is stored (contract.h); 1 and a message when one is out of range */
static int config_from_fields(const double *f, uint32_t version, TrainConfig *c, char *err, size_t errlen) {
    train_config_default(c);
    for (int i = 0; i < 19; i++)
        if (train_config_set(c, FILE_RECIPE[i], f[i], err, errlen)) return 1;
    if (version >= 3)
        for (int i = 0; i < 3; i++)
            if (train_config_set(c, FILE_RECIPE_V3[i], f[25 + i], err, errlen)) return 1;
    int seed_ok = version == 1 ? f[19] >= 0 && f[19] <= 9007199254740992.0 && f[19] == floor(f[19])
                               : f[19] >= 0 && f[19] < 4294967296.0 && f[19] == floor(f[19]) &&
                                 f[24] >= 0 && f[24] < 4294967296.0 && f[24] == floor(f[24]);
    if (!seed_ok) { snprintf(err, errlen, "seed"); return 1; }
    c->seed = version == 1 ? (uint64_t)f[19] : (uint64_t)f[24] << 32 | (uint64_t)f[19];
    return 0;
}

size_t model_save(const Net *net, Trainer *t, uint8_t **out) {
    Buf b = { 0 };
    if (t) trainer_show_model(t);
    put(&b, MODEL_MAGIC, 8);
    put_u32(&b, MODEL_VERSION);
    put_u32(&b, t ? 1u : 0u);
    char name[32] = { 0 };
    snprintf(name, sizeof name, "%s", net->arch.name);
    put(&b, name, 32);
    put_u32(&b, net->arch.in_c); put_u32(&b, net->arch.in_h); put_u32(&b, net->arch.in_w);
    put_u32(&b, net->arch.n_layers);
    for (int i = 0; i < net->arch.n_layers; i++) {
        put_u32(&b, net->arch.layers[i].kind); put_u32(&b, net->arch.layers[i].out_c); put_u32(&b, net->arch.layers[i].size);
    }
    if (t) {
        double f[TRAIN_FIELDS];
        train_fields(t, f);
        put_u32(&b, TRAIN_FIELDS);
        for (int i = 0; i < TRAIN_FIELDS; i++) put_f64(&b, f[i]);
    }
    TensorRef tr[2 * NET_MAX_LAYERS * 3 + 8];
    int nt = model_list_tensors(net, t, tr, (int)(sizeof tr / sizeof tr[0]));
    if (nt < 0) { free(b.p); *out = NULL; return 0; }
    put_u32(&b, (uint32_t)nt);
    for (int i = 0; i < nt; i++) {
        uint32_t len = (uint32_t)strlen(tr[i].name);
        size_t count = 1;
        put_u32(&b, len); put(&b, tr[i].name, len);
        put_u32(&b, (uint32_t)tr[i].ndim);
        for (int d = 0; d < tr[i].ndim; d++) { put_u32(&b, tr[i].dims[d]); count *= tr[i].dims[d]; }
        put_f32s(&b, tr[i].data, count);
    }
    put_u32(&b, crc32_ieee(b.p, b.len));
    if (b.oom) { free(b.p); *out = NULL; return 0; }
    *out = b.p;
    return b.len;
}

/* ---------- reading ---------- */

typedef struct { const uint8_t *p; size_t len, pos; int bad; } Rd;
static uint32_t get_u32(Rd *r) {
    if (r->bad || r->len - r->pos < 4) { r->bad = 1; return 0; }
    const uint8_t *p = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static double get_f64(Rd *r) {
    uint64_t lo = get_u32(r), hi = get_u32(r), u = lo | hi << 32;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

#define MODEL_MIN_BYTES (8 + 4 + 4 + 32 + 16 + 4 + 4)   /* magic .. layer count, tensor count, CRC */

static int read_header(Rd *r, NetArch *arch, uint32_t *flags, uint32_t *version_out, char *err, size_t errlen) {
    size_t head = r->len < 8 ? r->len : 8;
    if (r->len == 0) { snprintf(err, errlen, "the file is empty"); return 1; }
    if (memcmp(r->p, MODEL_MAGIC, head) != 0) {
        snprintf(err, errlen, "not a model file of this app (the first bytes are not \"" MODEL_MAGIC "\") nor a safetensors file");
        return 1;
    }
    if (r->len < MODEL_MIN_BYTES) {
        snprintf(err, errlen, "model file is truncated: %zu bytes, and no model file is shorter than %d", r->len, MODEL_MIN_BYTES);
        return 1;
    }
    if (r->len > MODEL_MAX_BYTES) { snprintf(err, errlen, "model file too large (%zu bytes, limit %u)", r->len, MODEL_MAX_BYTES); return 1; }
    uint32_t stored = (uint32_t)r->p[r->len - 4] | (uint32_t)r->p[r->len - 3] << 8 | (uint32_t)r->p[r->len - 2] << 16 | (uint32_t)r->p[r->len - 1] << 24;
    r->pos = 8;
    uint32_t version = get_u32(r);
    if (version < 1 || version > MODEL_VERSION) { snprintf(err, errlen, "model file format version %u; this app reads versions 1 to %u", version, MODEL_VERSION); return 1; }
    if (crc32_ieee(r->p, r->len - 4) != stored) { snprintf(err, errlen, "model file is damaged (CRC32 mismatch): truncated or altered"); return 1; }
    r->len -= 4;   /* the CRC is not payload */
    *flags = get_u32(r);
    *version_out = version;
    if (*flags & ~1u) { snprintf(err, errlen, "model file: unknown flags 0x%x (only bit 0 is defined)", *flags); return 1; }
    memset(arch, 0, sizeof *arch);
    if (r->len - r->pos < 32) { r->bad = 1; } else { memcpy(arch->name, r->p + r->pos, 31); r->pos += 32; }
    arch->in_c = (int)get_u32(r); arch->in_h = (int)get_u32(r); arch->in_w = (int)get_u32(r);
    uint32_t nl = get_u32(r);
    if (r->bad || nl < 1 || nl > NET_MAX_LAYERS) { snprintf(err, errlen, "model file: bad layer count"); return 1; }
    arch->n_layers = (int)nl;
    for (uint32_t i = 0; i < nl; i++) {
        arch->layers[i].kind = (int)get_u32(r); arch->layers[i].out_c = (int)get_u32(r); arch->layers[i].size = (int)get_u32(r);
    }
    if (r->bad) { snprintf(err, errlen, "model file: truncated header"); return 1; }
    if (!net_arch_validate(arch, err, errlen)) return 1;
    return 0;
}

int model_read_arch(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen) {
    Rd r = { buf, len, 0, 0 };
    uint32_t flags = 0, version = 0;
    if (!buf) { snprintf(err, errlen, "no model data"); return 1; }
    if (read_header(&r, arch, &flags, &version, err, errlen)) return 1;
    if (has_training) *has_training = (int)(flags & 1u);
    return 0;
}

static int same_arch(const NetArch *a, const NetArch *b) {
    if (a->in_c != b->in_c || a->in_h != b->in_h || a->in_w != b->in_w || a->n_layers != b->n_layers) return 0;
    for (int i = 0; i < a->n_layers; i++)
        if (a->layers[i].kind != b->layers[i].kind || a->layers[i].out_c != b->layers[i].out_c || a->layers[i].size != b->layers[i].size) return 0;
    return 1;
}

int model_load(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    Rd r = { buf, len, 0, 0 };
    NetArch arch;
    uint32_t flags = 0, version = 0;
    if (!buf) { snprintf(err, errlen, "no model data"); return 1; }
    if (read_header(&r, &arch, &flags, &version, err, errlen)) return 1;
    if (!same_arch(&arch, &net->arch)) {
        snprintf(err, errlen, "model file is for a different network (\"%s\", %d layers) than the one loaded (\"%s\")",
                 arch.name, arch.n_layers, net->arch.name);
        return 1;
    }
    double f[TRAIN_FIELDS] = { 0 };
    TrainConfig loaded;
    int has_train = (int)(flags & 1u);
    if (has_train) {
        uint32_t nf = get_u32(&r), want_fields = version == 1 ? TRAIN_FIELDS_V1 : version == 2 ? TRAIN_FIELDS_V2 : TRAIN_FIELDS;
        if (r.bad || nf != want_fields) { snprintf(err, errlen, "model file: bad training-state section (%u fields, expected %u)", nf, want_fields); return 1; }
        for (uint32_t i = 0; i < nf; i++) f[i] = get_f64(&r);
        if (r.bad) { snprintf(err, errlen, "model file: training-state section is truncated"); return 1; }
        /* the section must make sense on its own (it is checked even when only the weights are
         * wanted, so a damaged file is never half-trusted): every recipe field of its type and
         * within its range (contract.h), the counters whole and consistent ... */
        char why[200];
        if (config_from_fields(f, version, &loaded, why, sizeof why)) { snprintf(err, errlen, "model file: training state out of range: %s", why); return 1; }
        int counters_ok = 1;
        for (int i = 20; i < 24; i++) counters_ok &= f[i] >= 0 && f[i] <= 1e15 && f[i] == floor(f[i]);
        if (!counters_ok || !(f[23] >= 1 && f[23] <= 1e9) || f[22] != f[23] * f[0] || !(f[20] <= f[22]) || !(f[21] <= f[22])) {
            snprintf(err, errlen, "model file: training state out of range (step %g, optimiser steps %g, total %g, %g steps per epoch and %g epochs do not fit together)",
                     f[20], f[21], f[22], f[23], f[0]);
            return 1;
        }
        if (!(f[28] >= 0 && f[28] <= f[20] && f[28] == floor(f[28])) || (f[28] > 0 && !(loaded.ema > 0))) {
            snprintf(err, errlen, "model file: training state out of range (%g steps averaged after %g steps, weight average decay %g)", f[28], f[20], loaded.ema);
            return 1;
        }
        /* ... and, to continue the run, it must fit this network and this training set */
        if (t && f[1] > net->max_batch) {
            snprintf(err, errlen, "the run was saved with batch %d, larger than the %d this network was created for", (int)f[1], net->max_batch);
            return 1;
        }
        int steps_here = t ? (t->train_x.count + (int)f[1] - 1) / (int)f[1] : 0;
        if (t && steps_here != (int)f[23]) {
            snprintf(err, errlen, "the run was saved training on a set of %d steps of %d images per epoch (%d to %d images); "
                     "this training set has %d images (%d steps): resume it on the same training set",
                     (int)f[23], (int)f[1], ((int)f[23] - 1) * (int)f[1] + 1, (int)f[23] * (int)f[1], t->train_x.count, steps_here);
            return 1;
        }
    }
    Trainer *tt = has_train ? t : NULL;
    TensorRef want[2 * NET_MAX_LAYERS * 3 + 8];
    /* the optimiser tensors are in the file whenever the training state is, whether or not we restore them */
    Trainer shape_only;
    memset(&shape_only, 0, sizeof shape_only);
    shape_only.avg_count = (uint64_t)f[28];
    shape_only.model_shown = 1;
    int nw = model_list_tensors(net, has_train ? &shape_only : NULL, want, (int)(sizeof want / sizeof want[0]));
    uint32_t nt = get_u32(&r);
    if (r.bad || nt != (uint32_t)nw) { snprintf(err, errlen, "model file has %u tensors, expected %d", nt, nw); return 1; }
    const uint8_t *data_at[sizeof want / sizeof want[0]];
    for (int i = 0; i < nw; i++) {
        uint32_t nlen = get_u32(&r);
        if (r.bad || nlen > 39 || r.len - r.pos < nlen) { snprintf(err, errlen, "model file: bad tensor name"); return 1; }
        if (nlen != strlen(want[i].name) || memcmp(r.p + r.pos, want[i].name, nlen) != 0) {
            snprintf(err, errlen, "model file: tensor %d is not \"%s\"", i, want[i].name);
            return 1;
        }
        r.pos += nlen;
        uint32_t nd = get_u32(&r);
        if (r.bad || (int)nd != want[i].ndim) { snprintf(err, errlen, "model file: tensor \"%s\" has the wrong rank", want[i].name); return 1; }
        size_t count = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint32_t dim = get_u32(&r);
            if (dim != want[i].dims[d]) { snprintf(err, errlen, "model file: tensor \"%s\" has the wrong shape", want[i].name); return 1; }
            count *= dim;
        }
        if (r.bad || (r.len - r.pos) / 4 < count) { snprintf(err, errlen, "model file: tensor \"%s\" is truncated", want[i].name); return 1; }
        data_at[i] = r.p + r.pos;
        for (size_t j = 0; j < count; j++)
            if (!isfinite(f32_le(r.p + r.pos + 4 * j))) { snprintf(err, errlen, "model file: tensor \"%s\" holds NaN or infinity", want[i].name); return 1; }
        r.pos += 4 * count;
    }
    if (r.pos != r.len) { snprintf(err, errlen, "model file has %zu unexpected trailing bytes", r.len - r.pos); return 1; }
    /* everything checked; a run that keeps a weight average needs its buffer (the only step
     * that can fail, so it comes before anything is overwritten) */
    if (tt && loaded.ema > 0 && !tt->avg && trainer_reserve(tt, 1)) { snprintf(err, errlen, "out of memory"); return 1; }
    if (tt) {
        tt->backups = 0;                      /* no step before this state can be gone back to */
        tt->avg_count = (uint64_t)f[28];
        tt->model_shown = tt->avg_count > 0;  /* the file's model tensors are the average */
    }
    /* now copy */
    nw = model_list_tensors(net, tt, want, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < nw; i++) {
        size_t count = 1;
        for (int d = 0; d < want[i].ndim; d++) count *= want[i].dims[d];
        for (size_t j = 0; j < count; j++) want[i].data[j] = f32_le(data_at[i] + 4 * j);
    }
    if (tt) {
        TrainConfig *c = &tt->cfg;
        *c = loaded;
        tt->step = (uint64_t)f[20]; tt->opt.t = (uint64_t)f[21]; tt->total_steps = (uint64_t)f[22]; tt->steps_per_epoch = (int)f[23];
        tt->opt.cfg.kind = c->optimizer; tt->opt.cfg.nesterov = c->nesterov; tt->opt.cfg.momentum = c->momentum;
        tt->opt.cfg.weight_decay = c->weight_decay; tt->opt.cfg.beta1 = c->adam_beta1; tt->opt.cfg.beta2 = c->adam_beta2; tt->opt.cfg.eps = c->adam_eps;
        net->dropout = c->dropout;
        net->label_smoothing = c->label_smoothing;
    }
    return 0;
}

int model_load_any(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    if (safetensors_detect(buf, len)) return safetensors_load(net, buf, len, err, errlen);
    return model_load(net, t, buf, len, err, errlen);
}
