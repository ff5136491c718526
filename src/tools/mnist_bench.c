/* mnist_bench.c - native speed of the reference net: training and inference images/s at a
 * batch size on synthetic data (speed does not depend on pixel values), median of --reps
 * timed repetitions after a warm-up, plus the arithmetic peak of one core. One JSON line. */
#include "train/trainer.h"
#include "kernels/gemm.h"
#include "kernels/peak.h"
#include "runtime/rng.h"
#include "common.h"
#include "synthetic.h"
#include "cli.h"
#include <string.h>
#include <unistd.h>

/* n steps or a message: a diverged run stops taking steps, and a loop waiting for them would spin */
static int run_steps(Trainer *t, int n) {
    for (int done = 0; done < n;) {
        int ran = trainer_steps(t, n - done);
        if (ran == 0) {
            fprintf(stderr, "mnist-bench: training %s at step %llu; no speed measured\n",
                    t->diverged ? "diverged (the learning rate is too high)" : "ended", (unsigned long long)t->step);
            return 1;
        }
        done += ran;
    }
    return 0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
    int threads = 0, batch = 128, reps = 7, steps = 10;
    const char *lr_text = "0.1";
    const CliOption options[] = {
        CLI_INT("--threads", "N", "worker threads (0: all cores)", &threads, 0, POOL_MAX_THREADS),
        CLI_INT("--batch", "N", "images per step", &batch, 1, 4096),
        CLI_INT("--reps", "N", "timed repetitions (the median is reported)", &reps, 1, 100),
        CLI_INT("--steps", "N", "training steps per repetition", &steps, 1, 100000),
        CLI_STRING("--lr", "X", "learning rate (a diverging one stops the benchmark)", &lr_text),
    };
    int parsed =
        cli_parse(argc, argv, "mnist-bench [options]", options, (int)(sizeof options / sizeof options[0]), NULL, 0);
    if (parsed) return parsed == 1 ? 0 : 2;
    if (!threads) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    float lr = (float)atof(lr_text);
    int n = batch * 8;
    IdxView x, y;
    synthetic_mnist(n, 1, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.batch = batch; cfg.epochs = 1000; cfg.lr = lr; cfg.onecycle = 0;   /* speed does not depend on the schedule */
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&NET_ARCH_REFERENCE, batch, threads, &kernels);
    net_init_params(net, 1);
    Trainer t;
    char err[256];
    if (trainer_init(&t, net, &cfg, x, y, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    int rc = 0;
    if (run_steps(&t, 3)) { rc = 3; goto done; }              /* warm-up */
    double train[100], infer[100];
    for (int k = 0; k < reps; k++) {
        double t0 = now_seconds();
        if (run_steps(&t, steps)) { rc = 3; goto done; }
        train[k] = steps * (double)batch / (now_seconds() - t0);
    }
    /* where the time of a step goes (after the timed reps, so the clock reads cost them nothing) */
    PoolProfile prof;
    pool_profile_start(net->pool);
    if (run_steps(&t, steps)) { rc = 3; goto done; }
    pool_profile_stop(net->pool);
    pool_profile_read(net->pool, &prof);
    char profile[1024];
    pool_profile_json(&prof, steps, profile, sizeof profile);
    for (int k = 0; k < reps; k++) {
        EvalAccum acc;
        memset(&acc, 0, sizeof acc);
        double t0 = now_seconds();
        if (trainer_eval_range(net, &x, &y, 0, n, &acc, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            rc = 1;
            goto done;
        }
        infer[k] = n / (now_seconds() - t0);
    }
    long iters = 20000000;
    peak_run(iters / 10);
    double p[5];
    for (int k = 0; k < 5; k++) {
        double t0 = now_seconds();
        volatile float sink = peak_run(iters);
        (void)sink;
        p[k] = peak_flops_per_iter() * iters / (now_seconds() - t0) / 1e9;
    }
    printf("{\"threads\":%d,\"batch\":%d,\"reps\":%d,\"gemm\":\"%s\",\"train_images_per_s\":%.1f,\"infer_images_per_"
           "s\":%.1f,"
           "\"peak_gflops_1core\":%.2f,\"peak_variant\":\"%s\",\"train_samples\":[",
           pool_threads(net->pool), batch, reps, gemm_variant_name(), median(train, reps), median(infer, reps),
           median(p, 5), peak_variant_name());
    for (int k = 0; k < reps; k++) printf("%s%.1f", k ? "," : "", train[k]);
    printf("],\"profile_per_step\":%s}\n", profile);
done:
    trainer_free(&t);
    net_free(net);
    free((void *)x.data); free((void *)y.data);
    return rc;
}
