/* gemm__wasmsimd.c - C (+)= A*B with WebAssembly SIMD128.
 * Register tile: 4 rows of A x 8 columns of B (two v128) = 8 accumulators. Loop order: column
 * panels of 8 outside, row blocks of 4 inside, so one K x 8 panel of B stays in L1 while all of
 * A streams past it (the matrices here are at most 144 x 676: no packing needed). Tails: 4-wide
 * columns, then scalar columns; leftover rows one at a time. mul + add (no FMA in this wasm). */
#if defined(__wasm_simd128__)
#include "gemm.h"
#include <wasm_simd128.h>

static inline void store_or_add(float *c, v128_t v, int accumulate) {
    if (accumulate) v = wasm_f32x4_add(wasm_v128_load(c), v);
    wasm_v128_store(c, v);
}

static void tile_4x8(int K, const float *const *A, const float *const *B, int n, float *const *C, int acc) {
    v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00,
           c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x = wasm_v128_load32_splat(a0 + k);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a1 + k);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a2 + k);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x, b1));
        x = wasm_v128_load32_splat(a3 + k);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x, b1));
    }
    store_or_add(C[0] + n, c00, acc); store_or_add(C[0] + n + 4, c01, acc);
    store_or_add(C[1] + n, c10, acc); store_or_add(C[1] + n + 4, c11, acc);
    store_or_add(C[2] + n, c20, acc); store_or_add(C[2] + n + 4, c21, acc);
    store_or_add(C[3] + n, c30, acc); store_or_add(C[3] + n + 4, c31, acc);
}

static void tile_1x8(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    v128_t c0 = wasm_f32x4_splat(0), c1 = c0;
    for (int k = 0; k < K; k++) {
        const float *b = B[k] + n;
        v128_t x = wasm_v128_load32_splat(A + k);
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(x, wasm_v128_load(b)));
        c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(x, wasm_v128_load(b + 4)));
    }
    store_or_add(C, c0, acc);
    store_or_add(C + 4, c1, acc);
}

static void tile_1x4(int K, const float *A, const float *const *B, int n, float *C, int acc) {
    v128_t c0 = wasm_f32x4_splat(0);
    for (int k = 0; k < K; k++)
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load32_splat(A + k), wasm_v128_load(B[k] + n)));
    store_or_add(C, c0, acc);
}

void gemm_wasmsimd(int M, int N, int K, const float *const *A, const float *const *B,
                   float *const *C, int accumulate) {
    int n = 0;
    for (; n + 8 <= N; n += 8) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x8(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x8(K, A[m], B, n, C[m] + n, accumulate);
    }
    for (; n + 4 <= N; n += 4)
        for (int m = 0; m < M; m++) tile_1x4(K, A[m], B, n, C[m] + n, accumulate);
    if (n < N) gemm_scalar_columns(M, n, N, K, A, B, C, accumulate);
}
#endif
