/* teach.c - fine-tuning on a person's own digits mixed with MNIST; see teach.h. */
#include "teach.h"
#include "data/augment.h"
#include "nn/arch_spec.h"
#include "runtime/rng.h"
#include "trainer.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int teach_in_part(const uint8_t *labels, int n, int i, int holdout, int part) {
    if (part == TEACH_PART_ALL) return 1;
    int rank = 0;                                   /* i's place among the digits of its class */
    for (int j = 0; j < i && j < n; j++) rank += labels[j] == labels[i];
    int held = holdout > 0 && rank % holdout == holdout - 1;
    return part == TEACH_PART_HELD_OUT ? held : !held;
}

float teacher_lr(const Teacher *t, int step) {
    int T = t->cfg.steps, warm = T / 10 > 0 ? T / 10 : 1;
    if (step < warm) return t->cfg.lr * (float)(step + 1) / (float)warm;
    float x = T - warm > 0 ? (float)(step - warm) / (float)(T - warm) : 1.0f;
    return t->cfg.lr * 0.5f * (1.0f + cosf((float)M_PI * x));
}

static size_t state_floats(const Net *net) { return net->n_params + net->n_bn_state; }

size_t teacher_memory_bytes(size_t P, size_t S, int n_digits, int batch) {
    return net_block_cost((size_t)(n_digits > 0 ? n_digits : 1) * sizeof(int)) + net_block_cost((size_t)batch) +
        net_block_cost((P + S) * sizeof(float)) +
        2 * net_block_cost((P ? P : 1) * sizeof(float)); /* use, labels, start, m and v */
}

