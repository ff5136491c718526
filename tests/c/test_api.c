/* test_api.c - the public C API (include/mnist/mnist.h) through that header only, as a program
 * linking the installed library sees it: designs parsed, described and refused (buffers left
 * as they were); a recipe's presets and fields, a refused change changing nothing; a run trained
 * to its end; readings of bytes and floats, batched or one by one, agreeing; an evaluation
 * agreeing with the readings; the model file, safetensors and the training state round trip,
 * and damaged or foreign files refused with the network unchanged; the exports; IDX files; a
 * drawing's preprocessing; a NULL err buffer. */
#include <mnist/mnist.h>
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_IMAGES 256
static uint8_t pixels[N_IMAGES * MNIST_PIXELS], labels[N_IMAGES];

/* README's data: vertical bars (1) and horizontal ones (7) */
static void make_bars(void) {
    for (int i = 0; i < N_IMAGES; i++)
        for (int p = 0; p < MNIST_PIXELS; p++) {
            labels[i] = i % 2 ? 1 : 7;
            pixels[i * MNIST_PIXELS + p] = (i % 2 ? p % 28 : p / 28) / 3 == 4 + i % 5 ? 255 : 0;
        }
}

static void test_designs(void) {
    char err[MNIST_ERROR_SIZE], text[MNIST_DESIGN_SIZE];
    int named = 0;
    for (; mnist_design_name(named); named++)
        CHECK(!mnist_design_parse(mnist_design_name(named), text, sizeof text, err, sizeof err), "%s: %s",
              mnist_design_name(named), err);
    CHECK(named >= 2 && !strcmp(mnist_design_name(0), "reference") && !mnist_design_name(-1), "%d named designs",
          named);
    CHECK(!mnist_design_parse("  c8k3:same   m2 gap  fc10 ", text, sizeof text, err, sizeof err)
          && !strcmp(text, "c8k3:same m2 gap fc10"), "canonical: \"%s\"", text);
    memset(text, 'x', sizeof text);
    CHECK(mnist_design_parse("c8k4 gap fc10", text, sizeof text, err, sizeof err) && strstr(err, "c8k4")
              && text[0] == 'x',
          "a kernel of 4 refused naming the token, the buffer untouched: %s", err);
    CHECK(mnist_design_parse("c8k3 gap fc10", text, 5, err, sizeof err) && strstr(err, "does not fit")
              && text[0] == 'x',
          "a short buffer refused, untouched: %s", err);
    CHECK(mnist_design_parse("c8k3 gap fc9", text, sizeof text, NULL, 0) == 1, "refused without an err buffer");
    CHECK(mnist_design_parse(NULL, text, sizeof text, err, sizeof err) == 1, "no design");

    MnistLayerInfo layers[MNIST_MAX_LAYERS];
    int n = 0;
    size_t params = 0, macs = 0, sum_params = 0, sum_macs = 0;
    CHECK(!mnist_design_describe("reference", layers, &n, &params, &macs, err, sizeof err), "%s", err);
    for (int i = 0; i < n; i++) sum_params += layers[i].params, sum_macs += layers[i].macs;
    CHECK(n == 11 && params == 15122 && sum_params == params && sum_macs == macs && macs > 0, "%d layers, %zu params",
          n, params);
    CHECK(!strcmp(layers[0].token, "c8k3") && layers[0].in_c == 1 && layers[0].in_h == 28 && layers[0].out_c == 8
          && layers[0].out_h == 26 && layers[0].receptive_field == 3, "layer 0: %s", layers[0].token);
    CHECK(!strcmp(layers[n - 1].token, "fc10") && layers[n - 1].out_c == MNIST_CLASSES, "last layer %s",
          layers[n - 1].token);
    CHECK(mnist_design_describe("c8k3 gap", layers, &n, NULL, NULL, err, sizeof err) == 1, "no fc10 last: refused");
    char *json = mnist_design_describe_json("small", err, sizeof err);
    CHECK(json && json[0] == '{' && strstr(json, "\"params\":7722"), "json: %s", json ? json : err);
    mnist_free(json);
}

