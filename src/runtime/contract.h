/* contract.h - everything that crosses between the C core and its callers (the wasm API and
 * the page and worker, the command-line tools), written once as X-macro tables.
 *
 * The C side expands the tables into the structs below (TrainConfig, the recipe; TeachConfig,
 * the fine-tune; RunOptions) and their field tables, which one settings mechanism
 * (settings.h) walks for defaults, get/set/check, the CLI options and --help; into the order
 * of the progress and evaluation records (wasm/api_training.c, api_evaluation.c) and the
 * limits below. src/tools/gen_contract.c expands the same tables into web/generated/contract.js
 * for the page and the worker, so a field, default, range or limit changes here and nowhere else.
 * Fields cross the wasm boundary by id (their row in the table) and are checked against their
 * range in C; the 64-bit seed crosses as two 32-bit halves.
 *
 * TRAIN_CONFIG_FIELDS(X): X(name, type, default, min, max, cli option, unit, help)
 *   type: INT, FLOAT, BOOL (0/1; the CLI takes on|off), CHOICE (an index into the help's
 *   "a|b" list; the CLI takes the word), U64 (an unsigned 64-bit integer). */
#ifndef CONTRACT_H
#define CONTRACT_H
#include <stddef.h>
#include <stdint.h>

#define TRAIN_CONFIG_FIELDS(X) \
    X(epochs,           INT,    10,    1,     1000, "--epochs",          "",        "passes over the training set") \
    X(batch,            INT,    128,   1,     4096, "--batch",           "images", \
      "images per optimiser step (the app: at most LIMIT_MAX_BATCH)") \
    X(lr,               FLOAT,  0.1,   1e-5,  1e4,  "--lr",              "", \
      "peak learning rate with OneCycle, the constant one without") \
    X(optimizer,        CHOICE, 0,     0,     1,    "--optimizer",       "",        "sgd|adam") \
    X(augment,          BOOL,   1,     0,     1,    "--augment",         "", \
      "random rotation and shift of every training image") \
    X(seed,             U64,    1,     0,     18446744073709551615.0, "--seed", "", \
      "seed of every random draw (weights, order, augmentation, dropout)") \
    X(weight_decay,     FLOAT,  5e-4,  0,     0.1,  "--weight-decay",    "", \
      "L2 weight decay (coupled, as torch.optim)") \
    X(momentum,         FLOAT,  0.9,   0,     0.999, "--momentum",       "",        "SGD momentum") \
    X(nesterov,         BOOL,   1,     0,     1,    "--nesterov",        "",        "Nesterov momentum (SGD)") \
    X(onecycle,         BOOL,   1,     0,     1,    "--onecycle",        "", \
      "OneCycle learning-rate schedule (off: constant)") \
    X(pct_start,        FLOAT,  0.25,  0.01,  0.99, "--pct-start",       "", \
      "OneCycle: share of the steps spent warming up") \
    X(div_factor,       FLOAT,  10,    1,     1e4,  "--div-factor",      "", \
      "OneCycle: starting learning rate = peak / this") \
    X(final_div_factor, FLOAT,  100,   1,     1e6,  "--final-div-factor", "", \
      "OneCycle: final learning rate = start / this") \
    X(adam_beta1,       FLOAT,  0.9,   0,     0.9999, "--adam-beta1",    "",        "Adam beta1") \
    X(adam_beta2,       FLOAT,  0.999, 0,     0.99999, "--adam-beta2",   "",        "Adam beta2") \
    X(adam_eps,         FLOAT,  1e-8,  1e-12, 1e-2, "--adam-eps",        "",        "Adam epsilon") \
    X(rotate_deg,       FLOAT,  10,    0,     45,   "--rotate",          "degrees", \
      "augmentation: largest rotation either way") \
    X(shift_px,         FLOAT,  1.4,   0,     5,    "--shift",           "pixels", \
      "augmentation: largest shift on each axis") \
    X(dropout,          FLOAT,  0.1,   0,     0.9,  "--dropout",         "", \
      "dropout probability of every convolution and hidden fully connected layer without a dropout of its own (:d<p> " \
      "in the design)") \
    X(label_smoothing,  FLOAT,  0,     0,     0.5,  "--label-smoothing", "",        "label smoothing of the loss") \
    X(augment_ease,     FLOAT,  0,     0,     1,    "--augment-ease",    "", \
      "augmentation: share of the run at its end over which rotation and shift shrink linearly to none") \
    X(ema,              FLOAT,  0,     0,     0.9999, "--ema",           "", \
      "weight average: decay per step of an exponential moving average of the weights, which evaluations and the " \
      "finished model use (0: off)") \
    X(ema_start,        FLOAT,  0,     0,     0.99, "--ema-start",       "", \
      "weight average: share of the run after which the average begins")

