/* export_pytorch.h - a design as PyTorch code: a Python file that imports only torch and
 * defines class MnistNet, whose MnistNet() builds the design with the parameter names of
 * tensors.h, so load_state_dict(strict=True) takes the safetensors export (or the model
 * file's tensors) as it is. Input: [N, 1, 28, 28], normalised as docs/network.md says; output:
 * log-probabilities [N, 10]. Dropout follows each layer's own p, else the `dropout` argument
 * (the net's rate by default). */
#ifndef EXPORT_PYTORCH_H
#define EXPORT_PYTORCH_H
#include <stddef.h>
#include "nn/net.h"

/* the source into a malloc'd NUL-terminated buffer the caller frees; its length, or 0 and a message */
size_t pytorch_export(const Net *net, char **out, char *err, size_t errlen);
#endif
