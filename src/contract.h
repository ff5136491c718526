/* contract.h - everything that crosses between the C core and its callers (the wasm API and
 * the page and worker, the command-line tools), written once as X-macro tables.
 *
 * The C side expands the tables into TrainConfig and its defaults and checks (trainer.h),
 * the order of the progress and evaluation records (wasm/api.c), the CLI options
 * (tools/mnist_train.c) and the limits below. src/tools/gen_contract.c expands the same
 * tables into web/generated/contract.js for the page and the worker, so a field, default,
 * range or limit changes here and nowhere else. Fields cross the wasm boundary by id (their
 * row in the table) and are checked against their range in C; the 64-bit seed crosses as
 * two 32-bit halves.
 *
 * TRAIN_CONFIG_FIELDS(X): X(name, type, default, min, max, cli option, unit, help)
 *   type: INT, FLOAT, BOOL (0/1; the CLI takes on|off), CHOICE (an index into the help's
 *   "a|b" list; the CLI takes the word), U64 (an unsigned 64-bit integer). */
#ifndef CONTRACT_H
#define CONTRACT_H
#include <stdint.h>

#define TRAIN_CONFIG_FIELDS(X) \
    X(epochs,           INT,    10,    1,     1000, "--epochs",          "",        "passes over the training set") \
    X(batch,            INT,    128,   1,     4096, "--batch",           "images",  "images per optimiser step (the app: at most LIMIT_MAX_BATCH)") \
    X(lr,               FLOAT,  0.1,   1e-5,  1e4,  "--lr",              "",        "peak learning rate with OneCycle, the constant one without") \
    X(optimizer,        CHOICE, 0,     0,     1,    "--optimizer",       "",        "sgd|adam") \
    X(augment,          BOOL,   1,     0,     1,    "--augment",         "",        "random rotation and shift of every training image") \
    X(seed,             U64,    1,     0,     18446744073709551615.0, "--seed", "", "seed of every random draw (weights, order, augmentation, dropout)") \
    X(weight_decay,     FLOAT,  5e-4,  0,     0.1,  "--weight-decay",    "",        "L2 weight decay (coupled, as torch.optim)") \
    X(momentum,         FLOAT,  0.9,   0,     0.999, "--momentum",       "",        "SGD momentum") \
    X(nesterov,         BOOL,   1,     0,     1,    "--nesterov",        "",        "Nesterov momentum (SGD)") \
    X(onecycle,         BOOL,   1,     0,     1,    "--onecycle",        "",        "OneCycle learning-rate schedule (off: constant)") \
    X(pct_start,        FLOAT,  0.25,  0.01,  0.99, "--pct-start",       "",        "OneCycle: share of the steps spent warming up") \
    X(div_factor,       FLOAT,  10,    1,     1e4,  "--div-factor",      "",        "OneCycle: starting learning rate = peak / this") \
    X(final_div_factor, FLOAT,  100,   1,     1e6,  "--final-div-factor", "",       "OneCycle: final learning rate = start / this") \
    X(adam_beta1,       FLOAT,  0.9,   0,     0.9999, "--adam-beta1",    "",        "Adam beta1") \
    X(adam_beta2,       FLOAT,  0.999, 0,     0.99999, "--adam-beta2",   "",        "Adam beta2") \
    X(adam_eps,         FLOAT,  1e-8,  1e-12, 1e-2, "--adam-eps",        "",        "Adam epsilon") \
    X(rotate_deg,       FLOAT,  10,    0,     45,   "--rotate",          "degrees", "augmentation: largest rotation either way") \
    X(shift_px,         FLOAT,  1.4,   0,     5,    "--shift",           "pixels",  "augmentation: largest shift on each axis") \
    X(dropout,          FLOAT,  0.1,   0,     0.9,  "--dropout",         "",        "dropout probability after every convolution") \
    X(label_smoothing,  FLOAT,  0,     0,     0.5,  "--label-smoothing", "",        "label smoothing of the loss")