/* Named recipes: the app's preset menu (its default first) and mnist-train --preset. Each is
 * the table defaults above with the fields listed changed ("name=value ...", CHOICE and BOOL
 * fields by their index). How they were chosen, with the runs: docs/recipes.md.
 * X(name, what it is for, changes) */
#define RECIPE_PRESETS(X) \
    X(fast,      "the app's default: 6 epochs, lighter augmentation, no dropout", \
      "epochs=6 rotate_deg=8 shift_px=1 dropout=0") \
    X(reference, "the reference recipe: 10 epochs, OneCycle to a peak of 0.1", "") \
    X(long,      "20 epochs, for the last tenths of a percent", "epochs=20") \
    X(golf994,   "golf: the fast recipe over 15 epochs, for the design golf994", \
      "epochs=15 rotate_deg=8 shift_px=1 dropout=0") \
    X(golf990,   "golf: the fast recipe over 15 epochs, for the design golf990", \
      "epochs=15 rotate_deg=8 shift_px=1 dropout=0")

/* Named designs (the text form of nn/arch_spec.h): mnist-train --arch NAME and the page's list,
 * the reference net first. The seed's ablations each take one ingredient out of the reference
 * net; "small" is ours (docs/network.md says how it was found); the golf designs are the smallest found
 * to reach 99.4 % and 99.0 % (docs/golf.md), each with a recipe preset of its name. X(name, title, spec) */
#define NAMED_DESIGNS(X) \
    X("reference",    "the reference net", "c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 gap fc10") \
    X("no-bn",        "without batch norm (a bias instead)", \
      "c8k3:nobn c16k3:nobn c32k3:nobn m2 c8k1:nobn c16k3:nobn c32k3:nobn c16k1:nobn c16k3:nobn gap fc10") \
    X("no-transitions", "without the transition blocks (max-pool + 1x1)", \
      "c8k3 c16k3 c32k3 c16k3 c32k3 c16k3 gap fc10") \
    X("flat-fc",      "flatten + fully connected instead of global average pooling", \
      "c8k3 c16k3 c32k3 m2 c8k1 c16k3 c32k3 c16k1 c16k3 flat fc10") \
    X("no-dropout",   "without dropout", \
      "c8k3:d0 c16k3:d0 c32k3:d0 m2 c8k1:d0 c16k3:d0 c32k3:d0 c16k1:d0 c16k3:d0 gap fc10") \
    X("small",        "ours: under 8,000 parameters", \
      "c8k3:d0 c12k3:d0 c16k3:d0 m2 c8k1:d0 c12k3:d0 c16k3:d0 c14k3:d0 gap fc10") \
    X("golf994",      "golf: 4,818 parameters, 99.4 % or more for seeds 1-5 (--preset golf994)", \
      "c8k3 c8k3 m2 c12k3 c12k3 m2 c16k3 gap fc10") \
    X("golf990",      "golf: 2,214 parameters, 99.0 % or more for seeds 1-5 (--preset golf990)", \
      "c4k3 c8k3 m2 c8k3 c8k3 m2 c8k3 gap fc10")