int teacher_init(Teacher *t, Net *net, const TeachConfig *cfg, const uint8_t *labels, const uint8_t *pixels, int n,
                 int part, IdxView mnist_x, IdxView mnist_y, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    for (int id = 0; id < TEACH_COUNT; id++)
        if (!field_value_fits(&TEACH_INFO[id], settings_get(&TEACH_TABLE, cfg, id), err, errlen)) return 1;
    if (!arch_net_reads_digits(net, "teaching", err, errlen)) return 1;
    if (cfg->batch > net->max_batch) {
        snprintf(err, errlen, "batch %d is larger than the %d this network was created for", cfg->batch,
                 net->max_batch);
        return 1;
    }
    if (mnist_x.count < 1 || mnist_x.count != mnist_y.count || mnist_x.rows != 28 || mnist_x.cols != 28) {
        snprintf(err, errlen, "no MNIST training images to mix in");
        return 1;
    }
    t->net = net; t->cfg = *cfg; t->labels = labels; t->pixels = pixels;
    t->mnist_x = mnist_x; t->mnist_y = mnist_y;
    t->use = malloc((size_t)(n > 0 ? n : 1) * sizeof *t->use);
    t->batch_labels = malloc((size_t)cfg->batch);
    t->start = malloc(state_floats(net) * sizeof(float));
    TrainConfig recipe;
    settings_default(&RECIPE_TABLE, &recipe);
    t->mnist_rotate_deg = recipe.rotate_deg; t->mnist_shift_px = recipe.shift_px;
    OptConfig oc = { OPT_SGD, recipe.nesterov, recipe.momentum, recipe.weight_decay, 0, 0, 0 };
    if (!t->use || !t->batch_labels || !t->start || optim_init(&t->opt, &oc, net->n_params)) {
        teacher_free(t);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (teach_in_part(labels, n, i, cfg->holdout, part)) t->use[t->n_use++] = i;
    if (t->n_use == 0) {
        teacher_free(t);
        snprintf(err, errlen,
                 n ? "no digits left to learn from after holding some out"
                   : "no digits to learn from: teach some first");
        return 1;
    }
    memcpy(t->start, net->params, net->n_params * sizeof(float));
    memcpy(t->start + net->n_params, net->bn_state, net->n_bn_state * sizeof(float));
    return 0;
}

void teacher_free(Teacher *t) {
    optim_free(&t->opt);
    free(t->use); free(t->batch_labels); free(t->start);
    t->use = NULL; t->batch_labels = NULL; t->start = NULL;
}

int teacher_done(const Teacher *t) { return t->step >= t->cfg.steps || t->diverged; }

/* no starting weights (a teacher freed, or a session whose second set-up failed after putting
 * them back): the network already holds them */
void teacher_restore(Teacher *t) {
    Net *net = t->net;
    if (!t->start) return;
    memcpy(net->params, t->start, net->n_params * sizeof(float));
    memcpy(net->bn_state, t->start + net->n_params, net->n_bn_state * sizeof(float));
}

static int mine_per_batch(const TeachConfig *c) {
    int m = (int)lroundf(c->batch * c->mine_share);
    return m < 1 ? 1 : m > c->batch ? c->batch : m;
}

/* slot s of step's batch: which image (mine or MNIST) and how it is varied, from (seed, step, s) */
typedef struct { Teacher *t; int mine; } BatchCtx;
static void load_slot(void *vctx, int slot, int thread) {
    (void)thread;
    BatchCtx *c = vctx;
    Teacher *t = c->t;
    const TeachConfig *cfg = &t->cfg;
    Rng r = rng_for((uint64_t)cfg->seed, RNG_TEACH, (uint64_t)t->step, (uint64_t)slot);
    float *dst = t->net->input + (size_t)slot * TEACH_DIGIT_PIXELS;
    if (slot < c->mine) {
        int i = t->use[rng_below(&r, (uint32_t)t->n_use)];
        augment_style(t->pixels + (size_t)i * TEACH_DIGIT_PIXELS, 28, 28, cfg->rotate_deg, cfg->slant, cfg->scale,
                      cfg->shift_px, cfg->thickness, &r, dst);
        t->batch_labels[slot] = t->labels[i];
    } else {
        uint32_t i = rng_below(&r, (uint32_t)t->mnist_x.count);
        augment_affine(t->mnist_x.data + (size_t)i * TEACH_DIGIT_PIXELS, 28, 28, t->mnist_rotate_deg, t->mnist_shift_px,
                       &r, dst);
        t->batch_labels[slot] = t->mnist_y.data[i];
    }
}

int teacher_steps(Teacher *t, int n) {
    Net *net = t->net;
    int done = 0;
    while (done < n && !teacher_done(t)) {
        BatchCtx bc = { t, mine_per_batch(&t->cfg) };
        int B = t->cfg.batch;
        pool_run(net->pool, B, load_slot, &bc);
        float lr = teacher_lr(t, t->step);
        float loss;
        /* dropout masks from a stream of their own, apart from any training run's */
        if (train_step(net, &t->opt, B, t->batch_labels, lr, (uint64_t)t->cfg.seed ^ 0x7465616368ull, (uint64_t)t->step,
                       &loss) != TRAIN_STEP_OK) {
            teacher_restore(t);
            t->diverged = 1;
            break;
        }
        t->last_loss = loss;
        t->last_lr = lr;
        t->step++;
        done++;
    }
    return done;
}

int teach_score(Net *net, const uint8_t *labels, const uint8_t *pixels, int n, int holdout, int part, int *count) {
    int correct = 0, total = 0, idx[256];
    char why[160];
    *count = 0;
    if (!arch_net_reads_digits(net, "scoring", why, sizeof why)) return -1;
    int cap = net->max_batch < 256 ? net->max_batch : 256;
    for (int i = 0; i < n;) {
        int B = 0;
        for (; i < n && B < cap; i++)
            if (teach_in_part(labels, n, i, holdout, part)) {
                normalise_image(pixels + (size_t)i * TEACH_DIGIT_PIXELS, TEACH_DIGIT_PIXELS,
                                net->input + (size_t)B * TEACH_DIGIT_PIXELS);
                idx[B++] = i;
            }
        if (!B) break;
        net_forward(net, B, NULL, 0, 0, 0);
        for (int b = 0; b < B; b++) correct += net_argmax(net, b) == labels[idx[b]];
        total += B;
    }
    *count = total;
    return correct;
}

int teach_session_begin(TeachSession *s, Net *net, const TeachConfig *cfg, const uint8_t *labels, const uint8_t *pixels,
                        int n, IdxView mnist_x, IdxView mnist_y, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    if (!arch_net_reads_digits(net, "teaching", err, errlen)) return 1;   /* before the scores read digits into it */
    s->cfg = *cfg; s->labels = labels; s->pixels = pixels; s->n = n;
    s->mnist_x = mnist_x; s->mnist_y = mnist_y;
    s->all_before = teach_score(net, labels, pixels, n, cfg->holdout, TEACH_PART_ALL, &s->all_count);
    int held = 0, rest = 0;
    if (cfg->holdout > 0) {
        s->held_before = teach_score(net, labels, pixels, n, cfg->holdout, TEACH_PART_HELD_OUT, &held);
        for (int i = 0; i < n; i++) rest += teach_in_part(labels, n, i, cfg->holdout, TEACH_PART_TRAIN);
    }
    s->checking = held > 0 && rest > 0;
    s->held_count = s->checking ? held : 0;
    s->total_steps = cfg->steps * (s->checking ? 2 : 1);
    return teacher_init(&s->teacher, net, cfg, labels, pixels, n, s->checking ? TEACH_PART_TRAIN : TEACH_PART_ALL,
                        mnist_x, mnist_y, err, errlen);
}

int teach_session_steps(TeachSession *s, int n, char *err, size_t errlen) {
    if (s->done) return 0;
    Teacher *t = &s->teacher;
    int ran = teacher_steps(t, n);
    s->steps_done += ran;
    if (t->diverged) {
        s->diverged = s->done = 1;           /* teacher_steps put the starting weights back */
        return ran;
    }
    if (!teacher_done(t)) return ran;
    Net *net = t->net;
    if (s->checking) {
        int count;
        s->held_after = teach_score(net, s->labels, s->pixels, s->n, s->cfg.holdout, TEACH_PART_HELD_OUT, &count);
        teacher_restore(t);
        teacher_free(t);
        s->checking = 0;
        if (teacher_init(t, net, &s->cfg, s->labels, s->pixels, s->n, TEACH_PART_ALL, s->mnist_x, s->mnist_y, err,
                         errlen)) {
            s->done = 1;
            return -1;
        }
        return ran;
    }
    s->all_after = teach_score(net, s->labels, s->pixels, s->n, s->cfg.holdout, TEACH_PART_ALL, &s->all_count);
    s->done = 1;
    return ran;
}

void teach_session_free(TeachSession *s) { teacher_free(&s->teacher); }