static void test_recipe(void) {
    char err[MNIST_ERROR_SIZE];
    double v = 0;
    MnistTrainConfig *ref = mnist_train_config_create(NULL, err, sizeof err),
                     *cfg = mnist_train_config_create("fast", err, sizeof err);
    CHECK(ref && cfg, "%s", err);
    CHECK(!mnist_train_config_get(ref, "epochs", &v, err, sizeof err) && v == 10, "reference epochs %g", v);
    CHECK(!mnist_train_config_get(cfg, "epochs", &v, err, sizeof err) && v == 6, "fast epochs %g", v);
    CHECK(!mnist_train_config_create("quick", err, sizeof err) && strstr(err, "fast"), "an unknown preset: %s", err);
    CHECK(!strcmp(mnist_train_preset_name(0), "fast") && mnist_train_preset_help(0) && !mnist_train_preset_name(99),
          "presets");
    int fields = 0;
    for (; mnist_train_field_name(fields); fields++)
        CHECK(!mnist_train_config_get(cfg, mnist_train_field_name(fields), &v, err, sizeof err)
                  && mnist_train_field_help(fields),
              "field %s: %s", mnist_train_field_name(fields), err);
    CHECK(fields > 10, "%d fields", fields);

    CHECK(mnist_train_config_set(cfg, "epochs", 0, err, sizeof err) && strstr(err, "epochs"), "epochs 0: %s", err);
    CHECK(mnist_train_config_set(cfg, "epoch", 3, err, sizeof err) && strstr(err, "no field \"epoch\"")
              && strstr(err, "epochs"),
          "unknown field: %s", err);
    CHECK(mnist_train_config_apply(cfg, "batch=64 epochs=0", err, sizeof err) && strstr(err, "epochs"), "%s", err);
    CHECK(!mnist_train_config_get(cfg, "batch", &v, err, sizeof err) && v == 128, "a refused change changed batch: %g",
          v);
    CHECK(mnist_train_config_apply(cfg, "epochs", err, sizeof err) && strstr(err, "name=value"), "%s", err);
    CHECK(!mnist_train_config_apply(cfg, " optimizer=adam\taugment=off  seed=18446744073709551615 ", err, sizeof err),
          "%s", err);
    CHECK(!mnist_train_config_get(cfg, "optimizer", &v, err, sizeof err) && v == 1, "optimizer %g", v);
    CHECK(!mnist_train_config_get(cfg, "augment", &v, err, sizeof err) && v == 0, "augment %g", v);
    CHECK(!mnist_train_config_get(cfg, "seed", &v, err, sizeof err) && v == 18446744073709551615.0, "seed %g", v);
    CHECK(!mnist_train_config_set(cfg, "lr", 0.05, err, sizeof err)
              && !mnist_train_config_get(cfg, "lr", &v, err, sizeof err) && fabs(v - 0.05) < 1e-9,
          "lr %g", v);
    mnist_train_config_free(ref);
    mnist_train_config_free(cfg);
}

/* the readings of net on images: bytes batched, bytes one by one, floats; all agree */
static void check_readings(MnistNet *net, const uint8_t *images, int count, const char *what) {
    char err[MNIST_ERROR_SIZE];
    float *probs = malloc(sizeof(float) * MNIST_CLASSES * count), *one = malloc(sizeof(float) * MNIST_CLASSES * count);
    float *floats = malloc(sizeof(float) * MNIST_PIXELS * count),
          *from_floats = malloc(sizeof(float) * MNIST_CLASSES * count);
    int *digits = malloc(sizeof(int) * count), worst_digits = 0;
    double worst = 0, total = 0;
    for (int i = 0; i < count * MNIST_PIXELS; i++) floats[i] = images[i] / 255.0f;
    CHECK(!mnist_predict_bytes(net, images, count, probs, digits, err, sizeof err), "%s: %s", what, err);
    CHECK(!mnist_predict(net, floats, count, from_floats, NULL, err, sizeof err), "%s: %s", what, err);
    for (int i = 0; i < count; i++) {
        int digit = -1;
        CHECK(!mnist_predict_bytes(net, images + (size_t)i * MNIST_PIXELS, 1, one + i * MNIST_CLASSES, &digit, err,
                                   sizeof err),
              "%s", err);
        worst_digits += digit != digits[i];
        double sum = 0;
        for (int o = 0; o < MNIST_CLASSES; o++) {
            int k = i * MNIST_CLASSES + o;
            sum += probs[k];
            worst = fmax(worst, fmax(fabs(probs[k] - one[k]), fabs(probs[k] - from_floats[k])));
            if (probs[k] > probs[i * MNIST_CLASSES + digits[i]]) worst_digits++;
        }
        total = fmax(total, fabs(sum - 1));
    }
    CHECK(worst_digits == 0 && worst < 1e-5 && total < 1e-4,
          "%s: %d digits differ, probabilities by %g, sums off 1 by %g", what, worst_digits, worst, total);
    free(probs), free(one), free(floats), free(from_floats), free(digits);
}