/* Options of a run that are not part of the recipe (not saved with the training state). */
#define RUN_OPTION_FIELDS(X) \
    X(threads, INT, 0, 0, 8,     "--threads", "threads", \
      "worker threads (0: all cores; the app: at most LIMIT_MAX_THREADS)") \
    X(subset,  INT, 0, 0, 60000, "--limit",   "images",  "train on the first N training images only (0: all)")

/* Teaching the network a person's own digits (teach.h): the fine-tune's settings, same columns.
 * Optimiser: SGD with the recipe's momentum, Nesterov and weight decay. */
#define TEACH_FIELDS(X) \
    X(steps,      INT,   150,  1,    5000, "--steps",      "steps",   "optimiser steps of one fine-tune") \
    X(batch,      INT,   128,  2,    256,  "--batch",      "images",  "images per step") \
    X(mine_share, FLOAT, 0.125, 0.01, 1,   "--mine-share", "", \
      "share of every batch drawn from my digits (the rest: MNIST training images)") \
    X(lr,         FLOAT, 0.005, 1e-5, 1,    "--lr",         "", \
      "peak learning rate (linear warm-up over the first tenth, cosine decay to 0)") \
    X(rotate_deg, FLOAT, 12,   0,    45,   "--rotate",     "degrees", "my digits: largest rotation either way") \
    X(slant,      FLOAT, 0.3,  0,    1,    "--slant",      "", \
      "my digits: largest shear either way (x moves by slant * y)") \
    X(scale,      FLOAT, 0.15, 0,    0.5,  "--scale",      "",        "my digits: largest relative change of size") \
    X(shift_px,   FLOAT, 2,    0,    5,    "--shift",      "pixels",  "my digits: largest shift on each axis") \
    X(thickness,  FLOAT, 1,    0,    1,    "--thickness",  "pixels", \
      "my digits: largest thickening or thinning of the strokes") \
    X(holdout,    INT,   3,    0,    100,  "--holdout",    "", \
      "honest estimate: a first run leaves out every Nth digit of each class (0: no estimate)") \
    X(seed,       INT,   1,    0,    2147483647, "--seed", "",        "seed of the fine-tune's random draws")

/* api_progress fills these in this order (doubles). */
#define PROGRESS_FIELDS(X) \
    X(step) X(total_steps) X(epoch) X(steps_per_epoch) X(loss) X(lr) X(diverged) X(epoch_loss)

/* api_teach_progress fills these in this order (doubles): the fine-tune's steps over both
 * runs, whether the check run is on, its end, and the scores of my digits (teach.h). */
#define TEACH_PROGRESS_FIELDS(X) \
    X(steps_done) X(total_steps) X(checking) X(done) X(diverged) X(loss) \
    X(held_count) X(held_before) X(held_after) X(all_count) X(all_before) X(all_after)

/* api_eval_result fills these in this order (doubles), then the confusion matrix (row = truth). */
#define EVAL_FIELDS(X) X(count) X(correct) X(loss_sum) X(misclassified)

/* X(name, value, unit, what) */
#define LIMITS(X) \
    X(MAX_BATCH,          256,        "images", "largest batch the app's network is created for") \
    X(MAX_THREADS,        8,          "threads", \
      "most threads the threaded wasm build trains with (it starts one pthread per reported core, 2 to this many)") \
    X(MODEL_MAX_BYTES,    64 << 20,   "bytes", \
      "largest model file read (a model of this app is ~63 KB, 185 KB with training state)") \
    X(DOWNLOAD_MAX_BYTES, 64 << 20,   "bytes", "largest compressed MNIST file downloaded (the largest is ~9.6 MB)") \
    X(DRAWING_MAX_SIDE,   4096,       "pixels", "largest side of a drawing to classify") \
    X(GALLERY_MAX,        60,         "images", "misclassified test images kept by an evaluation") \
    X(MY_DIGITS_MAX,      2000,       "images", "most digits of a person's own kept, taught or read from a file") \
    X(CLASSES,            10,         "classes", "digits") \
    X(DESIGN_MAX_LAYERS,  24,         "layers", "layers of a design (nn/net.h NET_MAX_LAYERS)") \
    X(DESIGN_MAX_CHANNELS, 512,       "channels", "output channels of a convolution") \
    X(DESIGN_MAX_GROUPS,  512,        "groups", \
      "groups of a convolution (:g<groups>; the count divides its input and output channels)") \
    X(DESIGN_MAX_FC,      1024,       "outputs", "outputs of a hidden fully connected layer") \
    X(DESIGN_MAX_PARAMS,  1000000,    "parameters", "parameters of a design") \
    X(DESIGN_MAX_ACTIVATION_MB, 200,  "MB", \
      "activations and their gradients at the largest batch (LIMIT_MAX_BATCH images)") \
    X(DESIGN_MAX_MB,      150,        "MB", \
      "everything a design allocates at the largest batch and thread count: network, training state, fine-tune, " \
      "files, inside view (train/memory_plan.h)") \
    X(WASM_HEAP_MB,       384,        "MB", \
      "the WebAssembly module's memory, fixed (wasm/CMakeLists.txt reads it): the app, two designs at once during a " \
      "switch")

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

