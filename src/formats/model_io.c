/* model_io.c - writer and validating reader of the model file; see docs/model-format.md. */
#include "model_io.h"
#include "tensors.h"
#include "bytes.h"
#include "nn/arch_spec.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- writing ---------- */

typedef ByteBuf Buf;
#define put bytebuf_put
#define put_u32 bytebuf_put_u32
#define put_f64 bytebuf_put_f64
#define put_f32s bytebuf_put_f32s


/* The training-state section: the recipe and the run's counters as f64, in the order of
 * docs/model-format.md. Version 1 stored the seed as one f64 (exact below 2^53); version 2
 * stores its low and high 32-bit halves (fields 19 and 24), so every 64-bit seed survives;
 * version 3 adds the augmentation's easing, the weight average's recipe and its step count. */
/* the slots of the section (f64 each) in file order */
enum {
    SLOT_RECIPE = 0,                   /* the 19 fields of FILE_RECIPE */
    SLOT_SEED_LO = 19,                 /* version 1: the whole seed (exact below 2^53) */
    SLOT_STEP = 20, SLOT_OPTIM_STEPS = 21, SLOT_TOTAL_STEPS = 22, SLOT_STEPS_PER_EPOCH = 23,
    SLOT_SEED_HI = 24,                 /* version 2 on */
    SLOT_RECIPE_V3 = 25,               /* version 3 on: the 3 fields of FILE_RECIPE_V3 */
    SLOT_AVG_COUNT = 28,
    TRAIN_FIELDS_V1 = 24, TRAIN_FIELDS_V2 = 25, TRAIN_FIELDS = 29
};
static const int FILE_RECIPE_V3[3] = { CFG_augment_ease, CFG_ema, CFG_ema_start };
/* the recipe fields of the section, in file order (contract.h ids) */
static const int FILE_RECIPE[19] = {CFG_epochs,   CFG_batch,        CFG_optimizer,      CFG_lr,
                                    CFG_onecycle, CFG_pct_start,    CFG_div_factor,     CFG_final_div_factor,
                                    CFG_momentum, CFG_weight_decay, CFG_adam_beta1,     CFG_adam_beta2,
                                    CFG_adam_eps, CFG_nesterov,     CFG_augment,        CFG_rotate_deg,
                                    CFG_shift_px, CFG_dropout,      CFG_label_smoothing};

static void train_fields(const Trainer *t, double f[TRAIN_FIELDS]) {
    for (int i = 0; i < 19; i++) f[SLOT_RECIPE + i] = settings_get(&RECIPE_TABLE, &t->cfg, FILE_RECIPE[i]);
    f[SLOT_SEED_LO] = (double)(uint32_t)t->cfg.seed;
    f[SLOT_STEP] = (double)t->step; f[SLOT_OPTIM_STEPS] = (double)t->opt.t;
    f[SLOT_TOTAL_STEPS] = (double)t->total_steps; f[SLOT_STEPS_PER_EPOCH] = (double)t->steps_per_epoch;
    f[SLOT_SEED_HI] = (double)(uint32_t)(t->cfg.seed >> 32);
    for (int i = 0; i < 3; i++) f[SLOT_RECIPE_V3 + i] = settings_get(&RECIPE_TABLE, &t->cfg, FILE_RECIPE_V3[i]);
    f[SLOT_AVG_COUNT] = (double)t->avg_count;
}

static int whole_below(double x, double limit) { return x >= 0 && x < limit && x == floor(x); }

/* the recipe of a training-state section, each field checked against its type and range
 * before it is stored (contract.h); 1 and a message when one is out of range */