/* a copy of net's readings of the first count images */
static float *readings(MnistNet *net, int count) {
    float *probs = malloc(sizeof(float) * MNIST_CLASSES * count);
    if (mnist_predict_bytes(net, pixels, count, probs, NULL, NULL, 0))
        memset(probs, 0, sizeof(float) * MNIST_CLASSES * count);
    return probs;
}

static int same_readings(MnistNet *net, const float *before, int count) {
    float *now = readings(net, count);
    int same = !memcmp(now, before, sizeof(float) * MNIST_CLASSES * count);
    free(now);
    return same;
}

static void test_bad_input(MnistNet *net, MnistTrainConfig *cfg) {
    char err[MNIST_ERROR_SIZE];
    MnistIdxView x = { pixels, N_IMAGES, 28, 28 }, y = { labels, N_IMAGES, 0, 0 }, short_y = { labels, 10, 0, 0 };
    CHECK(!mnist_net_create("c8k3 m3 gap fc10", 8, 1, err, sizeof err) && strstr(err, "m3"), "a 3x3 pool: %s", err);
    CHECK(!mnist_net_create("small", 0, 1, err, sizeof err) && strstr(err, "max_batch"), "batch 0: %s", err);
    CHECK(!mnist_trainer_create(net, cfg, x, short_y, err, sizeof err) && strstr(err, "256 images but 10 labels"), "%s",
          err);
    labels[5] = 10;
    CHECK(!mnist_trainer_create(net, cfg, x, y, err, sizeof err) && strstr(err, "label 5 is 10"), "%s", err);
    MnistEvaluation e;
    CHECK(mnist_evaluate(net, NULL, x, y, &e, err, sizeof err) && strstr(err, "label 5 is 10"), "%s", err);
    labels[5] = 1;
    MnistIdxView wide = { pixels, N_IMAGES / 2, 28, 56 };
    CHECK(!mnist_trainer_create(net, cfg, wide, (MnistIdxView){ labels, N_IMAGES / 2, 0, 0 }, err, sizeof err)
          && strstr(err, "28x56"), "28 x 56 images: %s", err);
    MnistTrainConfig *big = mnist_train_config_create("fast", err, sizeof err);
    CHECK(big && !mnist_train_config_set(big, "batch", 65, err, sizeof err), "%s", err);
    CHECK(!mnist_trainer_create(net, big, x, y, err, sizeof err) && strstr(err, "batch 65"), "batch 65 > 64: %s", err);
    mnist_train_config_free(big);
    float nan_image[MNIST_PIXELS] = { 0 };
    nan_image[30] = NAN;
    CHECK(mnist_predict(net, nan_image, 1, NULL, NULL, err, sizeof err) && strstr(err, "pixel 30"), "NaN: %s", err);
    CHECK(mnist_predict_bytes(net, pixels, -1, NULL, NULL, err, sizeof err) && strstr(err, "-1"), "%s", err);
    CHECK(mnist_predict_bytes(net, NULL, 1, NULL, NULL, err, sizeof err) && strstr(err, "no images"), "%s", err);
}

