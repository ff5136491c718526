/* gemm__avx512.c - C (+)= A*B with AVX-512F (x86-64). This file alone is compiled with
 * -mavx512f -mfma; gemm.c calls it only after __builtin_cpu_supports("avx512f") on the CPU.
 * Register tile: 8 rows x 32 columns (two __m512) = 16 accumulators, which covers the FMA
 * latency of two FMA ports (4 rows, 8 accumulators, left them half idle: see README "Speed");
 * then 4 rows, then single rows. Column panels of 32, then one of 16, then one masked panel
 * of the next 4, 8 or 12 columns (masked loads and stores touch no memory outside them); the
 * last 1-3 columns in a masked panel with separate multiply and add, the scalar reference's
 * rounding to the bit, as they had when they went to the AVX2 kernel's scalar tail.
 * That keeps the native rounding of the PyTorch comparison's seed-11 Adam rows, which turn a
 * change of rounding order into updates of +-lr (tests/torch/compare.py): all-FMA tails moved
 * them from 1e-6 to 6.9e-3, as far as PyTorch's own float32 run is from float64.
 * Every k is summed in increasing order into a zeroed register (FMA: rounding differs from
 * the scalar reference only by the fused multiply-add). */
#if defined(__x86_64__)
#include "gemm.h"
#include <immintrin.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE void store_or_add(float *c, __m512 v, __mmask16 mask, int accumulate) {
    if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c), v);
    _mm512_mask_storeu_ps(c, mask, v);
}

/* ROWS x (16 * VECS) columns at n; mask0/mask1 select the columns of each vector. ROWS and
 * VECS are constants at every call, so the loops unroll and the accumulators live in registers. */
ALWAYS_INLINE __m512 madd(const int FUSED, __m512 a, __m512 b, __m512 c) {
    return FUSED ? _mm512_fmadd_ps(a, b, c) : _mm512_add_ps(c, _mm512_mul_ps(a, b));
}

ALWAYS_INLINE void tile(const int FUSED, const int ROWS, const int VECS, int K, const float *const *A,
                        const float *const *B, int n, __mmask16 mask0, __mmask16 mask1, float *const *C, int acc) {
    __m512 c0[8], c1[8];
    for (int r = 0; r < ROWS; r++) c0[r] = c1[r] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        __m512 b0 = _mm512_maskz_loadu_ps(mask0, b), b1 = b0;
        if (VECS == 2) b1 = _mm512_maskz_loadu_ps(mask1, b + 16);
        for (int r = 0; r < ROWS; r++) {
            __m512 x = _mm512_set1_ps(A[r][k]);
            c0[r] = madd(FUSED, x, b0, c0[r]);
            if (VECS == 2) c1[r] = madd(FUSED, x, b1, c1[r]);
        }
    }
    for (int r = 0; r < ROWS; r++) {
        store_or_add(C[r] + n, c0[r], mask0, acc);
        if (VECS == 2) store_or_add(C[r] + n + 16, c1[r], mask1, acc);
    }
}

/* all rows of one column panel */
ALWAYS_INLINE void panel(const int FUSED, const int VECS, int M, int K, const float *const *A, const float *const *B,
                         int n, __mmask16 mask0, __mmask16 mask1, float *const *C, int acc) {
    int m = 0;
    for (; m + 8 <= M; m += 8) tile(FUSED, 8, VECS, K, A + m, B, n, mask0, mask1, C + m, acc);
    for (; m + 4 <= M; m += 4) tile(FUSED, 4, VECS, K, A + m, B, n, mask0, mask1, C + m, acc);
    for (; m < M; m++) tile(FUSED, 1, VECS, K, A + m, B, n, mask0, mask1, C + m, acc);
}

void gemm_avx512(int M, int N, int K, const float *const *A, const float *const *B,
                 float *const *C, int accumulate) {
    const __mmask16 all = 0xFFFF;
    int n = 0;
    for (; n + 32 <= N; n += 32) panel(1, 2, M, K, A, B, n, all, all, C, accumulate);
    if (n + 16 <= N) { panel(1, 1, M, K, A, B, n, all, all, C, accumulate); n += 16; }
    int fours = (N - n) & ~3;
    if (fours) { panel(1, 1, M, K, A, B, n, (__mmask16)((1u << fours) - 1), 0, C, accumulate); n += fours; }
    if (n < N) panel(0, 1, M, K, A, B, n, (__mmask16)((1u << (N - n)) - 1), 0, C, accumulate);   /* unfused */
}
#endif
