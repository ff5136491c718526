/* tensors.h - the tensors of a Net (and of its Trainer's state) by name: what every file format
 * here writes and reads, and the one place that names them. The formats (model_io.h,
 * safetensors.h, export_onnx.h) share this and nothing else of each other. */
#ifndef TENSORS_H
#define TENSORS_H
#include <stdint.h>
#include "nn/net.h"
#include "train/trainer.h"

#define MODEL_MAX_BYTES ((unsigned)LIMIT_MODEL_MAX_BYTES)   /* largest model file of any format read */

/* The tensors of a Net in file order, named as PyTorch's state_dict of the definition in
 * docs/network.md, layer by layer: conv<i>.weight, then conv<i>.bias (without BatchNorm) or
 * bn<i>.weight, bn<i>.bias (i counts the convolutions); fc.weight, fc.bias for a design with one
 * fully connected layer, fc<j>.weight, fc<j>.bias for each of several; then bn<i>.running_mean,
 * bn<i>.running_var of the convolutions with BatchNorm, then (with t) optim.m, optim.v and, once a weight
 * average has begun (t->avg_count > 0), optim.weights: the training weights and BatchNorm
 * statistics, while the model tensors before them are the average (then the Net must hold the
 * average: trainer_show_model, else -1). data points into the Net (or Trainer). Returns the
 * count (may exceed max; only max are filled). */
typedef struct { char name[40]; int ndim; uint32_t dims[4]; float *data; } TensorRef;
int model_list_tensors(const Net *net, const Trainer *t, TensorRef *out, int max);
/* at most 3 tensors per layer, twice over (parameters, BatchNorm state), and the optimiser's */
#define MODEL_MAX_TENSORS (2 * NET_MAX_LAYERS * 3 + 8)
#endif
