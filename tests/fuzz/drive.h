/* drive.h - a model the gate accepted, driven through every consumer (fuzz_model.c,
 * fuzz_safetensors.c and test_gate.c include it): a reading of a drawing and of a 28x28
 * image, the inside view (every conv layer, the filters, past the last layer), the saliency
 * map, an evaluation of a few images, one training step and one teaching step, on small
 * synthetic data. None of them may refuse a network the gate let through (abort: the gate and
 * a consumer disagree), and under ASan/UBSan none may touch memory it does not own. Weights
 * from a file may be extreme, so results are not judged, only run. net->max_batch must be at
 * least DRIVE_BATCH. */
#ifndef FUZZ_DRIVE_H
#define FUZZ_DRIVE_H
#include "nn/net.h"
#include "train/reading.h"
#include "train/teach.h"
#include "train/trainer.h"
#include <stdio.h>
#include <stdlib.h>

#define DRIVE_IMAGES 8
#define DRIVE_BATCH 4

static void drive_fail(const char *what, const char *err) {
    fprintf(stderr, "drive: %s refused a network the gate accepted: %s\n", what, err);
    abort();
}

static void drive_inside_view(Net *net, int cls) {
    char err[256];
    int shape[3], n = reading_conv_count(net);
    for (int c = 0; c <= n; c++) {                     /* c == n: past the last, an empty shape */
        int count = reading_layer(net, c, NULL, shape);
        float *out = malloc(((size_t)count + 1) * sizeof(float));
        int shown = shape[0] * shape[1] * shape[2];
        if (reading_layer(net, c, out, shape) != count || count != shown || (c == n) != (count == 0)) abort();
        free(out);
    }
    int count = reading_filters(net, NULL, shape);
    float *filters = malloc(((size_t)count + 1) * sizeof(float));
    int shown = shape[0] * shape[1] * shape[2] * shape[2];
    if (reading_filters(net, filters, shape) != count || count != shown || (n == 0) != (count == 0)) abort();
    free(filters);
    float saliency[READING_PIXELS];
    if (reading_saliency(net, cls, saliency, err, sizeof err)) drive_fail("the saliency map", err);
}

static void drive_model(Net *net) {
    static uint8_t pixels[DRIVE_IMAGES * READING_PIXELS], labels[DRIVE_IMAGES];
    for (int i = 0; i < DRIVE_IMAGES * READING_PIXELS; i++) pixels[i] = (uint8_t)(i * 37 % 251);
    for (int i = 0; i < DRIVE_IMAGES; i++) labels[i] = (uint8_t)(i % 10);
    IdxView x = { pixels, DRIVE_IMAGES, 28, 28 }, y = { labels, DRIVE_IMAGES, 0, 0 };
    char err[256];
    float ink[40 * 30] = { 0 }, img28[READING_PIXELS], probs[LIMIT_CLASSES];
    for (int i = 5; i < 25; i++) ink[i * 40 + 20] = 1.0f;
    if (reading_predict(net, ink, 40, 30, img28, probs, err, sizeof err) < 0) drive_fail("reading a drawing", err);
    if (reading_classify28(net, img28, probs, err, sizeof err)) drive_fail("reading a digit", err);
    int best = 0;
    for (int o = 1; o < LIMIT_CLASSES; o++) if (probs[o] > probs[best]) best = o;
    drive_inside_view(net, best);

    EvalAccum acc = { 0 };
    if (trainer_eval_range(net, &x, &y, 2, DRIVE_BATCH, &acc, err, sizeof err)) drive_fail("evaluation", err);
    if (acc.count != DRIVE_BATCH) abort();

    TrainConfig recipe;
    settings_default(&RECIPE_TABLE, &recipe);
    recipe.batch = DRIVE_BATCH; recipe.epochs = 1;
    Trainer t;
    if (trainer_init(&t, net, &recipe, x, y, err, sizeof err)) drive_fail("training", err);
    trainer_steps(&t, 1);
    trainer_free(&t);

    TeachConfig teach;
    settings_default(&TEACH_TABLE, &teach);
    teach.batch = DRIVE_BATCH; teach.steps = 1;
    TeachSession s;
    if (teach_session_begin(&s, net, &teach, labels, pixels, DRIVE_IMAGES, x, y, err, sizeof err))
        drive_fail("teaching", err);
    if (teach_session_steps(&s, 1, err, sizeof err) < 0) drive_fail("a teaching step", err);
    teach_session_free(&s);
}
#endif
