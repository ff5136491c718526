/* trainer.c - mini-batch loop: shuffle per epoch, assemble (augmented) batches in parallel,
 * forward, backward, optimiser step under the schedule; see trainer.h. */
#include "trainer.h"
#include "augment.h"
#include "rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void train_config_default(TrainConfig *c) {
    memset(c, 0, sizeof *c);
    c->epochs = 10; c->batch = 128; c->optimizer = OPT_SGD;
    c->lr = 0.1f; c->onecycle = 1; c->pct_start = 0.25f; c->div_factor = 10.0f; c->final_div_factor = 100.0f;
    c->momentum = 0.9f; c->nesterov = 1; c->weight_decay = 5e-4f;
    c->adam_beta1 = 0.9f; c->adam_beta2 = 0.999f; c->adam_eps = 1e-8f;
    c->augment = 1; c->rotate_deg = 10.0f; c->shift_px = 1.4f;
    c->dropout = 0.1f; c->label_smoothing = 0.0f; c->seed = 1;
}

int trainer_init(Trainer *t, Net *net, const TrainConfig *cfg, IdxView x, IdxView y, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    if (cfg->batch < 1 || cfg->batch > net->max_batch) { snprintf(err, errlen, "batch size %d outside 1..%d", cfg->batch, net->max_batch); return 1; }
    if (cfg->epochs < 1 || cfg->epochs > 1000) { snprintf(err, errlen, "epochs %d outside 1..1000", cfg->epochs); return 1; }
    if (!(cfg->lr > 0.0f) || cfg->lr > 1e4f) { snprintf(err, errlen, "learning rate must be positive"); return 1; }
    if (x.rows * x.cols != net->arch.in_h * net->arch.in_w) { snprintf(err, errlen, "images are %dx%d, the network wants %dx%d", x.rows, x.cols, net->arch.in_h, net->arch.in_w); return 1; }
    if (idx_check_pair(&x, &y, err, errlen)) return 1;
    t->net = net;
    t->cfg = *cfg;
    t->train_x = x; t->train_y = y;
    t->steps_per_epoch = (x.count + cfg->batch - 1) / cfg->batch;
    t->total_steps = (uint64_t)t->steps_per_epoch * cfg->epochs;
    t->perm = malloc(sizeof(uint32_t) * x.count);
    t->batch_labels = malloc(net->max_batch);
    t->perm_epoch = -1;
    t->backup[0] = malloc(sizeof(float) * (3 * net->n_params + net->n_bn_state));
    t->backup[1] = malloc(sizeof(float) * (3 * net->n_params + net->n_bn_state));
    OptConfig oc = { cfg->optimizer, cfg->nesterov, cfg->momentum, cfg->weight_decay, cfg->adam_beta1, cfg->adam_beta2, cfg->adam_eps };
    if (!t->perm || !t->batch_labels || !t->backup[0] || !t->backup[1] || optim_init(&t->opt, &oc, net->n_params)) {
        trainer_free(t);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    net->dropout = cfg->dropout;
    net->label_smoothing = cfg->label_smoothing;
    return 0;
}

void trainer_free(Trainer *t) {
    free(t->perm); free(t->batch_labels); free(t->backup[0]); free(t->backup[1]);
    optim_free(&t->opt);
    t->perm = NULL; t->batch_labels = NULL; t->backup[0] = t->backup[1] = NULL;
}

int trainer_epoch(const Trainer *t) { return (int)(t->step / t->steps_per_epoch); }
int trainer_done(const Trainer *t) { return t->step >= t->total_steps || t->diverged; }

float trainer_lr(const Trainer *t, uint64_t step) {
    if (!t->cfg.onecycle) return t->cfg.lr;
    OneCycle s = { t->cfg.lr, t->cfg.pct_start, t->cfg.div_factor, t->cfg.final_div_factor, t->total_steps };
    return onecycle_lr(&s, step);
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

typedef struct { Trainer *t; int first; int epoch; } BatchCtx;

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
        augment_affine(px, t->train_x.rows, t->train_x.cols, t->cfg.rotate_deg, t->cfg.shift_px, &r, dst);
    } else {
        normalise_image(px, hw, dst);
    }
}

static int all_finite(const float *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (!isfinite(p[i])) return 0;
    return 1;
}

