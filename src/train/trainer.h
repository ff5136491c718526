/* trainer.h - the training loop shared by the command-line trainer and the wasm worker.
 *
 * A Trainer owns the optimiser state and walks epochs of shuffled mini-batches over a data set
 * it does not own (IdxViews into buffers that must outlive it). Work is handed out in bounded
 * pieces: trainer_steps(t, n) runs at most n optimiser steps and returns, and
 * trainer_eval_range evaluates a slice of a data set, so a caller (the wasm worker) can stay
 * responsive between calls. Everything random is derived from (seed, epoch/step, image), so a
 * run is reproducible and resumable from (seed, step) plus the optimiser state. */
#ifndef TRAINER_H
#define TRAINER_H
#include "data/idx.h"
#include "nn/net.h"
#include "optim.h"
#include "runtime/contract.h"
#include "runtime/settings.h"

/* The training recipe is TrainConfig (contract.h), one member per row of TRAIN_CONFIG_FIELDS:
 * defaults, get/set by id (CFG_<name>), checks and its text form through settings.h with
 * RECIPE_TABLE; the table defaults are the reference recipe. */

/* The table defaults with a preset of RECIPE_PRESETS (contract.h) applied; 1 with a message
 * when there is no such preset. train_preset_name(i) is the i-th preset's name (NULL past the end). */
int  train_config_preset(TrainConfig *c, const char *name, char *err, size_t errlen);
const char *train_preset_name(int i);
const char *train_preset_help(int i);

typedef struct {
    Net *net;
    Optimizer opt;
    TrainConfig cfg;
    IdxView train_x, train_y;
    uint32_t *perm;
    int perm_epoch;                /* epoch perm was drawn for (-1: none) */
    uint8_t *batch_labels;
    int steps_per_epoch;
    uint64_t step, total_steps;    /* optimiser steps taken / planned */
    float last_loss, last_lr;
    double epoch_loss_sum;         /* over the current epoch's steps so far */
    int epoch_loss_count;
    int diverged;                  /* a non-finite loss, gradient or weight was seen; the step was undone */
    /* The weight average (cfg.ema > 0): avg holds n_params + n_bn_state floats (weights, then
     * BatchNorm running statistics), an exponential moving average of the training weights over
     * the steps from cfg.ema_start of the run on; avg_count = steps averaged (0: not begun).
     * With model_shown set the Net holds the average and avg the training weights: evaluations,
     * predictions and saved weights use the average, and the next trainer_steps swaps back. */
    float *avg;
    uint64_t avg_count;
    int model_shown;
    float *backup[2]; /* params, BatchNorm state, optimiser m and v (and the average) before the current and the
                         previous step */
    uint64_t backup_step[2], backup_opt_t[2], backup_avg_count[2];
    double backup_loss_sum[2];
    int backup_loss_count[2], backups;
} Trainer;

/* The bytes trainer_init takes (net_block_cost per block) for a net of n_params parameters and
 * n_bn_state BatchNorm values, over n_images training images, with_average or not. (A later
 * trainer_reserve makes its buffers before it frees the old ones: memory_plan.h counts that.) */
size_t trainer_memory_bytes(size_t n_params, size_t n_bn_state, int n_images, int max_batch, int with_average);
/* 0, or 1 with a message: a recipe out of range, a batch larger than the Net's, a Net that does
 * not read 28x28 digits into 10 classes (arch_net_reads_digits), images that are not 28x28,
 * or out of memory */
int trainer_init(Trainer *t, Net *net, const TrainConfig *cfg, IdxView train_x, IdxView train_y, char *err,
                 size_t errlen);
void trainer_free(Trainer *t);
/* (Re)allocate the step backups and, with_average, the weight-average buffer, for t->net; the
 * average starts empty. 1 on out-of-memory, with t unchanged. (model_load uses it when a saved
 * run's recipe keeps an average and the trainer it restores into was set up without one.) */
int  trainer_reserve(Trainer *t, int with_average);
int  trainer_epoch(const Trainer *t);             /* epoch the next step belongs to (0-based) */
int  trainer_done(const Trainer *t);
/* At most n steps, never past the end of an epoch; returns steps run (0 when done or diverged).
 * Divergence guard: if the loss, a gradient or (after the update) a weight is NaN or infinite,
 * the run goes back to the last state whose forward pass gave a finite loss - parameters,
 * BatchNorm running statistics, optimiser state and step counter - and t->diverged is set; no
 * further step runs. (A non-finite loss means the weights going into the step are already
 * bad, so the state before the previous step is restored; a non-finite gradient or update
 * means this step broke them, so the state before this step is.) */
int  trainer_steps(Trainer *t, int n);
float trainer_lr(const Trainer *t, uint64_t step);
/* Share of the full augmentation used at a step: 1, falling linearly to 0 over the last
 * cfg.augment_ease of the run. */
float trainer_augment_strength(const Trainer *t, uint64_t step);
/* Put the model that evaluations, predictions and saved weights should use into the Net: the
 * weight average once it has begun, else the training weights (then nothing changes). Call it
 * before evaluating, predicting or saving; trainer_steps puts the training weights back. */
void trainer_show_model(Trainer *t);
/* The Net's weights (changed while the model was shown, e.g. by a fine-tune) become the
 * training weights too, so the run goes on from them. */
void trainer_adopt_model(Trainer *t);

/* One optimiser step on the first B images of net->input (a training run's or a fine-tune's):
 * gradients zeroed, training forward with dropout from (seed, step), backward, update at lr.
 * TRAIN_STEP_BAD_LOSS: the loss is not finite (nothing was updated); TRAIN_STEP_BAD_UPDATE: a
 * gradient or an updated weight is not finite. The caller decides what to restore. */
enum { TRAIN_STEP_OK = 0, TRAIN_STEP_BAD_LOSS = 1, TRAIN_STEP_BAD_UPDATE = 2 };
int train_step(Net *net, Optimizer *opt, int B, const uint8_t *labels, float lr, uint64_t seed, uint64_t step,
               float *loss);

typedef struct {
    int index, truth, pred;
    float probs[LIMIT_CLASSES];
} Misclassified;

/* What an evaluation adds up: the one evaluation of the project (CLI, wasm API, page). */
typedef struct {
    double loss_sum;
    int count, correct;
    int confusion[LIMIT_CLASSES][LIMIT_CLASSES];      /* [true][predicted] */
    int n_misclassified;                              /* the first LIMIT_GALLERY_MAX, by index */
    Misclassified misclassified[LIMIT_GALLERY_MAX];
} EvalAccum;

/* Eval-mode forward over images [start, start+count) of (x, y); adds to acc (zero it first).
 * y may be NULL (no loss, no counts); log-probabilities of the last batch stay in net->logprob.
 * 0, or 1 with a message (acc untouched) when net does not read 28x28 digits into 10 classes
 * (arch_net_reads_digits) or the images are not 28x28. */
int  trainer_eval_range(Net *net, const IdxView *x, const IdxView *y, int start, int count, EvalAccum *acc,
                        char *err, size_t errlen);
#endif
