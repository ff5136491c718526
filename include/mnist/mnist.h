/* mnist.h - the C library of mnist-in-a-tab: design, train, save, load, export and run small
 * convolutional networks for 28 x 28 grey digits (MNIST's shape). The one public header: the
 * installed libmnist.a exports the mnist_ functions below and nothing else.
 *
 * Names: functions mnist_*, types Mnist*, macros MNIST_*. MnistNet, MnistTrainer and
 * MnistTrainConfig are opaque handles: made by a _create (or mnist_net_load) and given back to
 * their _free (NULL is fine there).
 *
 * Errors: a function that can fail takes `char *err, size_t errlen` last. It returns 0 (or a
 * handle, or a size) on success; on failure 1 (NULL, 0) and one line in err (no newline,
 * truncated to errlen - 1 bytes; MNIST_ERROR_SIZE holds the library's messages, though a long
 * input they quote may be cut; err may be NULL).
 * A refused call changes nothing it was given: a bad file leaves the network as it was, a
 * value out of range leaves the recipe as it was.
 *
 * Images: 28 x 28, row-major, one image after another. As bytes (uint8_t, 0 = background,
 * 255 = ink; MNIST's IDX files) or as floats in [0, 1] (the same scale divided by 255). Labels
 * are bytes 0..9. The library normalises them as the network was trained; pass them raw.
 *
 * Buffers the library returns (saved files, exports, JSON) are malloc'd and the caller's: free
 * them with mnist_free. Buffers the caller passes stay the caller's; a trainer keeps pointers to
 * its images and labels, so they must outlive it.
 *
 * Threads: a network runs on the threads it was made with; one network (and its trainer) must
 * not be used from two threads at once. Different networks are independent. */
#ifndef MNIST_MNIST_H
#define MNIST_MNIST_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

#define MNIST_ERROR_SIZE 600     /* bytes of err that hold the library's messages */
#define MNIST_DESIGN_SIZE 512    /* bytes of a design's text form, NUL included */
#define MNIST_MAX_LAYERS 24      /* layers of a design */
#define MNIST_SIDE 28            /* the images' side */
#define MNIST_PIXELS 784         /* pixels of an image */
#define MNIST_CLASSES 10         /* the digits */

void mnist_free(void *p);        /* a buffer the library returned */

/* ---- Designs: a network as text, one token per layer, e.g. "c8k3 c16k3 m2 c16k3 gap fc10"
 * (docs/network.md has the grammar), or a name ("reference", "small", ...). Every design that
 * comes in (text, model file) passes the gate: a 1 x 28 x 28 input, fc10 last, the kernel and
 * pool sizes and the limits of layers, channels, parameters and memory; a refusal names the
 * layer and the rule. */

/* The i-th named design (0 first), or NULL past the last. */
const char *mnist_design_name(int i);
/* The canonical text of a design or a name into canonical (len bytes; MNIST_DESIGN_SIZE is
 * enough). 0, or 1 and a message: the design is refused, or does not fit in len. */
int mnist_design_parse(const char *design, char *canonical, size_t len, char *err, size_t errlen);

/* One layer of a design as mnist_design_describe gives it: its token; input and output
 * shapes per image (channels x height x width); parameters and multiply-adds per image; the
 * side, in input pixels, of the patch one output value sees. */
typedef struct {
    char token[48];
    int in_c, in_h, in_w, out_c, out_h, out_w;
    size_t params, macs;
    int receptive_field;
} MnistLayerInfo;
/* The layers of a design into layers (MNIST_MAX_LAYERS), their count into *n_layers and the
 * totals into *params and *macs (each pointer may be NULL). 0, or 1 and a message. */
int mnist_design_describe(const char *design, MnistLayerInfo *layers, int *n_layers, size_t *params, size_t *macs,
                          char *err, size_t errlen);
/* The same as one line of JSON (mnist-train --describe's), or NULL and a message:
 * {"arch","name","params","macs","layers":[{"token","in":[C,H,W],"out":[K,P,Q],"groups","params","macs","rf",
 *   "settings"}]}; settings: the fields of the layer's token (kind, channels, kernel, same, bn, groups, dropout
 *   for a convolution; see src/nn/arch_spec.h) */
char *mnist_design_describe_json(const char *design, char *err, size_t errlen);

