/* test_kernels.c - every GEMM variant this machine runs against the scalar reference, on sizes
 * that hit each edge of the tiling (exactly a tile, tile +- 1, primes, K = 1) with padded
 * leading dimensions, both with and without accumulation. Prints the seed of a failure. */
#include "kernels/gemm.h"
#include "rng.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int run_case(GemmFn f, const char *name, int M, int N, int K, int acc, uint64_t seed) {
    int lda = K + 3, ldb = N + 5, ldc = N + 2;
    float *A = malloc(sizeof(float) * M * lda), *B = malloc(sizeof(float) * K * ldb);
    float *C = malloc(sizeof(float) * M * ldc), *R = malloc(sizeof(float) * M * ldc), *absum = calloc((size_t)M * N, sizeof(float));
    Rng r = rng_for(seed, RNG_TEST, (uint64_t)M * 1000003u + N, (uint64_t)K * 2 + acc);
    for (int i = 0; i < M * lda; i++) A[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int i = 0; i < K * ldb; i++) B[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int i = 0; i < M * ldc; i++) C[i] = R[i] = 2.0f * rng_uniform(&r) - 1.0f;
    gemm_scalar(M, N, K, A, lda, B, ldb, R, ldc, acc);
    f(M, N, K, A, lda, B, ldb, C, ldc, acc);
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++)
            for (int k = 0; k < K; k++) absum[m * N + n] += fabsf(A[m * lda + k] * B[k * ldb + n]);
    int bad = 0;
    for (int m = 0; m < M && !bad; m++)
        for (int n = 0; n < ldc && !bad; n++) {
            float c = C[m * ldc + n], ref = R[m * ldc + n];
            if (n >= N) { bad = c != ref; continue; }          /* padding must be untouched */
            float tol = 1e-6f * (absum[m * N + n] + (acc ? 1.0f : 0.0f)) + 1e-7f;
            bad = !(fabsf(c - ref) <= tol);
            if (bad) fprintf(stderr, "%s M=%d N=%d K=%d acc=%d seed=%llu: C[%d][%d] = %.9g, reference %.9g\n",
                             name, M, N, K, acc, (unsigned long long)seed, m, n, c, ref);
        }
    free(A); free(B); free(C); free(R); free(absum);
    return bad;
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1234;
    const char *variants[] = { "scalar", "wasmsimd", "avx2" };
    int Ms[] = { 1, 3, 4, 5, 7, 8, 9, 16, 17, 32, 144 };
    int Ns[] = { 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 121, 484, 676 };
    int Ks[] = { 1, 2, 8, 9, 31, 144, 484 };
    int tested = 0;
    for (int v = 0; v < 3; v++) {
        GemmFn f = gemm_lookup(variants[v]);
        if (!f) { printf("gemm %s: not available on this machine, skipped\n", variants[v]); continue; }
        tested++;
        int fails = 0, cases = 0;
        for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
            for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
                for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
                    for (int acc = 0; acc < 2; acc++) {
                        if ((long)Ms[mi] * Ns[ni] * Ks[ki] > 4000000) continue;
                        fails += run_case(f, variants[v], Ms[mi], Ns[ni], Ks[ki], acc, seed);
                        cases++;
                    }
        CHECK(fails == 0, "gemm %s: %d of %d cases differ from the scalar reference (seed %llu)", variants[v], fails, cases, (unsigned long long)seed);
        printf("gemm %s: %d cases against the scalar reference\n", variants[v], cases);
    }
    CHECK(tested >= 2, "only %d variant(s) available: the SIMD variant is missing", tested);
    return check_summary("test_kernels");
}
