/* trainer.c - mini-batch loop: shuffle per epoch, assemble (augmented) batches in parallel,
 * forward, backward, optimiser step under the schedule; see trainer.h. */
#include "trainer.h"
#include "data/augment.h"
#include "nn/arch_spec.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRESET_ROW(name, help, changes) { #name, help, changes },
static const struct { const char *name, *help, *changes; } PRESETS[] = { RECIPE_PRESETS(PRESET_ROW) };
#undef PRESET_ROW
enum { N_PRESETS = sizeof PRESETS / sizeof PRESETS[0] };

const char *train_preset_name(int i) { return i >= 0 && i < N_PRESETS ? PRESETS[i].name : NULL; }
const char *train_preset_help(int i) { return i >= 0 && i < N_PRESETS ? PRESETS[i].help : NULL; }

int train_config_preset(TrainConfig *c, const char *name, char *err, size_t errlen) {
    settings_default(&RECIPE_TABLE, c);
    for (int i = 0; i < N_PRESETS; i++) {
        if (strcmp(PRESETS[i].name, name)) continue;
        char why[200];
        if (settings_apply(&RECIPE_TABLE, c, PRESETS[i].changes, why, sizeof why)) {
            snprintf(err, errlen, "preset %s: %s", name, why);
            return 1;
        }
        return 0;
    }
    snprintf(err, errlen, "no preset \"%s\" (", name);
    for (int i = 0; i < N_PRESETS; i++) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "%s%s", PRESETS[i].name, i + 1 < N_PRESETS ? ", " : ")");
    }
    return 1;
}

/* floats of one step backup: params, BatchNorm state, optimiser m and v, and the average */
static size_t backup_floats(size_t P, size_t S, int with_average) { return 3 * P + S + (with_average ? P + S : 0); }

size_t trainer_memory_bytes(size_t P, size_t S, int n_images, int max_batch, int with_average) {
    size_t f = sizeof(float), backups = 2 * net_block_cost(f * backup_floats(P, S, with_average));
    size_t average = with_average ? net_block_cost(f * (P + S)) : 0;
    return net_block_cost(sizeof(uint32_t) * (size_t)(n_images > 0 ? n_images : 0)) + net_block_cost((size_t)max_batch)
           + backups + average + 2 * net_block_cost(f * (P ? P : 1));         /* perm, labels, ..., optimiser m and v */
}

int trainer_reserve(Trainer *t, int with_average) {
    size_t P = t->net->n_params, S = t->net->n_bn_state, state = backup_floats(P, S, with_average);
    float *b0 = malloc(sizeof(float) * state), *b1 = malloc(sizeof(float) * state);
    float *avg = with_average ? malloc(sizeof(float) * (P + S)) : NULL;
    if (!b0 || !b1 || (with_average && !avg)) { free(b0); free(b1); free(avg); return 1; }
    free(t->backup[0]); free(t->backup[1]); free(t->avg);
    t->backup[0] = b0; t->backup[1] = b1; t->avg = avg;
    t->backups = 0; t->avg_count = 0; t->model_shown = 0;
    return 0;
}

int trainer_init(Trainer *t, Net *net, const TrainConfig *cfg, IdxView x, IdxView y, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    if (settings_check(&RECIPE_TABLE, cfg, err, errlen)) return 1;
    if (cfg->batch > net->max_batch) {
        snprintf(err, errlen, "batch %d is larger than the %d this network was created for", cfg->batch,
                 net->max_batch);
        return 1;
    }
    if (!arch_net_reads_digits(net, "training", err, errlen)) return 1;
    if (x.rows != 28 || x.cols != 28) {
        snprintf(err, errlen, "images are %dx%d, the network wants 28x28", x.rows, x.cols);
        return 1;
    }
    if (idx_check_pair(&x, &y, err, errlen)) return 1;
    t->net = net;
    t->cfg = *cfg;
    t->train_x = x; t->train_y = y;
    t->steps_per_epoch = (x.count + cfg->batch - 1) / cfg->batch;
    t->total_steps = (uint64_t)t->steps_per_epoch * cfg->epochs;
    t->perm = malloc(sizeof(uint32_t) * x.count);
    t->batch_labels = malloc(net->max_batch);
    t->perm_epoch = -1;
    OptConfig oc = {cfg->optimizer,  cfg->nesterov,   cfg->momentum, cfg->weight_decay,
                    cfg->adam_beta1, cfg->adam_beta2, cfg->adam_eps};
    if (!t->perm || !t->batch_labels || trainer_reserve(t, cfg->ema > 0) || optim_init(&t->opt, &oc, net->n_params)) {
        trainer_free(t);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    net->dropout = cfg->dropout;
    net->label_smoothing = cfg->label_smoothing;
    return 0;
}

void trainer_free(Trainer *t) {
    free(t->perm); free(t->batch_labels); free(t->backup[0]); free(t->backup[1]); free(t->avg);
    optim_free(&t->opt);
    t->perm = NULL; t->batch_labels = NULL; t->backup[0] = t->backup[1] = NULL; t->avg = NULL;
}

int trainer_epoch(const Trainer *t) { return (int)(t->step / t->steps_per_epoch); }
int trainer_done(const Trainer *t) { return t->step >= t->total_steps || t->diverged; }

float trainer_lr(const Trainer *t, uint64_t step) {
    if (!t->cfg.onecycle) return t->cfg.lr;
    OneCycle s = { t->cfg.lr, t->cfg.pct_start, t->cfg.div_factor, t->cfg.final_div_factor, t->total_steps };
    return onecycle_lr(&s, step);
}

float trainer_augment_strength(const Trainer *t, uint64_t step) {
    double ease = t->cfg.augment_ease,
           left = t->total_steps > step ? (double)(t->total_steps - step) / (double)t->total_steps : 0.0;
    return ease > 0 && left < ease ? (float)(left / ease) : 1.0f;
}

/* swap the Net's weights and BatchNorm statistics with the other set held in t->avg */
static void swap_average(Trainer *t) {
    Net *net = t->net;
    float *parts[2] = { net->params, net->bn_state }, *other = t->avg;
    size_t sizes[2] = { net->n_params, net->n_bn_state };
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizes[k]; i++) { float x = parts[k][i]; parts[k][i] = other[i]; other[i] = x; }
        other += sizes[k];
    }
    t->model_shown = !t->model_shown;
}

