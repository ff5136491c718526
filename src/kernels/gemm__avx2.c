/* gemm__avx2.c - C (+)= A*B with AVX2 + FMA (x86-64). This file alone is compiled with
 * -mavx2 -mfma; gemm.c calls it only after __builtin_cpu_supports says the CPU has both.
 * Register tile: 4 rows x 16 columns (two __m256) = 8 accumulators; column tails 8-wide, then
 * 4-wide (like the wasm variant), then scalar. */
#if defined(__x86_64__)
#include "gemm.h"
#include <immintrin.h>

static inline void store_or_add(float *c, __m256 v, int accumulate) {
    if (accumulate) v = _mm256_add_ps(_mm256_loadu_ps(c), v);
    _mm256_storeu_ps(c, v);
}

static void tile_4x16(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00,
           c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        __m256 x = _mm256_broadcast_ss(a0 + k);
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + k);
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + k);
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + k);
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    }
    store_or_add(C[0] + n, c00, acc); store_or_add(C[0] + n + 8, c01, acc);
    store_or_add(C[1] + n, c10, acc); store_or_add(C[1] + n + 8, c11, acc);
    store_or_add(C[2] + n, c20, acc); store_or_add(C[2] + n + 8, c21, acc);
    store_or_add(C[3] + n, c30, acc); store_or_add(C[3] + n + 8, c31, acc);
}

static void tile_1x16(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    __m256 c0 = _mm256_setzero_ps(), c1 = c0;
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        __m256 x = _mm256_broadcast_ss(A + k);
        c0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b), c0);
        c1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 8), c1);
    }
    store_or_add(C, c0, acc);
    store_or_add(C + 8, c1, acc);
}

/* 8-column panels (a layer of 8 output channels' weight gradient) four rows at a time: one
 * accumulator per row alone would wait on the FMA latency every step */
static void tile_4x8(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        __m256 b = _mm256_loadu_ps(B[k] + n);
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + k), b, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + k), b, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + k), b, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + k), b, c3);
    }
    store_or_add(C[0] + n, c0, acc); store_or_add(C[1] + n, c1, acc);
    store_or_add(C[2] + n, c2, acc); store_or_add(C[3] + n, c3, acc);
}

static void tile_1x8(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    __m256 c0 = _mm256_setzero_ps();
    for (int k = 0; k < K; k++)
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(A + k), _mm256_loadu_ps(B[k] + n), c0);
    store_or_add(C, c0, acc);
}

/* 4-column tails (e.g. 196 = 12 x 16 + 4 outputs of a 14x14 layer) in SSE registers with FMA:
 * left to the scalar loop they took ~7 % of a training step */
static inline void store_or_add4(float *c, __m128 v, int accumulate) {
    if (accumulate) v = _mm_add_ps(_mm_loadu_ps(c), v);
    _mm_storeu_ps(c, v);
}

static void tile_4x4(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    __m128 c0 = _mm_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        __m128 b = _mm_loadu_ps(B[k] + n);
        c0 = _mm_fmadd_ps(_mm_broadcast_ss(a0 + k), b, c0);
        c1 = _mm_fmadd_ps(_mm_broadcast_ss(a1 + k), b, c1);
        c2 = _mm_fmadd_ps(_mm_broadcast_ss(a2 + k), b, c2);
        c3 = _mm_fmadd_ps(_mm_broadcast_ss(a3 + k), b, c3);
    }
    store_or_add4(C[0] + n, c0, acc); store_or_add4(C[1] + n, c1, acc);
    store_or_add4(C[2] + n, c2, acc); store_or_add4(C[3] + n, c3, acc);
}

static void tile_1x4(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    __m128 c0 = _mm_setzero_ps();
    for (int k = 0; k < K; k++) c0 = _mm_fmadd_ps(_mm_broadcast_ss(A + k), _mm_loadu_ps(B[k] + n), c0);
    store_or_add4(C, c0, acc);
}

void gemm_avx2(int M, int N, int K, const float *const *A, const float *const *B,
               float *const *C, int accumulate) {
    gemm_avx2_columns(M, 0, N, K, A, B, C, accumulate);
}

void gemm_avx2_columns(int M, int n, int N, int K, const float *const *A, const float *const *B,
                       float *const *C, int accumulate) {
    for (; n + 16 <= N; n += 16) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x16(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x16(K, A[m], B, n, C[m] + n, accumulate);
    }
    for (; n + 8 <= N; n += 8) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x8(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x8(K, A[m], B, n, C[m] + n, accumulate);
    }
    for (; n + 4 <= N; n += 4) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x4(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x4(K, A[m], B, n, C[m] + n, accumulate);
    }
    if (n < N) gemm_scalar_columns(M, n, N, K, A, B, C, accumulate);
}
#endif