static int config_from_fields(const double *f, uint32_t version, TrainConfig *c, char *err, size_t errlen) {
    settings_default(&RECIPE_TABLE, c);
    for (int i = 0; i < 19; i++)
        if (settings_set(&RECIPE_TABLE, c, FILE_RECIPE[i], f[SLOT_RECIPE + i], err, errlen)) return 1;
    if (version >= 3)
        for (int i = 0; i < 3; i++)
            if (settings_set(&RECIPE_TABLE, c, FILE_RECIPE_V3[i], f[SLOT_RECIPE_V3 + i], err, errlen)) return 1;
    int seed_ok = version == 1
        ? f[SLOT_SEED_LO] <= 9007199254740992.0 && whole_below(f[SLOT_SEED_LO], 1e300)
        : whole_below(f[SLOT_SEED_LO], 4294967296.0) && whole_below(f[SLOT_SEED_HI], 4294967296.0);
    if (!seed_ok) { snprintf(err, errlen, "seed"); return 1; }
    c->seed = version == 1 ? (uint64_t)f[SLOT_SEED_LO] : (uint64_t)f[SLOT_SEED_HI] << 32 | (uint64_t)f[SLOT_SEED_LO];
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
        const LayerSpec *l = &net->arch.layers[i];
        put_u32(&b, l->kind); put_u32(&b, l->out_c); put_u32(&b, l->size);
        put_u32(&b, l->flags);                                    /* version 4 on */
        float p = l->flags & LAYER_OWN_DROPOUT ? l->dropout : 0.0f;
        put_f32s(&b, &p, 1);
        put_u32(&b, l->kind == LAYER_CONV ? (uint32_t)net_layer_groups(l) : 0u);   /* version 5 on */
    }
    if (t) {
        double f[TRAIN_FIELDS];
        train_fields(t, f);
        put_u32(&b, TRAIN_FIELDS);
        for (int i = 0; i < TRAIN_FIELDS; i++) put_f64(&b, f[i]);
    }
    TensorRef tr[MODEL_MAX_TENSORS];
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
    r->pos += 4;
    return le_u32_load(r->p + r->pos - 4);
}
static double get_f64(Rd *r) {
    if (r->bad || r->len - r->pos < 8) { r->bad = 1; return 0; }
    r->pos += 8;
    return le_f64_load(r->p + r->pos - 8);
}

#define MODEL_MIN_BYTES (8 + 4 + 4 + 32 + 16 + 4 + 4)   /* magic .. layer count, tensor count, CRC */