/* the model file, safetensors and the training state, both ways; refusals leave the net as it was */
static void test_files(MnistNet *net, MnistTrainer *t, const MnistTrainConfig *cfg) {
    char err[MNIST_ERROR_SIZE], design[MNIST_DESIGN_SIZE], own[MNIST_DESIGN_SIZE];
    uint8_t *file = NULL, *weights = NULL, *st = NULL, *onnx = NULL;
    char *py = NULL;
    int has_training = -1;
    size_t n = mnist_model_save(net, t, &file, err, sizeof err),
           nw = mnist_model_save(net, NULL, &weights, err, sizeof err);
    CHECK(n > nw && nw > 0, "model file %zu bytes, weights only %zu: %s", n, nw, err);
    CHECK(!mnist_model_read_design(file, n, design, sizeof design, &has_training, err, sizeof err) && has_training == 1
          && !mnist_net_design(net, own, sizeof own) && !strcmp(design, own), "%s / %s: %s", design, own, err);
    CHECK(!mnist_model_read_design(weights, nw, design, sizeof design, &has_training, err, sizeof err)
              && has_training == 0,
          "%s", err);
    float *before = readings(net, 32);
    MnistNet *copy = mnist_net_load(file, n, 16, 1, err, sizeof err);
    CHECK(copy && same_readings(copy, before, 32), "a loaded copy reads the same: %s", err);

    file[n / 2] ^= 0x40;   /* a flipped bit: the CRC refuses it */
    CHECK(mnist_model_load(copy, NULL, file, n, err, sizeof err) && same_readings(copy, before, 32), "flipped: %s",
          err);
    CHECK(!mnist_net_load(file, n, 16, 1, err, sizeof err), "flipped: no network made");
    file[n / 2] ^= 0x40;
    CHECK(mnist_model_load(copy, NULL, file, n - 1, err, sizeof err) && same_readings(copy, before, 32), "cut: %s",
          err);
    MnistNet *other = mnist_net_create("c4k3 gap fc10", 4, 1, err, sizeof err);
    CHECK(other && mnist_model_load(other, NULL, file, n, err, sizeof err), "another design's file refused: %s", err);
    CHECK(mnist_model_load(copy, t, file, n, err, sizeof err) && strstr(err, "another network"), "%s", err);
    CHECK(!mnist_model_save(copy, t, &weights, err, sizeof err) && strstr(err, "another network"), "%s", err);

    /* the training state: a new trainer of the same run takes up where the saved one ended */
    MnistIdxView x = { pixels, N_IMAGES, 28, 28 }, y = { labels, N_IMAGES, 0, 0 };
    MnistNet *again = mnist_net_create(design, 64, 1, err, sizeof err);
    MnistTrainer *resumed = again ? mnist_trainer_create(again, cfg, x, y, err, sizeof err) : NULL;
    MnistProgress p = { 0 }, q = { 0 };
    CHECK(resumed && !mnist_model_load(again, resumed, file, n, err, sizeof err), "resume: %s", err);
    if (resumed) mnist_trainer_progress(resumed, &p);
    mnist_trainer_progress(t, &q);
    CHECK(p.step == q.step && p.done && same_readings(again, before, 32), "resumed at step %d of %d", (int)p.step,
          (int)q.step);

    size_t ns = mnist_safetensors_save(net, &st, err, sizeof err);
    MnistNet *fresh = mnist_net_create(design, 8, 2, err, sizeof err);
    CHECK(ns > 0 && fresh && !mnist_model_load(fresh, NULL, st, ns, err, sizeof err)
              && same_readings(fresh, before, 32),
          "safetensors round trip: %s", err);
    size_t no = mnist_export_onnx(net, &onnx, err, sizeof err), np = mnist_export_pytorch(net, &py, err, sizeof err);
    CHECK(no > 100 && np > 100 && strlen(py) == np && strstr(py, "class MnistNet"), "exports %zu, %zu: %s", no, np,
          err);
    mnist_free(file), mnist_free(weights), mnist_free(st), mnist_free(onnx), mnist_free(py), free(before);
    mnist_trainer_free(resumed);
    mnist_net_free(again), mnist_net_free(copy), mnist_net_free(other), mnist_net_free(fresh);
}