void trainer_show_model(Trainer *t) { if (t->avg_count > 0 && !t->model_shown) swap_average(t); }
void trainer_adopt_model(Trainer *t) {
    if (!t->model_shown) return;
    memcpy(t->avg, t->net->params, t->net->n_params * sizeof(float));
    memcpy(t->avg + t->net->n_params, t->net->bn_state, t->net->n_bn_state * sizeof(float));
}
static void show_training_weights(Trainer *t) { if (t->model_shown) swap_average(t); }

/* after a step: fold the new training weights into the average, from cfg.ema_start of the run
 * on; the decay is held lower while few steps are averaged ((1+n)/(10+n), as TensorFlow's
 * ExponentialMovingAverage with num_updates), so the start does not weigh for long */
static void update_average(Trainer *t) {
    if (!t->avg || !(t->cfg.ema > 0) || (double)t->step < t->cfg.ema_start * (double)t->total_steps) return;
    Net *net = t->net;
    const float *parts[2] = { net->params, net->bn_state };
    size_t sizes[2] = { net->n_params, net->n_bn_state };
    float *a = t->avg;
    double n = (double)t->avg_count;
    float d = t->avg_count == 0 ? 0.0f : (float)fmin(t->cfg.ema, (1.0 + n) / (10.0 + n));
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < sizes[k]; i++) a[i] = d * a[i] + (1.0f - d) * parts[k][i];
        a += sizes[k];
    }
    t->avg_count++;
}

static void draw_permutation(Trainer *t, int epoch) {
    Rng r = rng_for(t->cfg.seed, RNG_SHUFFLE, (uint64_t)epoch, 0);
    int n = t->train_x.count;
    for (int i = 0; i < n; i++) t->perm[i] = (uint32_t)i;
    for (int i = n - 1; i > 0; i--) {            /* Fisher-Yates */
        uint32_t j = rng_below(&r, (uint32_t)i + 1), tmp = t->perm[i];
        t->perm[i] = t->perm[j];
        t->perm[j] = tmp;
    }
    t->perm_epoch = epoch;
}

typedef struct { Trainer *t; int first; int epoch; float strength; } BatchCtx;

static void load_image_task(void *vctx, int slot, int thread) {
    (void)thread;
    BatchCtx *c = vctx;
    Trainer *t = c->t;
    int hw = t->train_x.rows * t->train_x.cols;
    uint32_t idx = t->perm[c->first + slot];
    const uint8_t *px = t->train_x.data + (size_t)idx * hw;
    float *dst = t->net->input + (size_t)slot * hw;
    if (t->cfg.augment) {
        Rng r = rng_for(t->cfg.seed, RNG_AUGMENT, (uint64_t)c->epoch, idx);
        augment_affine(px, t->train_x.rows, t->train_x.cols, c->strength * t->cfg.rotate_deg,
                       c->strength * t->cfg.shift_px, &r, dst);
    } else {
        normalise_image(px, hw, dst);
    }
}

static int all_finite(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (!isfinite(p[i])) return 0;
    return 1;
}

int train_step(Net *net, Optimizer *opt, int B, const uint8_t *labels, float lr, uint64_t seed, uint64_t step,
               float *loss) {
    net_zero_grad(net);
    *loss = net_forward(net, B, labels, 1, seed, step);
    if (!isfinite(*loss)) return TRAIN_STEP_BAD_LOSS;
    net_backward(net, B, labels);
    if (!all_finite(net->grads, net->n_params)) return TRAIN_STEP_BAD_UPDATE;
    optim_step(opt, net->params, net->grads, lr);
    return all_finite(net->params, net->n_params) ? TRAIN_STEP_OK : TRAIN_STEP_BAD_UPDATE;
}

/* the state a step changes: params, BatchNorm running statistics, optimiser moments and
 * counters; slot = step parity, so the state before the previous step is kept too */