/* the state a step changes: params, BatchNorm running statistics, optimiser moments and
 * counters; slot = step parity, so the state before the previous step is kept too */
static void backup_state(Trainer *t, int slot, int restore) {
    Net *net = t->net;
    size_t P = net->n_params, S = net->n_bn_state;
    float *parts[4] = { net->params, net->bn_state, t->opt.m, t->opt.v };
    size_t sizes[4] = { P, S, P, P }, off = 0;
    for (int i = 0; i < 4; i++) {
        if (restore) memcpy(parts[i], t->backup[slot] + off, sizes[i] * sizeof(float));
        else memcpy(t->backup[slot] + off, parts[i], sizes[i] * sizeof(float));
        off += sizes[i];
    }
    if (restore) {
        t->step = t->backup_step[slot]; t->opt.t = t->backup_opt_t[slot];
        t->epoch_loss_sum = t->backup_loss_sum[slot]; t->epoch_loss_count = t->backup_loss_count[slot];
    } else {
        t->backup_step[slot] = t->step; t->backup_opt_t[slot] = t->opt.t;
        t->backup_loss_sum[slot] = t->epoch_loss_sum; t->backup_loss_count[slot] = t->epoch_loss_count;
    }
}

int trainer_steps(Trainer *t, int n) {
    int done = 0;
    Net *net = t->net;
    while (done < n && !trainer_done(t)) {
        int epoch = trainer_epoch(t);
        int in_epoch = (int)(t->step % t->steps_per_epoch);
        if (in_epoch == 0 && done > 0) break;                 /* stop at an epoch boundary */
        if (t->perm_epoch != epoch) draw_permutation(t, epoch);
        if (in_epoch == 0) { t->epoch_loss_sum = 0.0; t->epoch_loss_count = 0; }
        int first = in_epoch * t->cfg.batch;
        int B = t->train_x.count - first < t->cfg.batch ? t->train_x.count - first : t->cfg.batch;
        BatchCtx bc = { t, first, epoch };
        pool_run(net->pool, B, load_image_task, &bc);
        for (int i = 0; i < B; i++) t->batch_labels[i] = t->train_y.data[t->perm[first + i]];
        float lr = trainer_lr(t, t->step);
        int slot = (int)(t->step & 1);
        backup_state(t, slot, 0);
        if (t->backups < 2) t->backups++;
        net_zero_grad(net);
        float loss = net_forward(net, B, t->batch_labels, 1, t->cfg.seed, t->step);
        int ok = isfinite(loss), loss_ok = ok;
        if (ok) {
            net_backward(net, B, t->batch_labels);
            ok = all_finite(net->grads, net->n_params);
        }
        if (ok) {
            optim_step(&t->opt, net->params, net->grads, lr);
            ok = all_finite(net->params, net->n_params);
        }
        if (!ok) {
            /* bad loss: this step's input weights are already bad -> the state before the previous step */
            int back = !loss_ok && t->backups == 2 ? 1 - slot : slot;
            backup_state(t, back, 1);
            t->diverged = 1;
            break;
        }
        t->last_loss = loss;
        t->last_lr = lr;
        t->epoch_loss_sum += loss;
        t->epoch_loss_count++;
        t->step++;
        done++;
    }
    return done;
}

void trainer_eval_range(Net *net, const IdxView *x, const IdxView *y, int start, int count, EvalAccum *acc) {
    int hw = x->rows * x->cols;
    if (start < 0) start = 0;
    if (start + count > x->count) count = x->count - start;
    for (int b = 0; b < count; b += net->max_batch) {
        int B = count - b < net->max_batch ? count - b : net->max_batch;
        for (int i = 0; i < B; i++) normalise_image(x->data + (size_t)(start + b + i) * hw, hw, net->input + (size_t)i * hw);
        float loss = net_forward(net, B, y ? y->data + start + b : NULL, 0, 0, 0);
        acc->loss_sum += (double)loss * B;
        for (int i = 0; i < B; i++) {
            int pred = net_argmax(net, i);
            if (y) {
                int truth = y->data[start + b + i];
                acc->correct += pred == truth;
                if (truth < 10 && pred < 10) acc->confusion[truth][pred]++;
            }
        }
        acc->count += B;
    }
}
