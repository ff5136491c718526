/* eltwise.h - the per-channel elementwise work around BatchNorm, for one channel of one image
 * (n contiguous values): statistics, normalise + ReLU, and the two backward passes; and the
 * 2x2 max-pool's rows; and dropout.
 *
 * Sums use 8 lanes (lane = index mod 8, in index order) and are returned in float; callers
 * add lanes and images in a fixed order, so results never depend on threads. Two variants,
 * one file each: eltwise__scalar.c (reference) and eltwise__vec.c (GCC/Clang portable vector
 * extensions, 4 floats: SSE natively, SIMD128 in wasm). Both do the same operations in the same
 * order without FMA, so they agree to the bit; tests/c/test_kernels.c checks it. */
#ifndef ELTWISE_H
#define ELTWISE_H
#include <stdint.h>

typedef struct {
    /* s[i] = sum x, ss[i] = sum x^2 over lane i */
    void (*channel_sums)(const float *x, int n, float s[8], float ss[8]);
    /* out = max(0, pre * a + b) */
    void (*bn_relu)(const float *pre, float *out, int n, float a, float b);
    /* g = out > 0 ? dz * scale : 0 (in place in dz); s += g, sx += g * (pre - mean) * invstd */
    void (*bn_relu_backward_sums)(float *dz, const float *out, const float *pre, int n, float mean, float invstd,
                                  float scale, float s[8], float sx[8]);
    /* dz = a * (dz - mean_dz - (pre - mean) * invstd * mean_dzx) */
    void (*bn_backward_apply)(float *dz, const float *pre, int n, float a, float mean, float invstd,
                              float mean_dz, float mean_dzx);
    /* one output row of a 2x2, stride-2 max-pool: the windows (r0[2q], r0[2q+1], r1[2q],
     * r1[2q+1]) for q < Q; y[q] = their maximum, arg[q] = its index 0-3 in that order (ties keep
     * the earlier one; a NaN never wins). Selects, not branches: branches on activations
     * mispredict, and the branchy loop took ~11 % of a training step. */
    void (*maxpool2_row)(const float *r0, const float *r1, int Q, float *y, uint8_t *arg);
    /* inverted dropout: x = draw < threshold ? 0 : x * scale, one 16-bit draw per value. A
     * select, not a branch (drops are random: a branch on them mispredicts) */
    void (*dropout)(float *x, const uint16_t *draw, int n, uint32_t threshold, float scale);
} EltwiseKernels;

extern const EltwiseKernels eltwise_scalar, eltwise_vec;
#endif
