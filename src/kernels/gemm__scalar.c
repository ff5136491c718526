/* gemm__scalar.c - reference C (+)= A*B; the definition every SIMD variant is tested against. */
#include "gemm.h"

void gemm_scalar(int M, int N, int K, const float *A, int lda, const float *B, int ldb,
                 float *C, int ldc, int accumulate) {
    for (int m = 0; m < M; m++) {
        for (int n = 0; n < N; n++) {
            float acc = 0.0f;
            for (int k = 0; k < K; k++) acc += A[(long)m * lda + k] * B[(long)k * ldb + n];
            float *c = &C[(long)m * ldc + n];
            *c = accumulate ? *c + acc : acc;
        }
    }
}
