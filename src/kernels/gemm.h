/* gemm.h - the one matrix-multiply micro-kernel family that every convolution and the dense
 * layer go through (forward, backward-data and backward-weights are all C (+)= A * B).
 *
 *   C[M x N] = A[M x K] * B[K x N]          (accumulate == 0)
 *   C[M x N] += A[M x K] * B[K x N]         (accumulate != 0)
 *
 * Two ways to say where the rows are. gemm(): row-major with leading dimensions in elements
 * (lda >= K, ldb >= N, ldc >= N). gemm_rows(): a pointer per row of A (K floats), of B (N
 * floats) and of C (N floats), so a convolution can hand over the windows of its input as the
 * rows of A or B, and the windows of its input gradient as the rows of C, without copying them
 * into an im2col matrix. Rows of A and B may overlap; rows of C may overlap only with
 * accumulate != 0 (each row's sums are then added to the elements it shares with other rows
 * one after the other, in an order fixed by the variant). No alignment is required.
 *
 * Every variant sums over k in increasing order into a zeroed register and only then adds the
 * old C, so the scalar and the wasm-SIMD variants (no FMA) give bit-identical results; the
 * AVX2, AVX-512 and wasm relaxed-SIMD variants use FMA and differ by rounding only.
 *
 * Variants, one file each: gemm__scalar.c (reference, everywhere), gemm__wasmsimd.c (wasm
 * SIMD128, 4x8 register tile), gemm__wasmrelaxed.c (the same tiles with relaxed SIMD's
 * multiply-add, in the relaxed wasm build only), gemm__avx2.c (x86-64 AVX2+FMA, 4x16 tile; compiled with
 * -mavx2 -mfma for that file only and picked at run time after a CPU check), gemm__avx512.c
 * (AVX-512F+FMA, 8x32 tile, masked column tails; the same way). gemm.c chooses and turns
 * strides into row tables. */
#ifndef GEMM_H
#define GEMM_H

typedef void (*GemmFn)(int M, int N, int K, const float *const *A, const float *const *B,
                       float *const *C, int accumulate);

void gemm_scalar(int M, int N, int K, const float *const *A, const float *const *B,
                 float *const *C, int accumulate);
/* the columns n0 <= n < N only: the variants' tails */
void gemm_scalar_columns(int M, int n0, int N, int K, const float *const *A, const float *const *B,
                         float *const *C, int accumulate);
#if defined(__wasm_simd128__)
void gemm_wasmsimd(int M, int N, int K, const float *const *A, const float *const *B,
                   float *const *C, int accumulate);
#endif
#if defined(__wasm_relaxed_simd__)
void gemm_wasmrelaxed(int M, int N, int K, const float *const *A, const float *const *B,
                      float *const *C, int accumulate);
#endif
#if defined(__x86_64__)
void gemm_avx512(int M, int N, int K, const float *const *A, const float *const *B,
                 float *const *C, int accumulate);
void gemm_avx2(int M, int N, int K, const float *const *A, const float *const *B,
               float *const *C, int accumulate);
void gemm_avx2_columns(int M, int n0, int N, int K, const float *const *A, const float *const *B,
                       float *const *C, int accumulate);
#endif

/* Strided matrices through the chosen variant (or through f, when not NULL). */
void gemm_with(GemmFn f, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               float *C, int ldc, int accumulate);
/* Rows by pointer through the chosen variant. */
void gemm_rows(int M, int N, int K, const float *const *A, const float *const *B,
               float *const *C, int accumulate);

/* The fastest variant this machine runs; gemm_variant_name() says which ("avx2", ...). */
void gemm(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
          float *C, int ldc, int accumulate);
const char *gemm_variant_name(void);
/* Force a variant by name ("scalar", "wasmsimd", "wasmrelaxed", "avx2", "avx512") for the whole process, for the
 * tools' and tests' comparisons (call it before creating a Net, whose conv method may follow the
 * variant); returns 0 if unavailable here. */
int gemm_select(const char *name);
GemmFn gemm_lookup(const char *name);
#endif