/* ---- Networks. All memory is taken at creation for batches of up to max_batch images;
 * threads: 1 (none started) to 16, clamped to that range. The weights start at zero:
 * initialise them, load them or train. A handle given to a function is a valid one (not NULL)
 * unless the function says otherwise. */
typedef struct MnistNet MnistNet;

/* NULL and a message when the design is refused, max_batch < 1 or memory runs out. */
MnistNet *mnist_net_create(const char *design, int max_batch, int threads, char *err, size_t errlen);
void      mnist_net_free(MnistNet *net);                       /* after its trainer's mnist_trainer_free */
void      mnist_net_init_params(MnistNet *net, uint64_t seed); /* PyTorch's default initialisation */
size_t    mnist_net_param_count(const MnistNet *net);
int       mnist_net_max_batch(const MnistNet *net);
void      mnist_net_set_threads(MnistNet *net, int threads);
/* The network's design as canonical text into buf; 0, or 1 if len is too small. */
int       mnist_net_design(const MnistNet *net, char *buf, size_t len);

/* ---- Reading digits (eval mode: BatchNorm's running statistics, no dropout). count images
 * (any count: run max_batch at a time) in, per image its 10 probabilities into probs (count x
 * MNIST_CLASSES floats) and its digit into digits (count ints); either may be NULL. 0, or 1 and
 * a message (count < 0, no images). A trainer's weight average is what a network holds after
 * mnist_trainer_show_model. */
int mnist_predict(MnistNet *net, const float *images, int count, float *probs, int *digits, char *err, size_t errlen);
int mnist_predict_bytes(MnistNet *net, const uint8_t *images, int count, float *probs, int *digits,
                        char *err, size_t errlen);
/* A drawing (ink: w x h floats in [0, 1], row-major, 0 = background, sides up to 4096) made an
 * MNIST digit as MNIST's were made: the ink's box scaled to fit 20 x 20, its centre of mass put
 * at the centre of 28 x 28; into out (MNIST_PIXELS floats, for mnist_predict). 1 if there was
 * ink, 0 for an empty drawing (out all zero), -1 for a size out of range. */
int mnist_preprocess_drawing(const float *ink, int w, int h, float *out);

/* ---- MNIST's IDX files, read in memory. A view points into buf (no copy): buf must outlive
 * it. Images: count x rows x cols bytes; labels: count bytes 0..9, rows = cols = 0. */
typedef struct {
    const uint8_t *data;
    int count, rows, cols;
} MnistIdxView;
/* 0, or 1 and a message (magic, sizes, length, a label above 9). */
int mnist_idx_read_images(const uint8_t *buf, size_t len, MnistIdxView *images, char *err, size_t errlen);
int mnist_idx_read_labels(const uint8_t *buf, size_t len, MnistIdxView *labels, char *err, size_t errlen);

/* ---- The training recipe: the fields of `mnist-train --help` (epochs, batch, lr, optimizer,
 * augment, seed, weight_decay, momentum, ..., docs/recipes.md), each with its range. */
typedef struct MnistTrainConfig MnistTrainConfig;

/* The i-th preset's name and what it is for (0 is the app's default), NULL past the last. */
const char *mnist_train_preset_name(int i);
const char *mnist_train_preset_help(int i);
/* The i-th field's name and help, NULL past the last. */
const char *mnist_train_field_name(int i);
const char *mnist_train_field_help(int i);
/* A recipe: a preset's (NULL: the reference recipe). NULL and a message naming the presets. */
MnistTrainConfig *mnist_train_config_create(const char *preset, char *err, size_t errlen);
void   mnist_train_config_free(MnistTrainConfig *cfg);
/* Changes as text, "epochs=3 batch=64 optimizer=adam augment=off seed=7", values written as
 * mnist-train takes them: all applied, or none and a message naming the field. */
int    mnist_train_config_apply(MnistTrainConfig *cfg, const char *changes, char *err, size_t errlen);
/* One field by number (a choice by its index, on/off as 1/0; a seed up to 2^53). */
int    mnist_train_config_set(MnistTrainConfig *cfg, const char *field, double value, char *err, size_t errlen);
int    mnist_train_config_get(const MnistTrainConfig *cfg, const char *field, double *value, char *err, size_t errlen);

/* ---- Training: epochs of shuffled mini-batches, in pieces of a few steps so the caller stays
 * in control. Reproducible from the recipe's seed (also with another thread count). The trainer
 * uses the network, the images and the labels it was given (28 x 28 images, labels 0..9 of the
 * same count), which must outlive it. A step whose loss, gradients or weights are not finite is
 * undone and stops the run (MnistProgress.diverged). */
