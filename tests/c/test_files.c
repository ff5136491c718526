/* test_files.c - the IDX reader and the model file against good and damaged inputs: wrong
 * magic, wrong counts, truncation at every length, trailing bytes, flipped bytes, a foreign
 * architecture, NaN weights. A refused model file must leave the network untouched. Also: a
 * run resumed from a saved file continues exactly as the uninterrupted run. */
#include "data/idx.h"
#include "formats/model_io.h"
#include "train/trainer.h"
#include "runtime/rng.h"
#include "check.h"
#include <limits.h>
#include "tools/synthetic.h"
#include <stdlib.h>
#include <string.h>

static void be32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static uint8_t *make_images(int n, int rows, int cols, size_t *len) {
    *len = 16 + (size_t)n * rows * cols;
    uint8_t *b = malloc(*len);
    be32(b, 0x803); be32(b + 4, n); be32(b + 8, rows); be32(b + 12, cols);
    for (size_t i = 16; i < *len; i++) b[i] = (uint8_t)(i * 7);
    return b;
}
static uint8_t *make_labels(int n, size_t *len) {
    *len = 8 + (size_t)n;
    uint8_t *b = malloc(*len);
    be32(b, 0x801); be32(b + 4, n);
    for (int i = 0; i < n; i++) b[8 + i] = (uint8_t)(i % 10);
    return b;
}

static void test_idx(void) {
    char err[256];
    IdxView v;
    size_t li, ll;
    uint8_t *img = make_images(5, 28, 28, &li), *lab = make_labels(5, &ll);
    CHECK(idx_read_images(img, li, &v, err, sizeof err) == 0 && v.count == 5 && v.rows == 28 && v.data == img + 16,
          "valid images: %s", err);
    CHECK(idx_read_labels(lab, ll, 10, &v, err, sizeof err) == 0 && v.count == 5, "valid labels: %s", err);
    CHECK(idx_read_images(lab, ll, &v, err, sizeof err) != 0 && strstr(err, "label file"), "labels as images: %s", err);
    CHECK(idx_read_labels(img, li, 10, &v, err, sizeof err) != 0 && strstr(err, "image file"), "images as labels: %s",
          err);
    for (size_t n = 0; n < li; n += (n < 40 ? 1 : 97))
        CHECK(idx_read_images(img, n, &v, err, sizeof err) != 0, "truncated to %zu bytes accepted", n);
    CHECK(idx_read_images(img, li - 1, &v, err, sizeof err) != 0 && strstr(err, "truncated"), "%s", err);
    uint8_t *longer = malloc(li + 1);
    memcpy(longer, img, li);
    CHECK(idx_read_images(longer, li + 1, &v, err, sizeof err) != 0 && strstr(err, "trailing"), "%s", err);
    free(longer);
    img[3] = 0x04;
    CHECK(idx_read_images(img, li, &v, err, sizeof err) != 0 && strstr(err, "magic"), "%s", err);
    img[3] = 0x03;
    be32(img + 4, 0xFFFFFFFFu);
    CHECK(idx_read_images(img, li, &v, err, sizeof err) != 0, "absurd count accepted");
    be32(img + 4, 6);
    CHECK(idx_read_images(img, li, &v, err, sizeof err) != 0, "count 6 with 5 images of data accepted");
    be32(img + 4, 5); be32(img + 8, 0);
    CHECK(idx_read_images(img, li, &v, err, sizeof err) != 0, "zero rows accepted");
    lab[8 + 2] = 10;
    CHECK(idx_read_labels(lab, ll, 10, &v, err, sizeof err) != 0 && strstr(err, "outside"), "label 10: %s", err);
    IdxView a = { 0, 5, 28, 28 }, b = { 0, 4, 0, 0 };
    CHECK(idx_check_pair(&a, &b, err, sizeof err) != 0, "count mismatch accepted");
    free(img); free(lab);
}