static void backup_state(Trainer *t, int slot, int restore) {
    Net *net = t->net;
    size_t P = net->n_params, S = net->n_bn_state;
    float *parts[5] = { net->params, net->bn_state, t->opt.m, t->opt.v, t->avg };
    size_t sizes[5] = { P, S, P, P, P + S }, off = 0;
    for (int i = 0; i < (t->avg ? 5 : 4); i++) {
        if (restore) memcpy(parts[i], t->backup[slot] + off, sizes[i] * sizeof(float));
        else memcpy(t->backup[slot] + off, parts[i], sizes[i] * sizeof(float));
        off += sizes[i];
    }
    if (restore) {
        t->step = t->backup_step[slot]; t->opt.t = t->backup_opt_t[slot]; t->avg_count = t->backup_avg_count[slot];
        t->epoch_loss_sum = t->backup_loss_sum[slot]; t->epoch_loss_count = t->backup_loss_count[slot];
    } else {
        t->backup_step[slot] = t->step; t->backup_opt_t[slot] = t->opt.t; t->backup_avg_count[slot] = t->avg_count;
        t->backup_loss_sum[slot] = t->epoch_loss_sum; t->backup_loss_count[slot] = t->epoch_loss_count;
    }
}

int trainer_steps(Trainer *t, int n) {
    int done = 0;
    Net *net = t->net;
    if (!trainer_done(t)) show_training_weights(t);
    while (done < n && !trainer_done(t)) {
        int epoch = trainer_epoch(t);
        int in_epoch = (int)(t->step % t->steps_per_epoch);
        if (in_epoch == 0 && done > 0) break;                 /* stop at an epoch boundary */
        if (t->perm_epoch != epoch) draw_permutation(t, epoch);
        if (in_epoch == 0) { t->epoch_loss_sum = 0.0; t->epoch_loss_count = 0; }
        int first = in_epoch * t->cfg.batch;
        int B = t->train_x.count - first < t->cfg.batch ? t->train_x.count - first : t->cfg.batch;
        BatchCtx bc = { t, first, epoch, trainer_augment_strength(t, t->step) };
        pool_run(net->pool, B, load_image_task, &bc);
        for (int i = 0; i < B; i++) t->batch_labels[i] = t->train_y.data[t->perm[first + i]];
        float lr = trainer_lr(t, t->step);
        int slot = (int)(t->step & 1);
        backup_state(t, slot, 0);
        if (t->backups < 2) t->backups++;
        float loss;
        int r = train_step(net, &t->opt, B, t->batch_labels, lr, t->cfg.seed, t->step, &loss);
        if (r != TRAIN_STEP_OK) {
            /* bad loss: this step's input weights are already bad -> the state before the previous step */
            int back = r == TRAIN_STEP_BAD_LOSS && t->backups == 2 ? 1 - slot : slot;
            backup_state(t, back, 1);
            t->diverged = 1;
            break;
        }
        t->last_loss = loss;
        t->last_lr = lr;
        t->epoch_loss_sum += loss;
        t->epoch_loss_count++;
        t->step++;
        update_average(t);
        done++;
    }
    return done;
}

int trainer_eval_range(Net *net, const IdxView *x, const IdxView *y, int start, int count, EvalAccum *acc,
                       char *err, size_t errlen) {
    int hw = x->rows * x->cols, C = net->n_classes;
    if (!arch_net_reads_digits(net, "evaluation", err, errlen)) return 1;
    if (x->rows != 28 || x->cols != 28) {
        snprintf(err, errlen, "evaluation: images are %dx%d, the network reads 28x28", x->rows, x->cols);
        return 1;
    }
    /* within the set (and its labels), written so that no sum can overflow */
    int have = y && y->count < x->count ? y->count : x->count;
    if (start < 0) start = 0;
    if (start >= have || count <= 0) return 0;
    if (count > have - start) count = have - start;
    for (int b = 0; b < count; b += net->max_batch) {
        int B = count - b < net->max_batch ? count - b : net->max_batch;
        for (int i = 0; i < B; i++)
            normalise_image(x->data + (size_t)(start + b + i) * hw, hw, net->input + (size_t)i * hw);
        net_forward(net, B, NULL, 0, 0, 0);
        acc->count += B;
        if (!y) continue;
        for (int i = 0; i < B; i++) {
            const float *lp = net->logprob + (size_t)i * C;
            int pred = net_argmax(net, i), truth = y->data[start + b + i];
            acc->loss_sum -= lp[truth];                  /* the test loss is plain NLL, whatever the training loss */
            acc->correct += pred == truth;
            if (truth < LIMIT_CLASSES && pred < LIMIT_CLASSES) acc->confusion[truth][pred]++;
            if (pred != truth && acc->n_misclassified < LIMIT_GALLERY_MAX) {
                Misclassified *m = &acc->misclassified[acc->n_misclassified++];
                m->index = start + b + i; m->truth = truth; m->pred = pred;
                for (int o = 0; o < LIMIT_CLASSES && o < C; o++) m->probs[o] = expf(lp[o]);
            }
        }
    }
    return 0;
}