static void test_training(void) {
    char err[MNIST_ERROR_SIZE];
    MnistNet *net = mnist_net_create("small", 64, 2, err, sizeof err);
    MnistTrainConfig *cfg = mnist_train_config_create("fast", err, sizeof err);
    CHECK(net && cfg && !mnist_train_config_apply(cfg, "batch=64 epochs=3", err, sizeof err), "%s", err);
    if (!net || !cfg) return;
    mnist_net_init_params(net, 1);
    CHECK(mnist_net_param_count(net) == 7722 && mnist_net_max_batch(net) == 64, "%zu parameters",
          mnist_net_param_count(net));
    test_bad_input(net, cfg);
    MnistIdxView x = { pixels, N_IMAGES, 28, 28 }, y = { labels, N_IMAGES, 0, 0 };
    MnistTrainer *t = mnist_trainer_create(net, cfg, x, y, err, sizeof err);
    CHECK(t, "%s", err);
    if (!t) return;
    int steps = 0, calls = 0;
    for (int s; (s = mnist_trainer_steps(t, 3)) > 0; calls++) steps += s;
    MnistProgress p;
    mnist_trainer_progress(t, &p);
    CHECK(steps == 12 && calls == 6 && p.step == 12 && p.total_steps == 12 && p.steps_per_epoch == 4 && p.epoch == 3
              && p.done && !p.diverged && isfinite(p.loss) && p.loss > 0,
          "%d steps in %d calls, loss %g", steps, calls, p.loss);
    check_readings(net, pixels, N_IMAGES, "trained");

    MnistEvaluation e;
    int *digits = malloc(sizeof(int) * N_IMAGES), right = 0, confused = 0;
    CHECK(!mnist_predict_bytes(net, pixels, N_IMAGES, NULL, digits, err, sizeof err), "%s", err);
    for (int i = 0; i < N_IMAGES; i++) right += digits[i] == labels[i];
    CHECK(!mnist_evaluate(net, t, x, y, &e, err, sizeof err), "%s", err);
    for (int a = 0; a < MNIST_CLASSES; a++)
        for (int b = 0; b < MNIST_CLASSES; b++) confused += e.confusion[a][b];
    CHECK(e.count == N_IMAGES && e.correct == right && confused == N_IMAGES && e.loss > 0 && isfinite(e.loss),
          "evaluation %d of %d right, the readings %d", e.correct, e.count, right);
    free(digits);
    test_files(net, t, cfg);
    mnist_trainer_free(t);
    mnist_train_config_free(cfg);
    mnist_net_free(net);
}

static void put_u32(uint8_t *p, uint32_t v) { p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v; }

static void test_idx_and_drawing(void) {
    char err[MNIST_ERROR_SIZE];
    uint8_t images[16 + 3 * MNIST_PIXELS] = { 0 }, lab[8 + 3] = { 0 };
    put_u32(images, 0x803), put_u32(images + 4, 3), put_u32(images + 8, 28), put_u32(images + 12, 28);
    put_u32(lab, 0x801), put_u32(lab + 4, 3);
    lab[8] = 1, lab[9] = 10, lab[10] = 7;
    MnistIdxView x = { 0 }, y = { 0 };
    CHECK(!mnist_idx_read_images(images, sizeof images, &x, err, sizeof err) && x.count == 3 && x.rows == 28
          && x.data == images + 16, "%s", err);
    CHECK(mnist_idx_read_images(images, sizeof images - 1, &y, err, sizeof err) && y.data == NULL, "cut: %s", err);
    CHECK(mnist_idx_read_labels(lab, sizeof lab, &y, err, sizeof err) && y.data == NULL, "a label of 10: %s", err);
    lab[9] = 0;
    CHECK(!mnist_idx_read_labels(lab, sizeof lab, &y, err, sizeof err) && y.count == 3 && y.rows == 0, "%s", err);

    enum { W = 120, H = 60 };
    static float ink[W * H];
    float out[MNIST_PIXELS];
    CHECK(mnist_preprocess_drawing(ink, W, H, out) == 0 && out[400] == 0, "an empty drawing");
    for (int r = 10; r < 50; r++) ink[r * W + 80] = ink[r * W + 81] = 1;   /* a stroke, far right */
    CHECK(mnist_preprocess_drawing(ink, W, H, out) == 1, "ink found");
    double mass = 0, mx = 0;
    for (int i = 0; i < MNIST_PIXELS; i++) mass += out[i], mx += out[i] * (i % 28 + 0.5);
    CHECK(mass > 0 && fabs(mx / mass - 14) < 1, "centred: %g", mx / mass);
    CHECK(mnist_preprocess_drawing(ink, 0, H, out) == -1 && mnist_preprocess_drawing(NULL, W, H, out) == -1,
          "bad sizes");
}

int main(void) {
    make_bars();
    test_designs();
    test_recipe();
    test_training();
    test_idx_and_drawing();
    return check_summary("test_api");
}
