/* gemm__avx512.c - C (+)= A*B with AVX-512F (x86-64). This file alone is compiled with
 * -mavx512f -mfma; gemm.c calls it only after __builtin_cpu_supports("avx512f") on the CPU.
 * Register tile: 4 rows x 32 columns (two __m512) = 8 accumulators, the AVX2 kernel's shape at
 * twice the width; the column tails go to 16-wide, then to the AVX2 kernel's 8-, 4-wide and scalar
 * code, so every k is summed in increasing order into a zeroed register (FMA: rounding
 * differs from the scalar reference only by the fused multiply-add). */
#if defined(__x86_64__)
#include "gemm.h"
#include <immintrin.h>

static inline void store_or_add(float *c, __m512 v, int accumulate) {
    if (accumulate) v = _mm512_add_ps(_mm512_loadu_ps(c), v);
    _mm512_storeu_ps(c, v);
}

static void tile_4x32(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00,
           c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        __m512 x = _mm512_set1_ps(a0[k]);
        c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(a1[k]);
        c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(a2[k]);
        c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(a3[k]);
        c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
    }
    store_or_add(C[0] + n, c00, acc); store_or_add(C[0] + n + 16, c01, acc);
    store_or_add(C[1] + n, c10, acc); store_or_add(C[1] + n + 16, c11, acc);
    store_or_add(C[2] + n, c20, acc); store_or_add(C[2] + n + 16, c21, acc);
    store_or_add(C[3] + n, c30, acc); store_or_add(C[3] + n + 16, c31, acc);
}

static void tile_4x16(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        __m512 b = _mm512_loadu_ps(B[k] + n);
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[k]), b, c0);
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[k]), b, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[k]), b, c2);
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[k]), b, c3);
    }
    store_or_add(C[0] + n, c0, acc); store_or_add(C[1] + n, c1, acc);
    store_or_add(C[2] + n, c2, acc); store_or_add(C[3] + n, c3, acc);
}

static void tile_1x32(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0;
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        __m512 x = _mm512_set1_ps(A[k]);
        c0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b), c0);
        c1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(b + 16), c1);
    }
    store_or_add(C, c0, acc);
    store_or_add(C + 16, c1, acc);
}

static void tile_1x16(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    __m512 c0 = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) c0 = _mm512_fmadd_ps(_mm512_set1_ps(A[k]), _mm512_loadu_ps(B[k] + n), c0);
    store_or_add(C, c0, acc);
}

void gemm_avx512(int M, int N, int K, const float *const *A, const float *const *B,
                 float *const *C, int accumulate) {
    int n = 0;
    for (; n + 32 <= N; n += 32) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x32(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x32(K, A[m], B, n, C[m] + n, accumulate);
    }
    for (; n + 16 <= N; n += 16) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x16(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x16(K, A[m], B, n, C[m] + n, accumulate);
    }
    if (n < N) gemm_avx2_columns(M, n, N, K, A, B, C, accumulate);   /* 8-, 4-wide, then scalar */
}
#endif
