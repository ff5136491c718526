/* safetensors.h - the network's weights in the safetensors format (Hugging Face's), for PyTorch
 * and the tools around it.
 *
 * File: u64 little-endian N, N bytes of JSON header, then the tensors' bytes. The header maps
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end)} (offsets into the data
 * after the header) and may hold "__metadata__" (strings). Names and layouts are PyTorch's
 * state_dict of the definition in docs/network.md (tensors.h: conv<i>.weight, conv<i>.bias or
 * bn<i>.weight, bn<i>.bias, bn<i>.running_mean, bn<i>.running_var, bn<i>.num_batches_tracked,
 * fc.weight, fc.bias or fc<j>.*). The metadata's "architecture" is the design's text form
 * (nn/arch_spec.h); a file without it is the reference net's.
 *
 * safetensors_save writes the Net's parameters and BatchNorm statistics (F32; the
 * num_batches_tracked scalars as I64 zeros) into a malloc'd buffer the caller frees.
 * safetensors_load checks everything first (header form and size, every name known and
 * present once, dtypes, shapes, offsets contiguous and covering the data exactly, finite
 * values, architecture metadata if present) and only then copies: a refused file leaves the
 * Net unchanged. */
#ifndef SAFETENSORS_H
#define SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>
#include "nn/net.h"

#define SAFETENSORS_MAX_HEADER (1u << 20)

size_t safetensors_save(const Net *net, uint8_t **out);                 /* 0 on out-of-memory */
/* 1 if buf starts like a safetensors file (8 bytes of header length, then '{'); 0 otherwise */
int    safetensors_detect(const uint8_t *buf, size_t len);
int    safetensors_load(Net *net, const uint8_t *buf, size_t len, char *err, size_t errlen);
/* the design the file's metadata names (to create a matching Net first); 0, or 1 and a message */
int    safetensors_read_arch(const uint8_t *buf, size_t len, NetArch *arch, char *err, size_t errlen);
#endif