static int read_header(Rd *r, NetArch *arch, uint32_t *flags, uint32_t *version_out, char *err, size_t errlen) {
    size_t head = r->len < 8 ? r->len : 8;
    if (r->len == 0) { snprintf(err, errlen, "the file is empty"); return 1; }
    if (memcmp(r->p, MODEL_MAGIC, head) != 0) {
        snprintf(err, errlen,
                 "not a model file of this app (the first bytes are not \"" MODEL_MAGIC "\") nor a safetensors file");
        return 1;
    }
    if (r->len < MODEL_MIN_BYTES) {
        snprintf(err, errlen, "model file is truncated: %zu bytes, and no model file is shorter than %d", r->len,
                 MODEL_MIN_BYTES);
        return 1;
    }
    if (r->len > MODEL_MAX_BYTES) {
        snprintf(err, errlen, "model file too large (%zu bytes, limit %u)", r->len, MODEL_MAX_BYTES);
        return 1;
    }
    uint32_t stored = le_u32_load(r->p + r->len - 4);
    r->pos = 8;
    uint32_t version = get_u32(r);
    if (version < 1 || version > MODEL_VERSION) {
        snprintf(err, errlen, "model file format version %u; this app reads versions 1 to %u", version, MODEL_VERSION);
        return 1;
    }
    if (crc32_ieee(r->p, r->len - 4) != stored) {
        snprintf(err, errlen, "model file is damaged (CRC32 mismatch): truncated or altered");
        return 1;
    }
    r->len -= 4;   /* the CRC is not payload */
    *flags = get_u32(r);
    *version_out = version;
    if (*flags & ~1u) {
        snprintf(err, errlen, "model file: unknown flags 0x%x (only bit 0 is defined)", *flags);
        return 1;
    }
    memset(arch, 0, sizeof *arch);
    if (r->len - r->pos < 32) { r->bad = 1; } else { memcpy(arch->name, r->p + r->pos, 31); r->pos += 32; }
    arch->in_c = (int)get_u32(r); arch->in_h = (int)get_u32(r); arch->in_w = (int)get_u32(r);
    uint32_t nl = get_u32(r);
    if (r->bad || nl < 1 || nl > NET_MAX_LAYERS) { snprintf(err, errlen, "model file: bad layer count"); return 1; }
    arch->n_layers = (int)nl;
    for (uint32_t i = 0; i < nl; i++) {        /* before version 4 every layer was of the reference net's kind */
        LayerSpec *l = &arch->layers[i];
        l->kind = (int)get_u32(r); l->out_c = (int)get_u32(r); l->size = (int)get_u32(r);
        if (version < 4) continue;
        l->flags = (int)get_u32(r);
        if (r->bad || r->len - r->pos < 4) { r->bad = 1; break; }
        l->dropout = le_f32_load(r->p + r->pos);
        r->pos += 4;
        if (l->flags & ~(LAYER_PAD_SAME | LAYER_NO_BN | LAYER_OWN_DROPOUT) ||
            (!(l->flags & LAYER_OWN_DROPOUT) && l->dropout != 0.0f)) {
            snprintf(err, errlen, "model file: layer %u has unknown options (0x%x, dropout %g)", i + 1,
                     (unsigned)l->flags, l->dropout);
            return 1;
        }
        if (version < 5) continue;                 /* before version 5 every convolution had one group */
        uint32_t groups = get_u32(r);
        if (r->bad) break;
        if (l->kind == LAYER_CONV ? groups < 1 || groups > NET_MAX_GROUPS : groups != 0) {
            snprintf(err, errlen, "model file: layer %u has %u groups (a convolution 1 to %d, another kind 0)",
                     i + 1, groups, NET_MAX_GROUPS);
            return 1;
        }
        l->groups = groups > 1 ? (int)groups : 0;
    }
    if (r->bad) { snprintf(err, errlen, "model file: truncated header"); return 1; }
    char why[300];
    if (!arch_design_check(arch, why, sizeof why)) {
        snprintf(err, errlen, "model file: its design is not one this app runs: %s", why);
        return 1;
    }
    if (version < 4 && !net_arch_same(arch, &NET_ARCH_REFERENCE)) {
        snprintf(err, errlen, "model file: version %u was written before designs and holds the reference net, "
                 "but its layer table is another", version);
        return 1;
    }
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

/* A file's training-state section, read and checked: the recipe and the run's counters. */
typedef struct {
    int present;
    double f[TRAIN_FIELDS];
    TrainConfig recipe;
} TrainState;

/* Reads the section (at r) and checks that it makes sense on its own, even when only the
 * weights are wanted, so a damaged file is never half-trusted: every recipe field of its type
 * and within its range (contract.h), the counters whole and consistent; with t, also that the
 * run fits this network and this training set, to continue it. */
static int read_train_state(Rd *r, uint32_t version, const Net *net, const Trainer *t, TrainState *st, char *err,
                            size_t errlen) {
    double *f = st->f;
    uint32_t nf = get_u32(r),
             want_fields = version == 1 ? TRAIN_FIELDS_V1
        : version == 2                  ? TRAIN_FIELDS_V2
                                        : TRAIN_FIELDS;
    if (r->bad || nf != want_fields) {
        snprintf(err, errlen, "model file: bad training-state section (%u fields, expected %u)", nf, want_fields);
        return 1;
    }
    for (uint32_t i = 0; i < nf; i++) f[i] = get_f64(r);
    if (r->bad) { snprintf(err, errlen, "model file: training-state section is truncated"); return 1; }
    char why[200];
    if (config_from_fields(f, version, &st->recipe, why, sizeof why)) {
        snprintf(err, errlen, "model file: training state out of range: %s", why);
        return 1;
    }
    double epochs = f[SLOT_RECIPE], batch = f[SLOT_RECIPE + 1], step = f[SLOT_STEP], total = f[SLOT_TOTAL_STEPS];
    double per_epoch = f[SLOT_STEPS_PER_EPOCH], averaged = f[SLOT_AVG_COUNT];
    int counters_ok = 1;
    for (int i = SLOT_STEP; i <= SLOT_STEPS_PER_EPOCH; i++) counters_ok &= f[i] <= 1e15 && whole_below(f[i], 1e300);
    if (!counters_ok || !(per_epoch >= 1 && per_epoch <= 1e9) || total != per_epoch * epochs || !(step <= total) ||
        !(f[SLOT_OPTIM_STEPS] <= total)) {
        snprintf(err, errlen,
                 "model file: training state out of range (step %g, optimiser steps %g, total %g, %g steps per epoch "
                 "and %g epochs do not fit together)",
                 step, f[SLOT_OPTIM_STEPS], total, per_epoch, epochs);
        return 1;
    }
    if (!(averaged <= step && whole_below(averaged, 1e300)) || (averaged > 0 && !(st->recipe.ema > 0))) {
        snprintf(err, errlen,
                 "model file: training state out of range (%g steps averaged after %g steps, weight average decay %g)",
                 averaged, step, st->recipe.ema);
        return 1;
    }
    if (t && batch > net->max_batch) {
        snprintf(err, errlen, "the run was saved with batch %d, larger than the %d this network was created for",
                 (int)batch, net->max_batch);
        return 1;
    }
    int steps_here = t ? (t->train_x.count + (int)batch - 1) / (int)batch : 0;
    if (t && steps_here != (int)per_epoch) {
        snprintf(err, errlen,
                 "the run was saved training on a set of %d steps of %d images per epoch (%d to %d images); "
                 "this training set has %d images (%d steps): resume it on the same training set",
                 (int)per_epoch, (int)batch, ((int)per_epoch - 1) * (int)batch + 1, (int)per_epoch * (int)batch,
                 t->train_x.count, steps_here);
        return 1;
    }
    st->present = 1;
    return 0;
}

/* Checks the tensor section (at r) against the tensors this Net has (with the optimiser's when
 * the file has a training state, whether or not they are restored) and notes where each one's
 * data lies; nothing is copied. */
static int read_tensors(Rd *r, const Net *net, const TrainState *st, const uint8_t **data_at, char *err,
                        size_t errlen) {
    TensorRef want[MODEL_MAX_TENSORS];
    Trainer shape_only;
    memset(&shape_only, 0, sizeof shape_only);
    shape_only.avg_count = (uint64_t)st->f[SLOT_AVG_COUNT];
    shape_only.model_shown = 1;
    int nw = model_list_tensors(net, st->present ? &shape_only : NULL, want, MODEL_MAX_TENSORS);
    uint32_t nt = get_u32(r);
    if (r->bad || nt != (uint32_t)nw) {
        snprintf(err, errlen, "model file has %u tensors, expected %d", nt, nw);
        return 1;
    }
    for (int i = 0; i < nw; i++) {
        uint32_t nlen = get_u32(r);
        if (r->bad || nlen > 39 || r->len - r->pos < nlen) {
            snprintf(err, errlen, "model file: bad tensor name");
            return 1;
        }
        if (nlen != strlen(want[i].name) || memcmp(r->p + r->pos, want[i].name, nlen) != 0) {
            snprintf(err, errlen, "model file: tensor %d is not \"%s\"", i, want[i].name);
            return 1;
        }
        r->pos += nlen;
        uint32_t nd = get_u32(r);
        if (r->bad || (int)nd != want[i].ndim) {
            snprintf(err, errlen, "model file: tensor \"%s\" has the wrong rank", want[i].name);
            return 1;
        }
        size_t count = 1;
        for (uint32_t d = 0; d < nd; d++) {
            uint32_t dim = get_u32(r);
            if (dim != want[i].dims[d]) {
                snprintf(err, errlen, "model file: tensor \"%s\" has the wrong shape", want[i].name);
                return 1;
            }
            count *= dim;
        }
        if (r->bad || (r->len - r->pos) / 4 < count) {
            snprintf(err, errlen, "model file: tensor \"%s\" is truncated", want[i].name);
            return 1;
        }
        data_at[i] = r->p + r->pos;
        for (size_t j = 0; j < count; j++)
            if (!isfinite(le_f32_load(r->p + r->pos + 4 * j))) {
                snprintf(err, errlen, "model file: tensor \"%s\" holds NaN or infinity", want[i].name);
                return 1;
            }
        r->pos += 4 * count;
    }
    if (r->pos != r->len) {
        snprintf(err, errlen, "model file has %zu unexpected trailing bytes", r->len - r->pos);
        return 1;
    }
    return 0;
}

/* Everything checked: the tensors into the Net (and, with tt, the optimiser's into the
 * Trainer, and its recipe and counters). The only step that can fail, a weight average's
 * buffer, comes before anything is overwritten. */
static int commit(Net *net, Trainer *tt, const TrainState *st, const uint8_t **data_at, char *err, size_t errlen) {
    const double *f = st->f;
    if (tt && st->recipe.ema > 0 && !tt->avg && trainer_reserve(tt, 1)) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    if (tt) {
        tt->backups = 0;                      /* no step before this state can be gone back to */
        tt->avg_count = (uint64_t)f[SLOT_AVG_COUNT];
        tt->model_shown = tt->avg_count > 0;  /* the file's model tensors are the average */
    }
    TensorRef want[MODEL_MAX_TENSORS];
    int nw = model_list_tensors(net, tt, want, MODEL_MAX_TENSORS);
    for (int i = 0; i < nw; i++) {
        size_t count = 1;
        for (int d = 0; d < want[i].ndim; d++) count *= want[i].dims[d];
        for (size_t j = 0; j < count; j++) want[i].data[j] = le_f32_load(data_at[i] + 4 * j);
    }
    if (tt) {
        TrainConfig *c = &tt->cfg;
        *c = st->recipe;
        tt->step = (uint64_t)f[SLOT_STEP]; tt->opt.t = (uint64_t)f[SLOT_OPTIM_STEPS];
        tt->total_steps = (uint64_t)f[SLOT_TOTAL_STEPS]; tt->steps_per_epoch = (int)f[SLOT_STEPS_PER_EPOCH];
        tt->opt.cfg.kind = c->optimizer; tt->opt.cfg.nesterov = c->nesterov; tt->opt.cfg.momentum = c->momentum;
        tt->opt.cfg.weight_decay = c->weight_decay;
        tt->opt.cfg.beta1 = c->adam_beta1;
        tt->opt.cfg.beta2 = c->adam_beta2;
        tt->opt.cfg.eps = c->adam_eps;
        net->dropout = c->dropout;
        net->label_smoothing = c->label_smoothing;
    }
    return 0;
}

int model_load(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    Rd r = { buf, len, 0, 0 };
    NetArch arch;
    uint32_t flags = 0, version = 0;
    if (!buf) { snprintf(err, errlen, "no model data"); return 1; }
    if (read_header(&r, &arch, &flags, &version, err, errlen)) return 1;
    if (!net_arch_same(&arch, &net->arch)) {
        char file_spec[ARCH_SPEC_MAX], net_spec[ARCH_SPEC_MAX];
        arch_spec_format(&arch, file_spec, sizeof file_spec);
        arch_spec_format(&net->arch, net_spec, sizeof net_spec);
        snprintf(err, errlen, "model file is for a different network (\"%.200s\") than the one loaded (\"%.200s\")",
                 file_spec, net_spec);
        return 1;
    }
    TrainState st = { 0 };
    if ((flags & 1u) && read_train_state(&r, version, net, t, &st, err, errlen)) return 1;
    const uint8_t *data_at[MODEL_MAX_TENSORS];
    if (read_tensors(&r, net, &st, data_at, err, errlen)) return 1;
    return commit(net, st.present ? t : NULL, &st, data_at, err, errlen);
}
