/* mnist_train.c - the command-line trainer: full MNIST from the IDX files, the reference recipe
 * by default, one JSON line per epoch with --json. Run with --help for the options. */
#include "formats/model_io.h"
#include "nn/arch_spec.h"
#include "train/trainer.h"
#include "train/memory_plan.h"
#include "kernels/gemm.h"
#include "common.h"
#include "cli.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int apply_preset(const char *name, void *cfg, char *err, size_t errlen) {
    return train_config_preset(cfg, name, err, errlen);
}
static int no_onecycle(const char *unused, void *cfg, char *err, size_t errlen) {
    ((TrainConfig *)cfg)->onecycle = 0;
    return 0;
}

/* the model (with t: and its training state) written to path; 0, or 1 with a message */
static int save_model(const char *path, const Net *net, Trainer *t) {
    uint8_t *m;
    size_t n = model_save(net, t, &m);
    int bad = !n || write_file(path, m, n);
    free(m);
    if (bad) fprintf(stderr, "cannot write %s\n", path);
    return bad;
}

static void list_presets(void) {
    puts("presets (--preset):");
    for (int i = 0; train_preset_name(i); i++) printf("  %-20s %s\n", train_preset_name(i), train_preset_help(i));
}

static void list_designs(void) {
    puts("named designs (--arch):");
#define DESIGN_ROW(name, title, spec) printf("  %-20s %s: %s\n", name, title, spec);
    NAMED_DESIGNS(DESIGN_ROW)
#undef DESIGN_ROW
}

/* --designs: the named designs; with --json one JSON line each: name, spec, params, macs, and
 * preset when a recipe preset has the design's name (a golf design and the recipe its runs used) */
