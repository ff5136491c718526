/* test_reading.c - every consumer of a network asserts the shapes it assumes (issue 31), and the
 * designs the gate accepts run through all of them:
 *   - networks made in code (net_create takes any table) with a 1 x 1 x 1 input and with 1000
 *     classes are refused, with a message naming the consumer and the shapes, and nothing is
 *     written, by training (trainer_init), evaluation (trainer_eval_range: the issue's
 *     heap-buffer-overflow in normalise_image), teaching (teach_session_begin, teach_score),
 *     a reading (reading_predict, reading_classify28) and the saliency map (also a class
 *     outside 0-9);
 *   - the inside view of a design without convolutions writes the shape [0, 0, 0] over what
 *     the caller's buffer held (api_inspect_* left it unwritten: the worker read garbage);
 *   - the crafted files craft.h accepts (grouped; no convolution; the limits) and the reference net go
 *     through every consumer (tests/fuzz/drive.h, as the fuzzers drive them). */
#include "craft.h"
#include "formats/model_any.h"
#include "../fuzz/drive.h"
#include "check.h"
#include <math.h>
#include <stdio.h>

static uint8_t pixels[8 * 784], labels[8];

static void consumers_refuse(const NetArch *arch, const char *shape) {
    Net *net = net_create(arch, 8, 1);
    CHECK(net != NULL, "%s: net_create", shape);
    if (!net) return;
    net_init_params(net, 1);
    IdxView x = { pixels, 8, 28, 28 }, y = { labels, 8, 0, 0 };
    char err[300] = "";
    TrainConfig recipe;
    settings_default(&RECIPE_TABLE, &recipe);
    recipe.batch = 4;
    Trainer t;
    CHECK(trainer_init(&t, net, &recipe, x, y, err, sizeof err) && strstr(err, "training needs") && strstr(err, shape),
          "%s: training: \"%s\"", shape, err);

    EvalAccum acc, zero;
    memset(&acc, 0, sizeof acc);
    zero = acc;
    err[0] = 0;
    CHECK(trainer_eval_range(net, &x, &y, 0, 8, &acc, err, sizeof err) &&
          strstr(err, "evaluation needs a network of 1 x 28 x 28 images and 10 classes") && strstr(err, shape) &&
          !memcmp(&acc, &zero, sizeof acc), "%s: evaluation: \"%s\"", shape, err);

    TeachConfig teach;
    settings_default(&TEACH_TABLE, &teach);
    teach.batch = 4;
    TeachSession s;
    err[0] = 0;
    CHECK(teach_session_begin(&s, net, &teach, labels, pixels, 8, x, y, err, sizeof err) &&
          strstr(err, "teaching needs"), "%s: teaching: \"%s\"", shape, err);
    teach_session_free(&s);
    int count = 5;
    CHECK(teach_score(net, labels, pixels, 8, 0, TEACH_PART_ALL, &count) == -1 && count == 0,
          "%s: scoring my digits", shape);

    float ink[16] = { 1 }, img28[784], probs[LIMIT_CLASSES + 1], saliency[784 + 1];
    probs[LIMIT_CLASSES] = saliency[784] = 42.0f;
    err[0] = 0;
    CHECK(reading_predict(net, ink, 4, 4, img28, probs, err, sizeof err) == -1 &&
          strstr(err, "reading a drawing needs"),
          "%s: predict: \"%s\"", shape, err);
    err[0] = 0;
    CHECK(reading_classify28(net, img28, probs, err, sizeof err) && strstr(err, "reading a digit needs"),
          "%s: classify: \"%s\"", shape, err);
    err[0] = 0;
    CHECK(reading_saliency(net, 3, saliency, err, sizeof err) && strstr(err, "saliency map needs"),
          "%s: saliency: \"%s\"", shape, err);
    CHECK(probs[LIMIT_CLASSES] == 42.0f && saliency[784] == 42.0f, "%s: written past the buffers", shape);
    net_free(net);
}

/* a design without convolutions: an inside view with no layers and no filters, its shape written */
static void inside_view_without_convolutions(void) {
    NetArch a;
    char err[300];
    CHECK(!arch_spec_parse("gap fc10", &a, err, sizeof err), "%s", err);
    Net *net = net_create(&a, 1, 1);
    net_init_params(net, 1);
    float img28[784] = { 0 }, probs[LIMIT_CLASSES], saliency[784];
    CHECK(!reading_classify28(net, img28, probs, err, sizeof err), "classify: %s", err);
    int shape[3] = { -7, -7, -7 };
    CHECK(reading_conv_count(net) == 0, "conv layers of gap fc10");
    CHECK(reading_filters(net, NULL, shape) == 0 && shape[0] == 0 && shape[1] == 0 && shape[2] == 0,
          "filters of a design without convolutions: shape [%d, %d, %d]", shape[0], shape[1], shape[2]);
    shape[0] = shape[1] = shape[2] = -7;
    CHECK(reading_layer(net, 0, NULL, shape) == 0 && shape[0] == 0 && shape[1] == 0 && shape[2] == 0,
          "layer 0 of a design without convolutions: shape [%d, %d, %d]", shape[0], shape[1], shape[2]);
    CHECK(!reading_saliency(net, 0, saliency, err, sizeof err) && isfinite(saliency[0]), "saliency: %s", err);
    CHECK(reading_saliency(net, 10, saliency, err, sizeof err) && strstr(err, "class 10"),
          "saliency of class 10: \"%s\"", err);
    net_free(net);
}

static int driven;
static void drive_accepted(void *ctx, const char *name, const uint8_t *buf, size_t len, const char *rule) {
    (void)ctx;
    if (rule || !buf) return;
    NetArch arch;
    char err[300];
    CHECK(!model_read_arch_any(buf, len, &arch, NULL, err, sizeof err), "%s: %s", name, err);
    Net *net = net_create(&arch, DRIVE_IMAGES, 1);
    CHECK(net && !model_load_any(net, NULL, buf, len, err, sizeof err), "%s: %s", name, err);
    if (net) drive_model(net);           /* aborts, naming the consumer, if one refuses */
    net_free(net);
    driven++;
}

int main(void) {
    for (int i = 0; i < 8 * 784; i++) pixels[i] = (uint8_t)(i * 13);
    for (int i = 0; i < 8; i++) labels[i] = (uint8_t)i;
    const LayerSpec FC10 = { LAYER_DENSE, 10, 0 };
    const LayerSpec wide[3] = { { LAYER_CONV, 4, 3 }, { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 1000, 0 } };
    NetArch tiny = craft_arch(1, 1, 1, &FC10, 1), classes = craft_arch(1, 28, 28, wide, 3);
    consumers_refuse(&tiny, "takes 1 x 1 x 1 and gives 10");
    consumers_refuse(&classes, "takes 1 x 28 x 28 and gives 1000");
    inside_view_without_convolutions();
    craft_all(drive_accepted, NULL);
    CHECK(driven == 6, "%d accepted crafted files driven, 6 expected", driven);
    Net *ref = net_create(&NET_ARCH_REFERENCE, DRIVE_IMAGES, 1);
    net_init_params(ref, 1);
    drive_model(ref);
    net_free(ref);
    return check_summary("test_reading");
}