#define CONTRACT_TEACH_ID(name, ...) TEACH_##name,
enum { TEACH_FIELDS(CONTRACT_TEACH_ID) TEACH_COUNT };
#undef CONTRACT_TEACH_ID

#define CONTRACT_PROGRESS_ID(name) PROGRESS_##name,
enum { PROGRESS_FIELDS(CONTRACT_PROGRESS_ID) PROGRESS_COUNT };
#undef CONTRACT_PROGRESS_ID
#define CONTRACT_TEACH_PROGRESS_ID(name) TEACH_PROGRESS_##name,
enum { TEACH_PROGRESS_FIELDS(CONTRACT_TEACH_PROGRESS_ID) TEACH_PROGRESS_COUNT };
#undef CONTRACT_TEACH_PROGRESS_ID
#define CONTRACT_EVAL_ID(name) EVAL_##name,
enum { EVAL_FIELDS(CONTRACT_EVAL_ID) EVAL_COUNT };
#undef CONTRACT_EVAL_ID

/* C types of the field types */
#define CONTRACT_CTYPE_INT int
#define CONTRACT_CTYPE_FLOAT float
#define CONTRACT_CTYPE_BOOL int
#define CONTRACT_CTYPE_CHOICE int
#define CONTRACT_CTYPE_U64 uint64_t

/* The structs of the tables: one member per row, named as there. */
#define CONTRACT_MEMBER(name, type, ...) CONTRACT_CTYPE_##type name;
typedef struct { TRAIN_CONFIG_FIELDS(CONTRACT_MEMBER) } TrainConfig;   /* the training recipe */
typedef struct { TEACH_FIELDS(CONTRACT_MEMBER) } TeachConfig;          /* the fine-tune's settings */
typedef struct { RUN_OPTION_FIELDS(CONTRACT_MEMBER) } RunOptions;      /* a run's other options */
#undef CONTRACT_MEMBER

/* One row of a field table, for code that walks the fields (settings.h, the generator):
 * offset is the field's place in its struct. */
typedef enum { FIELD_INT, FIELD_FLOAT, FIELD_BOOL, FIELD_CHOICE, FIELD_U64 } FieldType;
typedef struct {
    const char *name, *cli, *unit, *help;
    FieldType type;
    double def, min, max;
    size_t offset;
} FieldInfo;

/* A whole table: its rows, how many, and what its fields are called in messages. */
typedef struct { const FieldInfo *fields; int count; const char *what; } FieldTable;
extern const FieldTable RECIPE_TABLE;     /* TrainConfig, ids CFG_<name> */
extern const FieldTable TEACH_TABLE;      /* TeachConfig, ids TEACH_<name> */
extern const FieldTable RUN_TABLE;        /* RunOptions, ids RUN_<name> */
#define TRAIN_CONFIG_INFO (RECIPE_TABLE.fields)
#define TEACH_INFO (TEACH_TABLE.fields)
#define RUN_OPTION_INFO (RUN_TABLE.fields)
#endif
