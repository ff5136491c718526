/* test_recipe.c - the recipe's late-run parts: the augmentation easing off at the end, and the
 * exponential moving average of the weights (what it averages, which weights evaluations and
 * files see, that a saved run resumes bit-identically with its average, and that a paused run
 * goes on from a fine-tuned model). */
#include "train/trainer.h"
#include "formats/bytes.h"
#include "formats/model_io.h"
#include "check.h"
#include "tools/synthetic.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_augment_strength(void) {
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    Trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.total_steps = 100;
    CHECK(trainer_augment_strength(&t, 0) == 1.0f && trainer_augment_strength(&t, 99) == 1.0f, "no easing by default");
    t.cfg.augment_ease = 0.25;
    float s75 = trainer_augment_strength(&t, 75), s90 = trainer_augment_strength(&t, 90),
          s99 = trainer_augment_strength(&t, 99);
    CHECK(trainer_augment_strength(&t, 10) == 1.0f && s75 == 1.0f, "full strength before the last quarter (%g)", s75);
    CHECK(fabsf(s90 - 0.4f) < 1e-6f && fabsf(s99 - 0.04f) < 1e-6f, "linear to none over the last quarter (%g, %g)", s90,
          s99);
}

/* the average follows its definition: from step ceil(ema_start * total) on, a = d a + (1-d) w
 * with d = min(ema, (1+n)/(10+n)) after n steps averaged, weights and BatchNorm statistics */
