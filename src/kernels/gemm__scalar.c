/* gemm__scalar.c - reference C (+)= A*B; the definition every SIMD variant is tested against. */
#include "gemm.h"

void gemm_scalar_columns(int M, int n0, int N, int K, const float *const *A, const float *const *B,
                         float *const *C, int accumulate) {
    for (int m = 0; m < M; m++) {
        for (int n = n0; n < N; n++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += A[m][k] * B[k][n];
            float *c = &C[m][n];
            *c = accumulate ? *c + acc : acc;
        }
    }
}

void gemm_scalar(int M, int N, int K, const float *const *A, const float *const *B,
                 float *const *C, int accumulate) {
    gemm_scalar_columns(M, 0, N, K, A, B, C, accumulate);
}