typedef struct MnistTrainer MnistTrainer;

/* NULL and a message: a recipe whose batch is larger than the network's, images not 28 x 28,
 * counts that differ, a label above 9, out of memory. The network is not changed. */
MnistTrainer *mnist_trainer_create(MnistNet *net, const MnistTrainConfig *cfg, MnistIdxView images,
                                   MnistIdxView labels, char *err, size_t errlen);
void mnist_trainer_free(MnistTrainer *t);
/* At most n steps, never past the end of an epoch; the steps run (0: done or diverged). */
int  mnist_trainer_steps(MnistTrainer *t, int n);

typedef struct {
    uint64_t step, total_steps;    /* optimiser steps taken, planned */
    int epoch, steps_per_epoch;    /* the epoch the next step belongs to (0-based) */
    float loss, lr;                /* of the last step */
    double epoch_loss;             /* mean loss of the current epoch's steps so far */
    int done, diverged;
} MnistProgress;
void mnist_trainer_progress(const MnistTrainer *t, MnistProgress *progress);
/* Put the weights that evaluations, predictions and saved files should use into the network:
 * the recipe's weight average (field ema) once it has begun, else nothing changes. The next
 * mnist_trainer_steps puts the training weights back. mnist_evaluate and mnist_model_save do it
 * themselves when given the trainer. */
void mnist_trainer_show_model(MnistTrainer *t);

/* An evaluation over labelled images: confusion[truth][prediction]; loss = the mean negative
 * log-likelihood. */
typedef struct {
    int count, correct;
    double loss;
    int confusion[MNIST_CLASSES][MNIST_CLASSES];
} MnistEvaluation;
/* t may be NULL; with t (of this network) its weight average is shown first. 0, or 1 and a
 * message (shapes, counts, labels). */
int mnist_evaluate(MnistNet *net, MnistTrainer *t, MnistIdxView images, MnistIdxView labels, MnistEvaluation *out,
                   char *err, size_t errlen);

/* ---- Files. The model file is the app's (docs/model-format.md: versioned, CRC-checked; the
 * page's Save and Load, mnist-train --export): the design, the weights and, with a trainer, the
 * training state, so a run can go on. Loading checks the whole file (the gate above for its
 * design) before it changes anything. mnist_model_load and mnist_net_load also read
 * safetensors files (weights; the design in their metadata), telling them apart by their first
 * bytes. */

/* The model file into *out (the caller's: mnist_free); its size, or 0 and a message. t may be
 * NULL (weights only); with t (of this network), the training state too. */
size_t mnist_model_save(MnistNet *net, MnistTrainer *t, uint8_t **out, char *err, size_t errlen);
/* The design a file holds as text into design (len bytes), and whether it holds training
 * state (has_training may be NULL): to make a network for it. 0, or 1 and a message. */
int    mnist_model_read_design(const uint8_t *buf, size_t len, char *design, size_t design_len, int *has_training,
                               char *err, size_t errlen);
/* The file's weights into net (of the file's design). With t (of this network) a file's
 * training state is restored too; it must fit t's network and training set. 0, or 1 and a
 * message, net and t unchanged. */
int    mnist_model_load(MnistNet *net, MnistTrainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
/* A network of the file's design, made and loaded (NULL and a message). */
MnistNet *mnist_net_load(const uint8_t *buf, size_t len, int max_batch, int threads, char *err, size_t errlen);

/* Exports, each into *out (the caller's: mnist_free); the size, or 0 and a message.
 * safetensors: the weights and BatchNorm statistics named as PyTorch's state_dict of
 *   docs/network.md's definition (F32), the design in the metadata.
 * ONNX: opset 13; input "image" float [N, 1, 28, 28] in [0, 1] (the graph normalises), output
 *   "log_probs" [N, 10].
 * PyTorch: a Python file (NUL-terminated; the size leaves the NUL out) defining class MnistNet,
 *   whose load_state_dict(strict=True) takes the safetensors export. */
size_t mnist_safetensors_save(const MnistNet *net, uint8_t **out, char *err, size_t errlen);
size_t mnist_export_onnx(const MnistNet *net, uint8_t **out, char *err, size_t errlen);
size_t mnist_export_pytorch(const MnistNet *net, char **out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