static void test_average_definition(void) {
    char err[256];
    IdxView x, y;
    synthetic_mnist(32 * 5, 7, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.epochs = 2; cfg.batch = 32; cfg.ema = 0.6; cfg.ema_start = 0.35;     /* 10 steps; averaging from step 4 */
    Net *net = net_create(&NET_ARCH_REFERENCE, 32, 2);
    net_init_params(net, 3);
    Trainer t;
    CHECK(trainer_init(&t, net, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    size_t P = net->n_params, S = net->n_bn_state;
    float *want = calloc(P + S, sizeof(float));
    uint64_t n = 0;
    while (!trainer_done(&t)) {
        CHECK(trainer_steps(&t, 1) == 1, "a step");
        CHECK(!t.model_shown, "training steps leave the training weights in the net");
        if (t.step < 4) {
            CHECK(t.avg_count == 0, "no average before ema_start (step %llu)", (unsigned long long)t.step);
            continue;
        }
        float d = n == 0 ? 0.0f : (float)fmin(cfg.ema, (1.0 + n) / (10.0 + n));
        for (size_t i = 0; i < P; i++) want[i] = d * want[i] + (1.0f - d) * net->params[i];
        for (size_t i = 0; i < S; i++) want[P + i] = d * want[P + i] + (1.0f - d) * net->bn_state[i];
        n++;
        CHECK(t.avg_count == n, "steps averaged %llu, expected %llu", (unsigned long long)t.avg_count,
              (unsigned long long)n);
    }
    float *training = malloc(P * sizeof(float));
    memcpy(training, net->params, P * sizeof(float));
    trainer_show_model(&t);
    CHECK(memcmp(net->params, want, P * sizeof(float)) == 0, "the model shown is the average of the weights");
    CHECK(memcmp(net->bn_state, want + P, S * sizeof(float)) == 0, "... and of the BatchNorm statistics");
    CHECK(memcmp(net->params, training, P * sizeof(float)) != 0, "the average differs from the last weights");
    CHECK(memcmp(t.avg, training, P * sizeof(float)) == 0, "the training weights are kept aside");
    trainer_show_model(&t);
    CHECK(memcmp(net->params, want, P * sizeof(float)) == 0, "showing twice changes nothing");
    /* a file of the finished run: its weights are the average, for any reader */
    uint8_t *buf;
    size_t len = model_save(net, &t, &buf);
    Net *reader = net_create(&NET_ARCH_REFERENCE, 4, 1);
    CHECK(len && model_load(reader, NULL, buf, len, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(reader->params, want, P * sizeof(float)) == 0, "a weights-only load gets the average");
    free(buf); free(want); free(training);
    trainer_free(&t);
    net_free(net); net_free(reader);
    free((void *)x.data); free((void *)y.data);
}

/* a run with the average and the easing saved mid-way (before the average began, and after,
 * once right after an evaluation showed the average) and resumed into a trainer set up with
 * another recipe ends bit-identical to the uninterrupted run: model and training weights */
static void test_resume_with_average(int save_after) {
    char err[256];
    IdxView x, y;
    synthetic_mnist(64 * 3, 3, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.epochs = 3;
    cfg.batch = 32;
    cfg.ema = 0.9;
    cfg.ema_start = 0.25;
    cfg.augment_ease = 0.5; /* 18 steps, average from 5 */
    Net *a = net_create(&NET_ARCH_REFERENCE, 32, 2), *b = net_create(&NET_ARCH_REFERENCE, 32, 1);
    Trainer ta, tb;
    net_init_params(a, 11);
    CHECK(trainer_init(&ta, a, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    while (ta.step < (uint64_t)save_after) trainer_steps(&ta, save_after - (int)ta.step);
    EvalAccum acc;
    memset(&acc, 0, sizeof acc);
    trainer_show_model(&ta);                       /* as an epoch-end evaluation does */
    char eval_err[256];
    CHECK(!trainer_eval_range(a, &x, &y, 0, 64, &acc, eval_err, sizeof eval_err), "evaluation: %s", eval_err);
    uint8_t *buf;
    size_t len = model_save(a, &ta, &buf);
    CHECK(len > 0, "saved");
    while (!trainer_done(&ta)) trainer_steps(&ta, 100);
    TrainConfig other;
    settings_default(&RECIPE_TABLE, &other);                  /* no average: the load makes room for it */
    other.batch = 32; other.epochs = 3;
    net_init_params(b, 1);
    CHECK(trainer_init(&tb, b, &other, x, y, err, sizeof err) == 0, "%s", err);
    CHECK(model_load(b, &tb, buf, len, err, sizeof err) == 0, "resume: %s", err);
    CHECK(tb.cfg.ema == cfg.ema && tb.cfg.ema_start == cfg.ema_start && tb.cfg.augment_ease == cfg.augment_ease,
          "the recipe's new fields restored");
    CHECK(tb.step == (uint64_t)save_after, "step restored (%llu)", (unsigned long long)tb.step);
    while (!trainer_done(&tb)) trainer_steps(&tb, 100);
    trainer_show_model(&ta); trainer_show_model(&tb);
    CHECK(ta.avg_count == tb.avg_count && ta.avg_count == 14, "steps averaged %llu and %llu (14 expected)",
          (unsigned long long)ta.avg_count, (unsigned long long)tb.avg_count);
    CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0, "resumed at step %d: the average differs",
          save_after);
    CHECK(memcmp(a->bn_state, b->bn_state, a->n_bn_state * sizeof(float)) == 0,
          "resumed at step %d: the averaged BatchNorm statistics differ", save_after);
    CHECK(memcmp(ta.avg, tb.avg, (a->n_params + a->n_bn_state) * sizeof(float)) == 0,
          "resumed at step %d: the training weights differ", save_after);
    free(buf); free((void *)x.data); free((void *)y.data);
    trainer_free(&ta); trainer_free(&tb);
    net_free(a); net_free(b);
}

/* a fine-tune of a paused run changes the model shown; trainer_adopt_model makes the run go on
 * from it (as it would without an average), and a damaged average count is refused */
static void test_adopt_and_refuse(void) {
    char err[256];
    IdxView x, y;
    synthetic_mnist(64, 5, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.epochs = 4; cfg.batch = 32; cfg.ema = 0.9;
    Net *net = net_create(&NET_ARCH_REFERENCE, 32, 1);
    net_init_params(net, 2);
    Trainer t;
    CHECK(trainer_init(&t, net, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    trainer_steps(&t, 3);
    trainer_show_model(&t);
    for (size_t i = 0; i < net->n_params; i++) net->params[i] *= 0.5f;     /* "taught" */
    float *taught = malloc(net->n_params * sizeof(float));
    memcpy(taught, net->params, net->n_params * sizeof(float));
    trainer_adopt_model(&t);
    CHECK(memcmp(t.avg, taught, net->n_params * sizeof(float)) == 0, "the taught weights become the training weights");
    trainer_steps(&t, 1);
    CHECK(!t.model_shown && memcmp(net->params, taught, net->n_params * sizeof(float)) != 0,
          "training went on from them");
    /* more steps averaged than taken: refused, the model unchanged */
    uint8_t *buf;
    size_t len = model_save(net, &t, &buf);
    /* the field count (u32) follows magic, version, flags, name, input dims, layer count, layers */
    size_t fields_at = 8 + 4 + 4 + 32 + 12 + 4 + (size_t)NET_ARCH_REFERENCE.n_layers * 24,
           avg_at = fields_at + 4 + 28 * 8; /* 24 bytes a layer from version 5 */
    double bad = 1e6;
    memcpy(buf + avg_at, &bad, 8);
    uint32_t crc = crc32_ieee(buf, len - 4);
    memcpy(buf + len - 4, &crc, 4);
    Net *other = net_create(&NET_ARCH_REFERENCE, 32, 1);
    net_init_params(other, 9);
    float *before = malloc(other->n_params * sizeof(float));
    memcpy(before, other->params, other->n_params * sizeof(float));
    CHECK(model_load(other, NULL, buf, len, err, sizeof err) != 0 && strstr(err, "averaged"), "a bad average count: %s",
          err);
    CHECK(memcmp(before, other->params, other->n_params * sizeof(float)) == 0, "a refused file changed the model");
    free(buf); free(before); free(taught);
    trainer_free(&t);
    net_free(net); net_free(other);
    free((void *)x.data); free((void *)y.data);
}

int main(void) {
    test_augment_strength();
    test_average_definition();
    test_resume_with_average(3);     /* before the average began */
    test_resume_with_average(8);     /* mid-epoch, with the average running */
    test_resume_with_average(12);    /* at an epoch boundary */
    test_adopt_and_refuse();
    return check_summary("test_recipe");
}