/* Options of a run that are not part of the recipe (not saved with the training state). */
#define RUN_OPTION_FIELDS(X) \
    X(threads, INT, 0, 0, 8,     "--threads", "threads", "worker threads (0: all cores, at most 8)") \
    X(subset,  INT, 0, 0, 60000, "--limit",   "images",  "train on the first N training images only (0: all)")

/* api_progress fills these in this order (doubles). */
#define PROGRESS_FIELDS(X) \
    X(step) X(total_steps) X(epoch) X(steps_per_epoch) X(loss) X(lr) X(diverged) X(epoch_loss)

/* api_eval_result fills these in this order (doubles), then the confusion matrix (row = truth). */
#define EVAL_FIELDS(X) X(count) X(correct) X(loss_sum) X(misclassified)

/* X(name, value, unit, what) */
#define LIMITS(X) \
    X(MAX_BATCH,          256,        "images", "largest batch the app's network is created for") \
    X(MAX_THREADS,        8,          "threads", "pthreads pre-spawned by the threaded wasm build") \
    X(MODEL_MAX_BYTES,    64 << 20,   "bytes", "largest model file read (a model of this app is ~63 KB, 185 KB with training state)") \
    X(DOWNLOAD_MAX_BYTES, 64 << 20,   "bytes", "largest compressed MNIST file downloaded (the largest is ~9.6 MB)") \
    X(DRAWING_MAX_SIDE,   4096,       "pixels", "largest side of a drawing to classify") \
    X(GALLERY_MAX,        60,         "images", "misclassified test images kept by an evaluation") \
    X(CLASSES,            10,         "classes", "digits")

#define CONTRACT_LIMIT_ENUM(name, value, unit, what) LIMIT_##name = (value),
enum { LIMITS(CONTRACT_LIMIT_ENUM) };
#undef CONTRACT_LIMIT_ENUM

/* field ids: CFG_<name> for the recipe, then RUN_<name> */
#define CONTRACT_FIELD_ID(name, ...) CFG_##name,
enum { TRAIN_CONFIG_FIELDS(CONTRACT_FIELD_ID) CFG_COUNT };
#undef CONTRACT_FIELD_ID
#define CONTRACT_RUN_ID(name, ...) RUN_##name,
enum { RUN_OPTION_FIELDS(CONTRACT_RUN_ID) RUN_COUNT };
#undef CONTRACT_RUN_ID

#define CONTRACT_PROGRESS_ID(name) PROGRESS_##name,
enum { PROGRESS_FIELDS(CONTRACT_PROGRESS_ID) PROGRESS_COUNT };
#undef CONTRACT_PROGRESS_ID
#define CONTRACT_EVAL_ID(name) EVAL_##name,
enum { EVAL_FIELDS(CONTRACT_EVAL_ID) EVAL_COUNT };
#undef CONTRACT_EVAL_ID

/* C types of the field types */
#define CONTRACT_CTYPE_INT int
#define CONTRACT_CTYPE_FLOAT float
#define CONTRACT_CTYPE_BOOL int
#define CONTRACT_CTYPE_CHOICE int
#define CONTRACT_CTYPE_U64 uint64_t

/* One row of a field table, for code that walks the fields (checks, CLI, generator). */
typedef enum { FIELD_INT, FIELD_FLOAT, FIELD_BOOL, FIELD_CHOICE, FIELD_U64 } FieldType;
typedef struct {
    const char *name, *cli, *unit, *help;
    FieldType type;
    double def, min, max;
} FieldInfo;

extern const FieldInfo TRAIN_CONFIG_INFO[CFG_COUNT];
extern const FieldInfo RUN_OPTION_INFO[RUN_COUNT];

/* Index of `word` in a CHOICE field's "a|b" help list, or -1. */
int field_choice_index(const FieldInfo *f, const char *word);
#endif
