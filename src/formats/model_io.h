/* model_io.h - the model file: versioned, little-endian, CRC-checked (format in docs/model-format.md).
 *
 * model_save serialises a Net (parameters and BatchNorm running statistics) and, when a
 * Trainer is given, its training state (config, step, optimiser buffers) into a malloc'd
 * buffer the caller frees. model_load checks the whole file (magic, version, CRC32, sizes,
 * architecture, tensor names and shapes, finite values) *before* touching the Net or Trainer,
 * so a wrong, truncated, corrupt or foreign file leaves the model in memory unchanged.
 * model_read_arch reads only the architecture, to create a matching Net first. Both put the
 * file's design through the gate (arch_spec.h arch_design_check: 1 x 28 x 28 input, fc10 last,
 * the exercise's rules and the limits) before anything else, and a file of versions 1 to 3
 * must hold the reference net. */
#ifndef MODEL_IO_H
#define MODEL_IO_H
#include <stddef.h>
#include <stdint.h>
#include "nn/net.h"
#include "train/trainer.h"
#include "tensors.h"

#define MODEL_MAGIC "MNISTNET"
#define MODEL_VERSION 5u           /* written; versions 1 to 5 are read (docs/model-format.md) */

/* With t, the Net is first made to hold the model (trainer_show_model). 0 on out-of-memory. */
size_t model_save(const Net *net, Trainer *t, uint8_t **out);
int    model_read_arch(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen);
/* t may be NULL (weights only: the training state, if any, is checked but not used, so its
 * batch size does not matter); with t, a file with training state restores it too, and is
 * refused unless its batch fits the Net and its steps per epoch match t's training set. */
int    model_load(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
#endif
