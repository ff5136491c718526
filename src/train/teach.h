/* teach.h - teaching the network a person's own digits without forgetting MNIST.
 *
 * A Teacher fine-tunes the weights a Net has now: cfg.steps SGD steps (momentum, Nesterov and
 * weight decay of the reference recipe; learning rate warmed up linearly over the first tenth,
 * then cosine-annealed to 0), each on a batch of cfg.batch images of which round(batch *
 * mine_share) are drawn from "my digits" (augment_style: rotation, slant, scale, shift,
 * stroke thickness) and the rest are MNIST training images (the recipe's rotation and shift),
 * in training mode (BatchNorm batch statistics, running ones updated; dropout). Which of my
 * digits take part is chosen by `part` (TEACH_PART_*): all, or all but the held-out ones
 * (every holdout-th digit of each class, in the order given), so a first run on the rest can
 * be scored on digits it never saw: an honest estimate for the person's next drawings.
 *
 * Memory: my digits (labels[n], pixels n x 784, 0..255 like MNIST) and the MNIST views belong
 * to the caller and must outlive the Teacher; the Teacher owns its optimiser state and a copy
 * of the weights and BatchNorm state it started from (teacher_restore goes back to them).
 * Everything random is a pure function of (cfg.seed, step, slot): 1, 2, 3 or 4 threads give
 * bit-identical results. */
#ifndef TEACH_H
#define TEACH_H
#include "runtime/contract.h"
#include "runtime/settings.h"
#include "data/idx.h"
#include "nn/net.h"
#include "optim.h"

#define TEACH_DIGIT_PIXELS (28 * 28)   /* a digit: the network's 28x28 input, one byte per pixel */

/* The fine-tune's settings are TeachConfig (contract.h), one member per row of TEACH_FIELDS:
 * defaults, get/set by id (TEACH_<name>) and checks through settings.h with TEACH_TABLE. */

enum { TEACH_PART_ALL = 0, TEACH_PART_TRAIN = 1, TEACH_PART_HELD_OUT = 2 };
/* 1 when digit i of (labels, n) belongs to `part` under the hold-out rule of cfg.holdout */
int teach_in_part(const uint8_t *labels, int n, int i, int holdout, int part);

typedef struct {
    Net *net;
    Optimizer opt;
    TeachConfig cfg;
    const uint8_t *labels, *pixels;   /* my digits (not owned) */
    int *use, n_use;                  /* indices of the digits this run trains on */
    IdxView mnist_x, mnist_y;
    float mnist_rotate_deg, mnist_shift_px;   /* the recipe's augmentation of the MNIST images */
    uint8_t *batch_labels;
    float *start;                     /* params then BatchNorm state at teacher_init */
    int step, diverged;
    float last_loss, last_lr;
} Teacher;

/* The bytes teacher_init takes (net_block_cost per block) for a net of n_params parameters and
 * n_bn_state BatchNorm values, n_digits of mine and a batch of `batch` */
size_t teacher_memory_bytes(size_t n_params, size_t n_bn_state, int n_digits, int batch);
/* Starts a fine-tune of net's current weights on the digits of `part`. Fails (with a message)
 * when that part is empty, the batch does not fit the network, the network does not read
 * 28x28 digits into 10 classes (arch_net_reads_digits), or memory runs out. */
int  teacher_init(Teacher *t, Net *net, const TeachConfig *cfg, const uint8_t *labels, const uint8_t *pixels, int n,
                  int part, IdxView mnist_x, IdxView mnist_y, char *err, size_t errlen);
void teacher_free(Teacher *t);
int  teacher_done(const Teacher *t);
/* At most n steps; returns the steps run. A non-finite loss, gradient or weight puts the
 * weights back to where the fine-tune started and sets t->diverged. */
int  teacher_steps(Teacher *t, int n);
void teacher_restore(Teacher *t);     /* back to the weights and BatchNorm state of teacher_init */
float teacher_lr(const Teacher *t, int step);

/* Eval-mode reading of my digits of `part`: returns how many are read right and sets *count;
 * -1 (and *count 0) when net does not read 28x28 digits into 10 classes. */
int  teach_score(Net *net, const uint8_t *labels, const uint8_t *pixels, int n, int holdout, int part, int *count);

/* The whole teaching procedure, in bounded pieces: scores of my digits before; when
 * cfg.holdout leaves digits out, a check run on the rest, scored on the held-out digits and
 * then undone; the fine-tune on all my digits; their scores after. Scores of the MNIST test
 * set before and after are the caller's (it has its own evaluation loop). */
typedef struct {
    Teacher teacher;
    TeachConfig cfg;
    const uint8_t *labels, *pixels;
    int n;
    IdxView mnist_x, mnist_y;
    int checking;                  /* 1 while the check run (held-out digits left out) runs */
    int done, diverged;
    int total_steps, steps_done;   /* over both runs */
    int held_count, held_before, held_after;   /* held_count 0: no honest estimate */
    int all_count, all_before, all_after;
} TeachSession;

int teach_session_begin(TeachSession *s, Net *net, const TeachConfig *cfg, const uint8_t *labels, const uint8_t *pixels,
                        int n, IdxView mnist_x, IdxView mnist_y, char *err, size_t errlen);
/* At most n steps (never across the switch from the check run to the fine-tune); returns
 * the steps run, -1 with a message when the next run cannot start. s->done when finished. */
int  teach_session_steps(TeachSession *s, int n, char *err, size_t errlen);
void teach_session_free(TeachSession *s);
#endif
