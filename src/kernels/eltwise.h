/* eltwise.h - the per-channel elementwise work around BatchNorm, for one channel of one image
 * (n contiguous values): statistics, normalise + ReLU, and the two backward passes.
 *
 * Sums use 8 lanes (lane = index mod 8, in index order) and are returned in float; callers
 * add lanes and images in a fixed order, so results never depend on threads. Two variants,
 * one file each: eltwise__scalar.c (reference) and eltwise__vec.c (GCC/Clang portable vector
 * extensions, 4 floats: SSE natively, SIMD128 in wasm). Both do the same operations in the same
 * order without FMA, so they agree to the bit; tests/c/test_kernels.c checks it. */
#ifndef ELTWISE_H
#define ELTWISE_H

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
} EltwiseKernels;

extern const EltwiseKernels eltwise_scalar, eltwise_vec;
#endif
