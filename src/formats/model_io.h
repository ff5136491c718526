/* model_io.h - the model file: versioned, little-endian, CRC-checked (format in docs/model-format.md).
 *
 * model_save serialises a Net (parameters and BatchNorm running statistics) and, when a
 * Trainer is given, its training state (config, step, optimiser buffers) into a malloc'd
 * buffer the caller frees. model_load checks the whole file (magic, version, CRC32, sizes,
 * architecture, tensor names and shapes, finite values) *before* touching the Net or Trainer,
 * so a wrong, truncated, corrupt or foreign file leaves the model in memory unchanged.
 * model_read_arch reads only the architecture, to create a matching Net first. */
#ifndef MODEL_IO_H
#define MODEL_IO_H
#include <stddef.h>
#include <stdint.h>
#include "nn/net.h"
#include "train/trainer.h"

#define MODEL_MAGIC "MNISTNET"
#define MODEL_VERSION 3u           /* written; versions 1 to 3 are read (docs/model-format.md) */
#define MODEL_MAX_BYTES ((unsigned)LIMIT_MODEL_MAX_BYTES)

uint32_t crc32_ieee(const uint8_t *p, size_t n);

/* The tensors of a Net in file order, named as PyTorch's state_dict of the definition in
 * docs/network.md: conv<i>.weight, bn<i>.weight, bn<i>.bias ... fc.weight, fc.bias, then
 * bn<i>.running_mean, bn<i>.running_var, then (with t) optim.m, optim.v and, once a weight
 * average has begun (t->avg_count > 0), optim.weights: the training weights and BatchNorm
 * statistics, while the model tensors before them are the average (then the Net must hold the
 * average: trainer_show_model, else -1). data points into the Net (or Trainer). Returns the
 * count (may exceed max; only max are filled). */
typedef struct { char name[40]; int ndim; uint32_t dims[4]; float *data; } TensorRef;
int model_list_tensors(const Net *net, const Trainer *t, TensorRef *out, int max);
#define MODEL_MAX_TENSORS (2 * NET_MAX_LAYERS * 3 + 8)
/* With t, the Net is first made to hold the model (trainer_show_model). 0 on out-of-memory. */
size_t model_save(const Net *net, Trainer *t, uint8_t **out);
int    model_read_arch(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen);
/* t may be NULL (weights only: the training state, if any, is checked but not used, so its
 * batch size does not matter); with t, a file with training state restores it too, and is
 * refused unless its batch fits the Net and its steps per epoch match t's training set. */
int    model_load(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
/* A model file or a safetensors file (safetensors.h), told apart by their first bytes; a
 * safetensors file holds weights only. Refused files leave net and t unchanged. */
int    model_load_any(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
#endif