static int print_designs(int json) {
    if (!json) { list_designs(); return 0; }
    static const char *const designs[][2] = {
#define DESIGN_PAIR(name, title, spec) { name, spec },
        NAMED_DESIGNS(DESIGN_PAIR)
#undef DESIGN_PAIR
    };
    for (size_t i = 0; i < sizeof designs / sizeof designs[0]; i++) {
        NetArch arch;
        char err[600];
        ArchLayerInfo info[NET_MAX_LAYERS];
        size_t params = 0, macs = 0;
        if (arch_spec_parse(designs[i][1], &arch, err, sizeof err)
            || !arch_describe(&arch, info, &params, &macs, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", designs[i][0], err);
            return 2;
        }
        const char *preset = NULL;
        for (int k = 0; train_preset_name(k); k++)
            if (!strcmp(train_preset_name(k), designs[i][0])) preset = designs[i][0];
        printf("{\"name\":\"%s\",\"spec\":\"%s\",\"params\":%zu,\"macs\":%zu", designs[i][0], designs[i][1],
               params, macs);
        if (preset) printf(",\"preset\":\"%s\"", preset);
        puts("}");
    }
    return 0;
}

typedef struct {
    TrainConfig cfg;
    const char *data, *save, *resume, *export_path, *arch;
    int threads, json, limit, validation, describe, designs;
} Args;

/* 0: go on; 1: --help printed; 2: a message printed */
static int parse_args(int argc, char **argv, Args *a) {
    settings_default(&RECIPE_TABLE, &a->cfg);
    a->data = MNIST_DATA_DEFAULT;
    /* Options: every recipe field of TRAIN_CONFIG_FIELDS by its CLI name, the run options of
     * RUN_OPTION_FIELDS (contract.h; the CLI is not limited to the app's LIMIT_MAX_THREADS threads or
     * to MNIST's 60,000 images), and the ones about files and output. */
    const CliOption options[] = {
        CLI_DATA(&a->data),
        CLI_STRING("--arch", "SPEC",
                   "the design: its text form (\"c8k3 c16k3 ... gap fc10\", docs/network.md) or a name (below; "
                   "default: reference)",
                   &a->arch),
        CLI_STRING("--save", "FILE", "write the model (with training state) after every epoch", &a->save),
        CLI_STRING("--resume", "FILE", "continue a run saved with --save (on the same training set)", &a->resume),
        CLI_STRING("--export", "FILE", "write the final weights only (no training state), e.g. for the app",
                   &a->export_path),
        CLI_FLAG("--json", "one JSON object per epoch and a final summary line", &a->json),
        CLI_FLAG("--describe", "print the design (--arch) as one JSON line, layer by layer, and stop", &a->describe),
        CLI_FLAG("--designs",
                 "list the named designs and stop (with --json: a JSON line each: name, spec, params, macs, preset)",
                 &a->designs),
        CLI_ACTION(
            "--preset", "NAME",
            "start from a named recipe (below; default: the reference recipe); options after it change single fields",
            apply_preset, &a->cfg),
        CLI_INT("--validation", "N",
                "hold the last N training images out of training and report the accuracy on them after every epoch "
                "(choose a recipe on these, not on the test set)",
                &a->validation, 0, 59999),
        CLI_ACTION("--no-onecycle", NULL, "the same as --onecycle off", no_onecycle, &a->cfg),
        CLI_INT(RUN_OPTION_INFO[RUN_threads].cli, "N", "worker threads (0: all cores)", &a->threads, 0,
                POOL_MAX_THREADS),
        CLI_INT(RUN_OPTION_INFO[RUN_subset].cli, "N", RUN_OPTION_INFO[RUN_subset].help, &a->limit, 0, 100000000L),
    };
    TrainConfig defaults;
    settings_default(&RECIPE_TABLE, &defaults);
    const CliSettings recipe = { "recipe (default: the reference recipe)", &RECIPE_TABLE, &a->cfg, &defaults };
    int parsed =
        cli_parse(argc, argv, "mnist-train [options]", options, (int)(sizeof options / sizeof options[0]), &recipe, 1);
    if (parsed == 1) { list_presets(); list_designs(); }
    if (!a->threads) a->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return parsed;
}

/* The data: training set (limited), the validation split (its last N images, never trained
 * on) and the test set. 0, or 2 with a message. */
typedef struct { IdxView tx, ty, hx, hy, vx, vy; } Splits;
static int split_data(const IdxView views[4], const Args *a, Splits *d) {
    d->tx = views[0]; d->ty = views[1]; d->vx = views[2]; d->vy = views[3];
    d->hx = d->tx; d->hy = d->ty;
    if (a->validation > 0) {
        if (a->validation >= d->tx.count) {
            fprintf(stderr, "--validation %d leaves no training images (the set has %d)\n", a->validation, d->tx.count);
            return 2;
        }
        d->tx.count = d->ty.count = d->tx.count - a->validation;
        d->hx.data = d->tx.data + (size_t)d->tx.count * 784; d->hy.data = d->ty.data + d->tx.count;
        d->hx.count = d->hy.count = a->validation;
    }
    if (a->limit > 0 && a->limit < d->tx.count) d->tx.count = d->ty.count = a->limit;
    return 0;
}

/* (the Net reads digits: trainer_init checked it, so the evaluation cannot refuse it) */
static EvalAccum evaluate(Net *net, const IdxView *x, const IdxView *y) {
    EvalAccum acc;
    char err[256];
    memset(&acc, 0, sizeof acc);
    if (trainer_eval_range(net, x, y, 0, x->count, &acc, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
    return acc;
}

typedef struct { float best, final_acc, final_val; int evaluated; double seconds; } Totals;

/* One epoch: train, evaluate (test and validation), report a line, save. 0, or the exit status. */
static int run_epoch(Trainer *t, Net *net, const Args *a, const Splits *d, Totals *sum) {
    int epoch = trainer_epoch(t);
    uint64_t step0 = t->step;
    double t0 = now_seconds();
    while (!trainer_done(t) && trainer_epoch(t) == epoch)
        if (trainer_steps(t, 50) == 0) break;
    double seconds = now_seconds() - t0;
    sum->seconds += seconds;
    if (t->diverged) {
        fprintf(stderr,
                "training diverged at step %llu (loss or gradients not finite): the learning rate is too high; weights "
                "kept from the last good step\n",
                (unsigned long long)t->step);
        return 3;
    }
    trainer_show_model(t);     /* the weight average, when the recipe keeps one */
    EvalAccum acc = evaluate(net, &d->vx, &d->vy);
    float test_acc = 100.0f * acc.correct / acc.count;
    char val_text[80] = "", val_json[64] = "";
    if (a->validation) {
        EvalAccum va = evaluate(net, &d->hx, &d->hy);
        sum->final_val = 100.0f * va.correct / va.count;
        snprintf(val_text, sizeof val_text, "  validation loss %.4f acc %.2f %%", va.loss_sum / va.count,
                 sum->final_val);
        snprintf(val_json, sizeof val_json, ",\"val_loss\":%.5f,\"val_acc\":%.2f", va.loss_sum / va.count,
                 sum->final_val);
    }
    if (test_acc > sum->best) sum->best = test_acc;
    sum->final_acc = test_acc;
    sum->evaluated = 1;
    long images = (long)(t->step - step0) * t->cfg.batch;
    if (images > d->tx.count) images = d->tx.count;
    double train_loss = t->epoch_loss_count ? t->epoch_loss_sum / t->epoch_loss_count : 0.0;
    if (a->json)
        printf("{\"epoch\":%d,\"train_loss\":%.5f,\"test_loss\":%.5f,\"test_acc\":%.2f%s,\"seconds\":%.2f,\"images_per_"
               "s\":%.0f}\n",
               epoch + 1, train_loss, acc.loss_sum / acc.count, test_acc, val_json, seconds, images / seconds);
    else
        printf("epoch %2d  train loss %.4f  test loss %.4f  test acc %.2f %%%s  %.1f s  %.0f images/s\n",
               epoch + 1, train_loss, acc.loss_sum / acc.count, test_acc, val_text, seconds, images / seconds);
    fflush(stdout);
    return a->save && save_model(a->save, net, t);
}

/* the design: --arch, or the file's being resumed (which --arch, if given, must name) */
static int choose_design(const Args *a, NetArch *arch) {
    char err[600];
    if (arch_spec_parse(a->arch ? a->arch : "reference", arch, err, sizeof err) ||
        !design_memory_check(arch, err, sizeof err)) {
        fprintf(stderr, "--arch: %s\n", err);
        return 1;
    }
    if (!a->resume) return 0;
    size_t n;
    uint8_t *m = read_file(a->resume, &n);
    NetArch file;
    int bad = !m || model_read_arch(m, n, &file, NULL, err, sizeof err);
    free(m);
    if (!bad && !design_memory_check(&file, err, sizeof err)) bad = 1;
    if (bad) { fprintf(stderr, "cannot resume from %s: %s\n", a->resume, m ? err : "unreadable"); return 1; }
    if (a->arch && !net_arch_same(arch, &file)) {
        fprintf(stderr, "cannot resume from %s: it is another design than --arch\n", a->resume);
        return 1;
    }
    *arch = file;
    return 0;
}

static size_t design_macs(const Net *net) {
    size_t macs = 0;
    for (int i = 0; i < net->n_layers; i++) macs += net->layer[i].macs;
    return macs;
}

/* --describe: the design's counts and, per layer, its shape, parameters, multiply-adds and
 * receptive field (nn/arch_spec.h arch_describe_json) */
static int describe(const NetArch *arch) {
    char err[600];
    char *json = arch_describe_json(arch, err, sizeof err);
    if (!json) { fprintf(stderr, "--arch: %s\n", err); return 2; }
    puts(json);
    free(json);
    return 0;
}

int main(int argc, char **argv) {
    Args a;
    memset(&a, 0, sizeof a);
    int parsed = parse_args(argc, argv, &a);
    if (parsed) return parsed == 1 ? 0 : 2;
    if (a.designs) return print_designs(a.json);
    if (a.describe) {
        NetArch arch;
        char err[600];
        if (arch_spec_parse(a.arch ? a.arch : "reference", &arch, err, sizeof err) ||
            !design_memory_check(&arch, err, sizeof err)) {
            fprintf(stderr, "--arch: %s\n", err);
            return 2;
        }
        return describe(&arch);
    }
    char err[256];
    uint8_t *buf[4];
    IdxView views[4];
    Splits d;
    NetArch arch;
    if (choose_design(&a, &arch)) return 2;          /* a refused design or file before MNIST is read */
    if (load_mnist(a.data, buf, views)) return 1;
    if (split_data(views, &a, &d)) return 2;
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&arch, a.cfg.batch > 500 ? a.cfg.batch : 500, a.threads, &kernels);
    if (!net) { fprintf(stderr, "cannot create the network\n"); return 1; }
    net_init_params(net, a.cfg.seed);
    Trainer t;
    if (trainer_init(&t, net, &a.cfg, d.tx, d.ty, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
    if (a.resume) {
        size_t n;
        uint8_t *m = read_file(a.resume, &n);
        if (!m || model_load(net, &t, m, n, err, sizeof err)) {
            fprintf(stderr, "cannot resume from %s: %s\n", a.resume, m ? err : "unreadable");
            return 1;
        }
        free(m);
        a.cfg = t.cfg;
    }
    char spec[ARCH_SPEC_MAX];
    arch_spec_format(&net->arch, spec, sizeof spec);
    if (!a.json)
        printf("mnist-train: %s (%s): %zu parameters, %zu multiply-adds per image; %d threads, gemm %s, %d epochs of "
               "%d steps (batch %d)\n",
               net->arch.name, spec, net->n_params, design_macs(net), pool_threads(net->pool), gemm_variant_name(),
               a.cfg.epochs, t.steps_per_epoch, a.cfg.batch);
    Totals sum = { 0 };
    while (!trainer_done(&t)) {
        int rc = run_epoch(&t, net, &a, &d, &sum);
        if (rc) return rc;
    }
    if (!sum.evaluated) {           /* resumed a run that had already finished: report the model it holds */
        EvalAccum acc = evaluate(net, &d.vx, &d.vy);
        sum.best = sum.final_acc = 100.0f * acc.correct / acc.count;
        if (!a.json) printf("the run had already finished (step %llu of %llu): test acc %.2f %%\n",
                            (unsigned long long)t.step, (unsigned long long)t.total_steps, sum.final_acc);
    }
    if (a.export_path && save_model(a.export_path, net, NULL)) return 1;
    if (a.json)
        printf("{\"arch\":\"%s\",\"name\":\"%s\",\"params\":%zu,\"macs\":%zu,\"best_test_acc\":%.2f,\"final_test_acc\":"
               "%.2f,\"validation\":%d,\"final_val_acc\":%.2f,\"epochs\":%d,\"seed\":%llu,\"threads\":%d,\"gemm\":\"%"
               "s\",\"train_seconds\":%.1f}\n",
               spec, net->arch.name, net->n_params, design_macs(net), sum.best, sum.final_acc, a.validation,
               sum.final_val, a.cfg.epochs, (unsigned long long)a.cfg.seed, pool_threads(net->pool),
               gemm_variant_name(), sum.seconds);
    else
        printf("done: best test accuracy %.2f %%, final %.2f %%\n", sum.best, sum.final_acc);
    trainer_free(&t);
    net_free(net);
    for (int k = 0; k < 4; k++) free(buf[k]);
    return 0;
}
