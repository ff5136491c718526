/* gemm.h - the one matrix-multiply micro-kernel family that every convolution and the dense
 * layer go through (forward, backward-data and backward-weights are all C (+)= A * B).
 *
 *   C[M x N] = A[M x K] * B[K x N]          (accumulate == 0)
 *   C[M x N] += A[M x K] * B[K x N]         (accumulate != 0)
 *
 * Row-major, leading dimensions in elements (lda >= K, ldb >= N, ldc >= N). No alignment is
 * required. Every variant sums over k in increasing order into a zeroed register and only then
 * adds the old C, so the scalar and the wasm-SIMD variants (no FMA) give bit-identical results;
 * the AVX2 variant uses FMA and differs by rounding only.
 *
 * Variants, one file each: gemm__scalar.c (reference, everywhere), gemm__wasmsimd.c (wasm
 * SIMD128, 4x8 register tile), gemm__avx2.c (x86-64 AVX2+FMA, 4x16 tile; compiled with
 * -mavx2 -mfma for that file only and picked at run time after a CPU check), gemm__avx512.c
 * (AVX-512F+FMA, 4x32 tile; the same way). gemm.c chooses. */
#ifndef GEMM_H
#define GEMM_H

typedef void (*GemmFn)(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                       float *C, int ldc, int accumulate);

void gemm_scalar(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate);
#if defined(__wasm_simd128__)
void gemm_wasmsimd(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                   float *C, int ldc, int accumulate);
#endif
#if defined(__x86_64__)
void gemm_avx512(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate);
void gemm_avx2(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               float *C, int ldc, int accumulate);
#endif

/* The fastest variant this machine runs; gemm_variant_name() says which ("avx2", ...). */
void gemm(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
          float *C, int ldc, int accumulate);
const char *gemm_variant_name(void);
/* Force a variant by name ("scalar", "wasmsimd", "avx2", "avx512"); returns 0 if unavailable here. */
int gemm_select(const char *name);
GemmFn gemm_lookup(const char *name);
#endif
