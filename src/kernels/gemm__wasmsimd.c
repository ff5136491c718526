/* gemm__wasmsimd.c - C (+)= A*B with WebAssembly SIMD128.
 * Register tile: 4 rows of A x 8 columns of B (two v128) = 8 accumulators. Loop order: column
 * panels of 8 outside, row blocks of 4 inside, so one K x 8 panel of B stays in L1 while all of
 * A streams past it (the matrices here are at most 144 x 676: no packing needed). Tails: 4-wide
 * columns, then the last 1-3 columns by partial loads and stores, four rows at a time; leftover
 * rows one at a time. mul + add (SIMD128 has no FMA): the scalar reference's bits.
 * gemm__wasmrelaxed.c compiles this file again with GEMM_WASM_RELAXED: the same tiles with
 * relaxed SIMD's multiply-add (one fused instruction where the engine's CPU has FMA). */
#if defined(__wasm_simd128__)
#include "gemm.h"
#include <wasm_simd128.h>

#if defined(GEMM_WASM_RELAXED)
/* acc + x*y. Written with clang 14's builtin of the relaxed-SIMD prototype (the only one this
 * Emscripten knows), whose opcode scripts/relax-wasm.mjs rewrites after the link into the
 * standard f32x4.relaxed_madd(a, b, c) = a*b + c: the operands are given in that order. */
#define MADD(acc, x, y) __builtin_wasm_fma_f32x4((x), (y), (acc))
#define GEMM_WASM_FN gemm_wasmrelaxed
#else
#define MADD(acc, x, y) wasm_f32x4_add((acc), wasm_f32x4_mul((x), (y)))
#define GEMM_WASM_FN gemm_wasmsimd
#endif

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
        c00 = MADD(c00, x, b0);
        c01 = MADD(c01, x, b1);
        x = wasm_v128_load32_splat(a1 + k);
        c10 = MADD(c10, x, b0);
        c11 = MADD(c11, x, b1);
        x = wasm_v128_load32_splat(a2 + k);
        c20 = MADD(c20, x, b0);
        c21 = MADD(c21, x, b1);
        x = wasm_v128_load32_splat(a3 + k);
        c30 = MADD(c30, x, b0);
        c31 = MADD(c31, x, b1);
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
        c0 = MADD(c0, x, wasm_v128_load(b));
        c1 = MADD(c1, x, wasm_v128_load(b + 4));
    }
    store_or_add(C, c0, acc);
    store_or_add(C + 4, c1, acc);
}

/* 4-column panels four rows at a time (one accumulator per row alone would wait on the add
 * latency), and the last 1-3 columns the same way through partial loads and stores (left to
 * the scalar loop they took ~3 % of a wasm training step: the Winograd GEMMs have 121, 25, 9,
 * 169 ... columns). Lanes past the columns are loaded as zeros and never stored. */
static inline v128_t load_part(const float *p, int cols) {
    if (cols == 4) return wasm_v128_load(p);
    if (cols == 1) return wasm_v128_load32_zero(p);
    v128_t v = wasm_v128_load64_zero(p);
    return cols == 3 ? wasm_v128_load32_lane(p + 2, v, 2) : v;
}

static inline void store_part(float *p, v128_t v, int cols, int acc) {
    if (acc) v = wasm_f32x4_add(load_part(p, cols), v);
    if (cols == 4) { wasm_v128_store(p, v); return; }
    if (cols == 1) { wasm_v128_store32_lane(p, v, 0); return; }
    wasm_v128_store64_lane(p, v, 0);
    if (cols == 3) wasm_v128_store32_lane(p + 2, v, 2);
}

static void tile_4x4(int K, const float *const *A, const float *const *B, int n, int cols, float *const *C, int acc) {
    v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
    const float *a0 = A[0], *a1 = A[1], *a2 = A[2], *a3 = A[3];
    for (int k = 0; k < K; k++) {
        v128_t b = load_part(B[k] + n, cols);
        c0 = MADD(c0, wasm_v128_load32_splat(a0 + k), b);
        c1 = MADD(c1, wasm_v128_load32_splat(a1 + k), b);
        c2 = MADD(c2, wasm_v128_load32_splat(a2 + k), b);
        c3 = MADD(c3, wasm_v128_load32_splat(a3 + k), b);
    }
    store_part(C[0] + n, c0, cols, acc); store_part(C[1] + n, c1, cols, acc);
    store_part(C[2] + n, c2, cols, acc); store_part(C[3] + n, c3, cols, acc);
}

static void tile_1x4_part(int K, const float *A, const float *const *B, int n, int cols, float *C, int acc) {
    v128_t c0 = wasm_f32x4_splat(0);
    for (int k = 0; k < K; k++)
        c0 = MADD(c0, wasm_v128_load32_splat(A + k), load_part(B[k] + n, cols));
    store_part(C, c0, cols, acc);
}

/* columns n .. n + cols - 1 (cols <= 4) of every row */
static void panel_4(int M, int K, const float *const *A, const float *const *B, int n, int cols, float *const *C,
                    int acc) {
    int m = 0;
    for (; m + 4 <= M; m += 4) tile_4x4(K, A + m, B, n, cols, C + m, acc);
    for (; m < M; m++) tile_1x4_part(K, A[m], B, n, cols, C[m] + n, acc);
}

void GEMM_WASM_FN(int M, int N, int K, const float *const *A, const float *const *B,
                   float *const *C, int accumulate) {
    int n = 0;
    for (; n + 8 <= N; n += 8) {
        int m = 0;
        for (; m + 4 <= M; m += 4) tile_4x8(K, A + m, B, n, C + m, accumulate);
        for (; m < M; m++) tile_1x8(K, A[m], B, n, C[m] + n, accumulate);
    }
    for (; n + 4 <= N; n += 4) panel_4(M, K, A, B, n, 4, C, accumulate);
    if (n < N) panel_4(M, K, A, B, n, N - n, C, accumulate);
}
#endif