static void test_model_file(void) {
    char err[256];
    Net *net = net_create(&NET_ARCH_REFERENCE, 8, 1), *other = net_create(&NET_ARCH_REFERENCE, 8, 1);
    net_init_params(net, 1);
    net_init_params(other, 2);
    uint8_t *buf;
    size_t len = model_save(net, NULL, &buf);
    CHECK(len > 15122 * 4, "saved %zu bytes", len);
    float *before = malloc(other->n_params * sizeof(float));
    memcpy(before, other->params, other->n_params * sizeof(float));
    /* damaged copies are refused and leave `other` untouched */
    int refused = 0, tried = 0;
    for (size_t n = 0; n < len; n += 1 + n / 8, tried++)
        refused += model_load(other, NULL, buf, n, err, sizeof err) != 0;
    CHECK(refused == tried, "%d of %d truncated files refused", refused, tried);
    for (size_t pos = 0; pos < len; pos += 211) {
        buf[pos] ^= 0x10;
        CHECK(model_load(other, NULL, buf, len, err, sizeof err) != 0, "flipped byte at %zu accepted", pos);
        buf[pos] ^= 0x10;
    }
    CHECK(memcmp(before, other->params, other->n_params * sizeof(float)) == 0, "a refused file changed the model");
    CHECK(model_load(other, NULL, (const uint8_t *)"hello world, not a model", 24, err, sizeof err) != 0 &&
              strstr(err, "not a model"),
          "%s", err);
    /* a real model file cut short says so, however short (it starts with the right magic) */
    for (size_t n = 1; n < 200; n += 13)
        CHECK(model_load(other, NULL, buf, n, err, sizeof err) != 0 && strstr(err, "truncated"), "cut to %zu bytes: %s",
              n, err);
    /* another architecture */
    NetArch small = NET_ARCH_REFERENCE;
    small.layers[0].out_c = 4;
    Net *foreign = net_create(&small, 4, 1);
    uint8_t *fbuf;
    size_t flen = model_save(foreign, NULL, &fbuf);
    CHECK(model_load(other, NULL, fbuf, flen, err, sizeof err) != 0 && strstr(err, "different network"), "%s", err);
    free(fbuf);
    net_free(foreign);
    /* NaN weights with a valid CRC */
    net->params[10] = 0.0f / 0.0f;
    uint8_t *nbuf;
    size_t nlen = model_save(net, NULL, &nbuf);
    CHECK(model_load(other, NULL, nbuf, nlen, err, sizeof err) != 0 && strstr(err, "NaN"), "%s", err);
    free(nbuf);
    CHECK(memcmp(before, other->params, other->n_params * sizeof(float)) == 0, "a refused file changed the model");
    net_init_params(net, 1);
    /* a good file round-trips exactly */
    CHECK(model_load(other, NULL, buf, len, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(net->params, other->params, net->n_params * sizeof(float)) == 0, "round trip changed weights");
    CHECK(memcmp(net->bn_state, other->bn_state, net->n_bn_state * sizeof(float)) == 0, "round trip changed BN state");
    free(buf); free(before);
    net_free(net); net_free(other);
}

static void test_resume(void) {
    char err[256];
    int n = 64 * 3;
    IdxView x, y;
    synthetic_mnist(n, 3, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.epochs = 2; cfg.batch = 32; cfg.seed = 18446744073709551557ull;   /* all 64 bits must survive the file */
    Net *a = net_create(&NET_ARCH_REFERENCE, 32, 2), *b = net_create(&NET_ARCH_REFERENCE, 32, 1);
    Trainer ta, tb;
    net_init_params(a, cfg.seed);
    trainer_init(&ta, a, &cfg, x, y, err, sizeof err);
    trainer_steps(&ta, 4);                        /* mid-epoch (6 steps per epoch) */
    uint8_t *buf;
    size_t len = model_save(a, &ta, &buf);
    trainer_steps(&ta, 100);
    trainer_steps(&ta, 100);
    TrainConfig other = cfg;
    other.lr = 0.5f; other.seed = 1;
    net_init_params(b, 1);
    trainer_init(&tb, b, &other, x, y, err, sizeof err);
    CHECK(model_load(b, &tb, buf, len, err, sizeof err) == 0, "resume: %s", err);
    CHECK(tb.step == 4 && tb.cfg.seed == cfg.seed && tb.cfg.lr == cfg.lr,
          "training state not restored (step %llu, seed %llu)", (unsigned long long)tb.step,
          (unsigned long long)tb.cfg.seed);
    while (!trainer_done(&tb) && trainer_steps(&tb, 100) > 0) {}
    CHECK(trainer_done(&ta) && trainer_done(&tb) && ta.step == tb.step, "both runs finish (%llu vs %llu)",
          (unsigned long long)ta.step, (unsigned long long)tb.step);
    CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0,
          "a resumed run differs from the uninterrupted one");
    free(buf); free((void *)x.data); free((void *)y.data);
    trainer_free(&ta); trainer_free(&tb);
    net_free(a); net_free(b);
}

/* A checkpoint's training state must fit where it is resumed, but never stands in the way of
 * its weights: a run saved with a batch larger than a network takes still loads as weights,
 * and resuming on a training set of another size is refused with the reason. */
static void test_checkpoint_limits(void) {
    char err[512];
    IdxView x, y;
    synthetic_mnist(600, 4, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.epochs = 1; cfg.batch = 300;
    Net *big = net_create(&NET_ARCH_REFERENCE, 300, 1), *small = net_create(&NET_ARCH_REFERENCE, 256, 1);
    Trainer t;
    net_init_params(big, 3);
    CHECK(trainer_init(&t, big, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    CHECK(trainer_steps(&t, 1) == 1, "one step of batch 300");
    uint8_t *buf;
    size_t len = model_save(big, &t, &buf);
    CHECK(model_load(small, NULL, buf, len, err, sizeof err) == 0, "weights of a batch-300 checkpoint refused: %s",
          err);
    CHECK(memcmp(big->params, small->params, big->n_params * sizeof(float)) == 0, "weights not loaded");
    /* resuming it in a network made for batches of 256 is refused, with the reason */
    Trainer ts;
    TrainConfig c256 = cfg;
    c256.batch = 256;
    CHECK(trainer_init(&ts, small, &c256, x, y, err, sizeof err) == 0, "%s", err);
    CHECK(model_load(small, &ts, buf, len, err, sizeof err) != 0 && strstr(err, "batch 300"),
          "batch too large for the net: %s", err);
    trainer_free(&ts);
    /* the same training state on a different number of images: refused, the model unchanged */
    IdxView fewer_x = x, fewer_y = y;
    fewer_x.count = fewer_y.count = 256;
    Trainer tf;
    Net *other = net_create(&NET_ARCH_REFERENCE, 300, 1);
    net_init_params(other, 5);
    float *before = malloc(other->n_params * sizeof(float));
    memcpy(before, other->params, other->n_params * sizeof(float));
    CHECK(trainer_init(&tf, other, &cfg, fewer_x, fewer_y, err, sizeof err) == 0, "%s", err);
    CHECK(model_load(other, &tf, buf, len, err, sizeof err) != 0 && strstr(err, "same training set"),
          "other data size: %s", err);
    CHECK(memcmp(before, other->params, other->n_params * sizeof(float)) == 0, "a refused resume changed the model");
    CHECK(tf.steps_per_epoch == 1 && tf.step == 0, "a refused resume changed the trainer");
    trainer_free(&tf);
    free(before); free(buf); free((void *)x.data); free((void *)y.data);
    trainer_free(&t);
    net_free(big); net_free(small); net_free(other);
}

/* plan() refuses what a layer kind cannot do, naming the layer */
static void test_architectures(void) {
    char err[256];
    CHECK(net_arch_validate(&NET_ARCH_REFERENCE, err, sizeof err), "the reference net: %s", err);
    CHECK(net_arch_param_count(&NET_ARCH_REFERENCE) == 15122, "15,122 parameters");
    NetArch a = NET_ARCH_REFERENCE;
    a.layers[3].kind = 9;                                   /* no such kind: refused, never run as another */
    CHECK(!net_arch_validate(&a, err, sizeof err) && strstr(err, "unknown kind 9"), "%s", err);
    CHECK(net_create(&a, 4, 1) == NULL, "a net with an unknown kind was created");
    NetArch big = { "pool16", 1, 32, 32, 2, { { LAYER_MAXPOOL, 0, 16 }, { LAYER_DENSE, 10, 0 } } };
    CHECK(!net_arch_validate(&big, err, sizeof err) && strstr(err, "max-pool"),
          "a 16x16 pool (its winner index overflows a byte): %s", err);
    big.layers[0].size = 15;
    CHECK(net_arch_validate(&big, err, sizeof err), "a 15x15 pool: %s", err);
    NetArch dense_first = { "x", 1, 28, 28, 2, { { LAYER_DENSE, 10, 0 }, { LAYER_GAP, 0, 0 } } };
    CHECK(!net_arch_validate(&dense_first, err, sizeof err) &&
              strstr(err, "layer 2 (gap): after a flatten or a fully connected layer"),
          "%s", err);
    NetArch wide = { "x", 1, 28, 28, 2, { { LAYER_CONV, 8, 29 }, { LAYER_DENSE, 10, 0 } } };
    CHECK(!net_arch_validate(&wide, err, sizeof err) && strstr(err, "layer 1 (c8k29)"), "%s", err);
}

/* an evaluation range past the end, near INT_MAX, or longer than the labels reads nothing
 * beyond the data (AddressSanitizer watches the CTest run under build/asan) */
static void test_eval_ranges(void) {
    IdxView x, y;
    synthetic_mnist(40, 3, &x, &y);
    Net *net = net_create(&NET_ARCH_REFERENCE, 16, 1);
    net_init_params(net, 1);
    struct { int start, count, want; IdxView y; } cases[] = {
        { 5, INT_MAX, 35, y }, { INT_MAX, 10, 0, y }, { 39, INT_MAX - 38, 1, y }, { -3, 4, 4, y }, { 0, -1, 0, y },
        { 0, 40, 10, { y.data, 10, 0, 0 } },          /* labels for the first 10 images only */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        EvalAccum acc;
        memset(&acc, 0, sizeof acc);
        char why[256];
        CHECK(!trainer_eval_range(net, &x, &cases[i].y, cases[i].start, cases[i].count, &acc, why, sizeof why),
              "evaluation: %s", why);
        CHECK(acc.count == cases[i].want, "start %d count %d: %d images evaluated, %d expected", cases[i].start,
              cases[i].count, acc.count, cases[i].want);
    }
    net_free(net);
    free((void *)x.data); free((void *)y.data);
}

int main(void) {
    test_eval_ranges();
    test_architectures();
    test_idx();
    test_model_file();
    test_resume();
    test_checkpoint_limits();
    return check_summary("test_files");
}
