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
#include "net.h"
#include "trainer.h"

#define MODEL_MAGIC "MNISTNET"
#define MODEL_VERSION 2u           /* written; versions 1 and 2 are read (docs/model-format.md) */
#define MODEL_MAX_BYTES ((unsigned)LIMIT_MODEL_MAX_BYTES)

uint32_t crc32_ieee(const uint8_t *p, size_t n);
size_t model_save(const Net *net, const Trainer *t, uint8_t **out);     /* 0 on out-of-memory */
int    model_read_arch(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen);
/* t may be NULL (weights only: the training state, if any, is checked but not used, so its
 * batch size does not matter); with t, a file with training state restores it too, and is
 * refused unless its batch fits the Net and its steps per epoch match t's training set. */
int    model_load(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
#endif
