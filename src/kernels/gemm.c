/* gemm.c - the one place that picks a GEMM variant: AVX-512F when the CPU has it, else AVX2
 * (x86-64); in wasm, relaxed SIMD's multiply-add in the build compiled with -mrelaxed-simd (only
 * loaded where the engine validates it), else SIMD128; the scalar reference otherwise.
 * The CPU is probed once, before the first multiply, by whichever thread gets there first
 * (pthread_once); a tool or test may force another variant with gemm_select (the library
 * itself reads no environment). */
#include "gemm.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static GemmFn chosen;
static const char *chosen_name;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

GemmFn gemm_lookup(const char *name) {
    if (!strcmp(name, "scalar")) return gemm_scalar;
#if defined(__wasm_simd128__)
    if (!strcmp(name, "wasmsimd")) return gemm_wasmsimd;
#endif
#if defined(__wasm_relaxed_simd__)
    if (!strcmp(name, "wasmrelaxed")) return gemm_wasmrelaxed;
#endif
#if defined(__x86_64__)
    if (!strcmp(name, "avx2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return gemm_avx2;
    if (!strcmp(name, "avx512") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        return gemm_avx512;
#endif
    return 0;
}

static int set_variant(const char *name) {
    GemmFn f = gemm_lookup(name);
    if (!f) return 0;
    chosen = f;
    chosen_name = name;
    return 1;
}

static void choose_default(void) {
    if (!set_variant("avx512") && !set_variant("avx2") && !set_variant("wasmrelaxed") && !set_variant("wasmsimd"))
        set_variant("scalar");
}
#define ensure_chosen() pthread_once(&chosen_once, choose_default)

int gemm_select(const char *name) {
    ensure_chosen();
    return set_variant(name);
}

/* Row tables from strides: B's K rows at once (every row block needs all of them), A's and C's
 * rows in blocks of a multiple of 4 (every variant's row tile), so a block boundary changes no
 * sum. */
#define GEMM_ROW_BLOCK 64
#define GEMM_B_ON_STACK 1024

void gemm_with(GemmFn f, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               float *C, int ldc, int accumulate) {
    if (!f) {
        ensure_chosen();
        f = chosen;
    }
    const float *b_stack[GEMM_B_ON_STACK], **b_rows = b_stack;
    if (K > GEMM_B_ON_STACK && !(b_rows = malloc(sizeof *b_rows * (size_t)K))) abort();
    for (int k = 0; k < K; k++) b_rows[k] = B + (long)k * ldb;
    const float *a_rows[GEMM_ROW_BLOCK];
    float *c_rows[GEMM_ROW_BLOCK];
    for (int m0 = 0; m0 < M; m0 += GEMM_ROW_BLOCK) {
        int rows = M - m0 < GEMM_ROW_BLOCK ? M - m0 : GEMM_ROW_BLOCK;
        for (int i = 0; i < rows; i++) {
            a_rows[i] = A + (long)(m0 + i) * lda;
            c_rows[i] = C + (long)(m0 + i) * ldc;
        }
        f(rows, N, K, a_rows, b_rows, c_rows, accumulate);
    }
    if (b_rows != b_stack) free(b_rows);
}

void gemm(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
          float *C, int ldc, int accumulate) {
    gemm_with(NULL, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void gemm_rows(int M, int N, int K, const float *const *A, const float *const *B,
               float *const *C, int accumulate) {
    ensure_chosen();
    chosen(M, N, K, A, B, C, accumulate);
}

const char *gemm_variant_name(void) {
    ensure_chosen();
    return chosen_name;
}
