/* model_any.h - the front door for a model that comes from outside (the page's Load, the
 * tools' --model): it tells the formats apart by their first bytes and hands the file to the
 * one it is. The formats themselves know nothing of each other.
 *
 * A model file (model_io.h) or a safetensors file (safetensors.h; weights only). Refused files
 * leave net and t unchanged. */
#ifndef MODEL_ANY_H
#define MODEL_ANY_H
#include "model_io.h"

int model_load_any(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen);
/* the design of either kind of file, to create a Net for it; has_training may be NULL */
int model_read_arch_any(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen);
#endif
