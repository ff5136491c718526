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

/* the accuracy in %, or -1 with a message on stderr */
static double mnist_test_accuracy(Net *net, const IdxView *x, const IdxView *y) {
    EvalAccum acc;
    char err[256];
    memset(&acc, 0, sizeof acc);
    if (trainer_eval_range(net, x, y, 0, x->count, &acc, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1.0;
    }
    return 100.0 * acc.correct / acc.count;
}

/* A my-digits file read and checked: its count (>= 0) and malloc'd labels and pixels, or -1
 * with a message on stderr. */
static int read_digits(const char *path, uint8_t **labels, uint8_t **pixels) {
    char err[256];
    size_t len;
    uint8_t *file = read_file(path, &len);
    if (!file) return -1;
    int n = my_digits_read(file, len, NULL, NULL, err, sizeof err);
    if (n < 0) { fprintf(stderr, "%s: %s\n", path, err); free(file); return -1; }
    *labels = malloc((size_t)n + 1); *pixels = malloc((size_t)n * MY_DIGIT_PIXELS + 1);
    if (!*labels || !*pixels) { fprintf(stderr, "out of memory\n"); free(file); return -1; }
    my_digits_read(file, len, *labels, *pixels, err, sizeof err);
    free(file);
    return n;
}

typedef struct {
    TeachConfig cfg;
    const char *data, *model, *digits, *out, *test_digits;
    int threads, json;
} Args;

/* 0: go on; 1: --help printed; 2: a message printed */
static int parse_args(int argc, char **argv, Args *a) {
    settings_default(&TEACH_TABLE, &a->cfg);
    a->data = MNIST_DATA_DEFAULT;
    const CliOption options[] = {
        CLI_STRING("--model", "FILE", "the model to start from (a model file of this app or mnist-train)", &a->model),
        CLI_STRING("--digits", "FILE", "my digits, as the app exports them (\"Export my digits\")", &a->digits),
        CLI_DATA(&a->data),
        CLI_STRING("--out", "FILE", "write the fine-tuned model (weights only)", &a->out),
        CLI_STRING("--test-digits", "FILE", "more digits of the same person, not taught: read before and after",
                   &a->test_digits),
        CLI_INT("--threads", "N", "worker threads (default: all cores)", &a->threads, 0, POOL_MAX_THREADS),
        CLI_FLAG("--json", "one JSON line with the results", &a->json),
    };
    TeachConfig defaults;
    settings_default(&TEACH_TABLE, &defaults);
    const CliSettings fine_tune = { "fine-tune settings", &TEACH_TABLE, &a->cfg, &defaults };
    int parsed = cli_parse(argc, argv, "mnist-teach --model FILE --digits FILE [options]", options,
                           (int)(sizeof options / sizeof options[0]), &fine_tune, 1);
    if (parsed) return parsed;
    if (!a->threads) a->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (!a->model || !a->digits) { fprintf(stderr, "mnist-teach needs --model and --digits (see --help)\n"); return 2; }
    return 0;
}

typedef struct { int n, n_test, test_before, test_after; double mnist_before, mnist_after, seconds; } Scores;

static void report(const Args *a, const TeachSession *s, const Scores *r) {
    if (a->json) {
        printf("{\"digits\":%d,\"held_out\":%d,\"held_out_before\":%d,\"held_out_after\":%d,\"all_before\":%d,\"all_"
               "after\":%d,"
               "\"test_digits\":%d,\"test_before\":%d,\"test_after\":%d,\"mnist_before\":%.2f,\"mnist_after\":%.2f,"
               "\"steps\":%d,\"seconds\":%.2f}\n",
               r->n, s->held_count, s->held_before, s->held_after, s->all_before, s->all_after, r->n_test,
               r->test_before, r->test_after, r->mnist_before, r->mnist_after, s->total_steps, r->seconds);
        return;
    }
    printf("my digits: %d\n", r->n);
    if (s->held_count)
        printf("held out of a check run (every %dth of each class): %d/%d read right before, %d/%d after\n",
               a->cfg.holdout, s->held_before, s->held_count, s->held_after, s->held_count);
    printf("all my digits (taught): %d/%d before, %d/%d after\n", s->all_before, s->all_count, s->all_after,
           s->all_count);
    if (r->n_test)
        printf("test digits (never taught): %d/%d before, %d/%d after\n", r->test_before, r->n_test, r->test_after,
               r->n_test);
    printf("MNIST test accuracy: %.2f %% before, %.2f %% after (%d steps, %.1f s)\n", r->mnist_before, r->mnist_after,
           s->total_steps, r->seconds);
}

int main(int argc, char **argv) {
    Args a;
    memset(&a, 0, sizeof a);
    int parsed = parse_args(argc, argv, &a);
    if (parsed) return parsed == 1 ? 0 : 2;
    char err[256];
    uint8_t *buf[4], *labels = NULL, *pixels = NULL, *test_labels = NULL, *test_pixels = NULL;
    IdxView views[4];
    Scores r = { 0 };
    size_t mlen;
    uint8_t *mfile = read_file(a.model, &mlen);      /* the model's design first: a file refused before MNIST is read */
    if (!mfile) return 1;
    NetArch arch;
    if (model_read_arch_any(mfile, mlen, &arch, NULL, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", a.model, err);
        return 1;
    }
    if (load_mnist(a.data, buf, views)) return 1;
    IdxView tx = views[0], ty = views[1], vx = views[2], vy = views[3];
    if ((r.n = read_digits(a.digits, &labels, &pixels)) < 0) return 1;
    /* digits of the same person kept out of the fine-tune entirely */
    if (a.test_digits && (r.n_test = read_digits(a.test_digits, &test_labels, &test_pixels)) < 0) return 1;
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&arch, a.cfg.batch > 256 ? a.cfg.batch : 256, a.threads, &kernels);
    if (!net) { fprintf(stderr, "cannot create the network\n"); return 1; }
    if (model_load_any(net, NULL, mfile, mlen, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", a.model, err);
        return 1;
    }
    if ((r.mnist_before = mnist_test_accuracy(net, &vx, &vy)) < 0) return 1;
    double t0 = now_seconds();
    int test_count = 0;
    if (r.n_test) r.test_before = teach_score(net, test_labels, test_pixels, r.n_test, 0, TEACH_PART_ALL, &test_count);
    TeachSession s;
    if (teach_session_begin(&s, net, &a.cfg, labels, pixels, r.n, tx, ty, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    while (!s.done)
        if (teach_session_steps(&s, 50, err, sizeof err) < 0) { fprintf(stderr, "%s\n", err); return 1; }
    r.seconds = now_seconds() - t0;
    if (s.diverged) {
        fprintf(stderr,
                "the fine-tune diverged (a loss or gradient was not finite): the learning rate is too high; the model "
                "is unchanged\n");
        return 3;
    }
    if ((r.mnist_after = mnist_test_accuracy(net, &vx, &vy)) < 0) return 1;
    if (r.n_test) r.test_after = teach_score(net, test_labels, test_pixels, r.n_test, 0, TEACH_PART_ALL, &test_count);
    report(&a, &s, &r);
    if (a.out) {
        uint8_t *m;
        size_t mn = model_save(net, NULL, &m);
        if (!mn || write_file(a.out, m, mn)) { fprintf(stderr, "cannot write %s\n", a.out); return 1; }
        free(m);
    }
    teach_session_free(&s);
    net_free(net);
    free(labels); free(pixels); free(mfile); free(test_labels); free(test_pixels);
    for (int k = 0; k < 4; k++) free(buf[k]);
    return 0;
}
