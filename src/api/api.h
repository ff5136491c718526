/* api.h - what the wrappers of the public header (include/mnist/mnist.h) share: the insides of
 * its handles, and the error buffer of a caller who passed none. The wrappers are thin: each
 * checks what the core assumes of its arguments (handles given, counts, labels 0..9, a trainer
 * of the same network) and hands the work to the core. */
#ifndef API_API_H
#define API_API_H
#include <mnist/mnist.h>   /* the public header (include/), not a room of src/ */
#include "nn/net.h"
#include "train/trainer.h"

struct MnistNet { Net *net; };
struct MnistTrainer { Trainer t; MnistNet *owner; };
struct MnistTrainConfig { TrainConfig c; };

/* The core writes its messages unconditionally: a caller's NULL err (or errlen 0) is replaced by
 * a scratch buffer declared here, in the calling function. */
#define API_ERR_OR_SCRATCH(err, errlen)                                          \
    char api_scratch_[MNIST_ERROR_SIZE];                                          \
    if (!(err) || !(errlen)) { (err) = api_scratch_; (errlen) = sizeof api_scratch_; }

/* the message into err; returns 1 (the failure every wrapper returns) */
int api_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* a network of a design that passed the gate, or NULL and a message (out of memory with the
 * bytes the design needs at that batch) */
MnistNet *api_net_make(const NetArch *arch, int max_batch, int threads, char *err, size_t errlen);
/* 0, or 1 and a message naming what: view given and of count images, labels 0..9, same count */
int api_check_labelled(const MnistIdxView *images, const MnistIdxView *labels, const char *what,
                       char *err, size_t errlen);
IdxView api_idx(MnistIdxView v);
#endif
