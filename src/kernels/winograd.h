/* winograd.h - 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin &
 * Gray 2015): each 2x2 block of outputs costs 16 multiplications per input channel instead of
 * 36, so the multiply-adds of a 3x3 layer fall 2.25-fold; the price is a transform of every
 * 4x4 input patch and of every 4x4 block of products (additions only) and a little rounding.
 *
 *   y[k][p][q] = sum_c sum_{r,s < 3} w[k][c][r][s] * x[c][p + r - pad][q + s - pad]
 *
 * for p < P, q < Q, with x taken as 0 outside its C x H x W (so pad = 0 is the network's
 * forward convolution, and pad = 2 with the weights flipped and transposed is its backward-data
 * pass, the "full" correlation of the output gradient; the weight gradient goes through the
 * same domain, winograd_weight_gradient below). Layouts, all row-major float:
 *   U (winograd_weights)   16 x K x C   transformed weights, G g G^T per (k, c)
 *   scratch                winograd_scratch_floats(C, K, P, Q) floats, owned by the caller
 * The 16 products of the transformed domain are one GEMM each (gemm.h: U[xi] (K x C) times the
 * transformed patches (C x tiles)), so they run in the same micro-kernels as every other layer.
 * Every output is a function of its own image only: results never depend on threads.
 * kernel_check_winograd (kernel_check.h) compares it with the direct convolution in double. */
#ifndef WINOGRAD_H
#define WINOGRAD_H
#include <stddef.h>

size_t winograd_scratch_floats(int C, int K, int P, int Q);
/* w is K x C x 3 x 3 (flip = 0), or, with flip = 1, a Kw x Cw x 3 x 3 tensor read as the
 * Cw-output, Kw-input, 180-degree-rotated filters of the backward-data pass (then K = Cw, C = Kw). */
void winograd_weights(const float *w, int K, int C, int flip, float *U);
void winograd_conv(const float *x, int C, int H, int W, int pad, const float *U, int K, float *y, int P, int Q,
                   float *scratch);

/* The transforms, two variants with the same operations in the same order (so the same bits):
 * winograd_scalar (winograd.c, tile by tile: the reference) and winograd_vec
 * (kernels/winograd__vec.c: the transforms four tiles, or four channels, at a time in portable
 * 4-float vectors, SSE natively and SIMD128 in wasm). V is 16 x C x tiles, M is 16 x K x tiles, tiles = TP x TQ
 * row-major. */
typedef struct {
    void (*input)(const float *x, int C, int H, int W, int pad, int TP, int TQ, float *V);
    void (*output)(const float *M, int K, int P, int Q, int TP, int TQ, float *y);
    /* the weight gradient's: D (16 x tiles x K) = A dY A^T of every 2x2 block of dy (K x P x Q) */
    void (*output_gradient)(const float *dy, int K, int P, int Q, int TP, int TQ, float *D);
} WinogradTransforms;
extern const WinogradTransforms winograd_scalar, winograd_vec;
/* the scalar output-gradient transform for channels k0 <= k < K only (the vector one's tail) */
void winograd_output_gradient_channels(const float *dy, int k0, int K, int P, int Q, int TP, int TQ, float *D);
void winograd_conv_using(const WinogradTransforms *tr, const float *x, int C, int H, int W, int pad, const float *U,
                         int K, float *y, int P, int Q, float *scratch);
/* The weight gradient of the forward (pad 0) convolution of x (C x H x W) whose output gradient
 * is dy (K x P x Q): accumulated in the transformed domain, dUT (16 x C x K) += this image's
 * part (scratch: winograd_scratch_floats(C, K, P, Q)); then, once for all images,
 * dw (K x C x 3 x 3) += G^T dU G (winograd_weight_gradient_finish, in double). */
void winograd_weight_gradient(const float *x, int C, int H, int W, const float *dy, int K, int P, int Q,
                              float *dUT, float *scratch);
void winograd_weight_gradient_using(const WinogradTransforms *tr, const float *x, int C, int H, int W, const float *dy,
                                    int K, int P, int Q, float *dUT, float *scratch);
void winograd_weight_gradient_finish(const float *dUT, int C, int K, float *dw);
#endif
