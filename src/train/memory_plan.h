/* memory_plan.h - what a design costs in the app, counted before anything is made.
 *
 * design_memory_plan adds up every buffer a design brings, at the app's limits: the Net made
 * for LIMIT_MAX_BATCH images with every thread's scratch (net_memory_plan) under whichever conv
 * method takes more (the automatic choice depends on the machine's GEMM: conv_method.c), a
 * training run over the largest training set (RUN_OPTION subset's maximum) with the weight
 * average (trainer_memory_bytes), a fine-tune of LIMIT_MY_DIGITS_MAX digits at the largest
 * teaching batch (teacher_memory_bytes), a saved model file with its run or an export while it
 * is written (three times the file's bound: a growing buffer doubles, and the old one lives while
 * the new one is filled), and the inside view's copies of one image (every conv layer's output,
 * the first layer's filters, the saliency map). design_memory_check refuses a design whose plan
 * is above LIMIT_DESIGN_MAX_MB, with the parts, before anything is made.
 *
 * The app's budget (wasm: LIMIT_WASM_HEAP_MB, fixed) holds, beside the designs, what
 * app_memory_bytes counts: the MNIST files, the pthreads' stacks, the C stack and static data,
 * and a person's digits; and it holds two designs at once (a design switch makes the new network
 * before the old one goes, so a refused one changes nothing), or one design and the largest
 * single buffer a job brings (app_memory_transient_bytes: a model file, a drawing, a new copy of
 * the training images). tests/c/test_memory.c checks that the sum fits and that the plans are
 * at least what the allocator hands out. */
#ifndef MEMORY_PLAN_H
#define MEMORY_PLAN_H
#include <stddef.h>
#include "nn/net.h"

typedef struct {
    NetMemory net;          /* the Net, under the conv method that takes more */
    size_t training;        /* a run: optimiser, step backups, weight average, the order of the images */
    size_t teaching;        /* a fine-tune: optimiser, the starting weights, the digits' indices */
    size_t files;           /* a model file with its run, or an export, while it is written */
    size_t inside_view;     /* one image's conv outputs, the first layer's filters, the saliency map */
    size_t total;
} DesignMemory;

/* the plan of a design (any valid table); its total, or 0 when the table is invalid */
size_t design_memory_plan(const NetArch *arch, DesignMemory *m);
/* 1 if the design's plan fits LIMIT_DESIGN_MAX_MB, else 0 and a message with the parts */
int    design_memory_check(const NetArch *arch, char *err, size_t errlen);
/* the bytes of a model file with its run (model_save) of a design of n_params parameters and
 * n_bn_state BatchNorm values, at most */
size_t model_file_bound(size_t n_params, size_t n_bn_state);

/* the app's own memory beside the designs, and the largest single buffer a job adds (wasm) */
size_t app_memory_bytes(void);
size_t app_memory_transient_bytes(void);
#endif
