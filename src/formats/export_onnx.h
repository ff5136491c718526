/* export_onnx.h - the network as an ONNX model (opset 13, IR version 7) for onnxruntime,
 * Netron and the rest of the ONNX world; docs/network.md says what the graph is.
 *
 * Input "image": float32 [N, 1, 28, 28] of raw intensities in [0, 1] (the graph normalises);
 * output "log_probs": float32 [N, classes]. Conv -> BatchNormalization (running statistics,
 * epsilon as the Net's) -> Relu per conv layer, MaxPool, GlobalAveragePool, Flatten, Gemm,
 * LogSoftmax; dropout is left out (inference). The weights are the Net's, unchanged.
 * onnx_export writes a malloc'd buffer the caller frees; returns its size, or 0 with a message. */
#ifndef EXPORT_ONNX_H
#define EXPORT_ONNX_H
#include <stddef.h>
#include <stdint.h>
#include "nn/net.h"

size_t onnx_export(const Net *net, uint8_t **out, char *err, size_t errlen);
#endif
