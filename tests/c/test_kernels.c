/* test_kernels.c - every kernel variant this machine runs against its scalar reference (see
 * src/kernels/kernel_check.c for the sizes). The wasm SIMD variants are checked by the same
 * code inside the wasm build, from tests/node/pipeline.test.mjs. Usage: test_kernels [seed] */
#include "kernels/kernel_check.h"
#include "check.h"
#include <stdlib.h>

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1234;
    const char *variants[] = { "scalar", "wasmsimd", "wasmrelaxed", "avx2", "avx512" };
    char report[4096] = "";
    int tested = 0, cases;
    for (int v = 0; v < (int)(sizeof variants / sizeof *variants); v++) {
        int fails = kernel_check_gemm(variants[v], seed, &cases, report, sizeof report);
        if (fails < 0) { printf("gemm %s: not available on this machine, skipped\n", variants[v]); continue; }
        tested++;
        printf("gemm %s: %d cases against the scalar reference, %d differ\n", variants[v], cases, fails);
        CHECK(fails == 0, "gemm %s (seed %llu):\n%s", variants[v], (unsigned long long)seed, report);
    }
    CHECK(tested >= 2, "only %d gemm variant(s) available: the SIMD variant is missing", tested);
    int fails = kernel_check_eltwise(seed, &cases, report, sizeof report);
    printf("eltwise vec: %d sizes against the scalar reference, %d differ\n", cases, fails);
    CHECK(fails == 0, "eltwise (seed %llu):\n%s", (unsigned long long)seed, report);
    report[0] = 0;
    fails = kernel_check_winograd(seed, &cases, report, sizeof report);
    printf("winograd F(2x2,3x3): %d shapes against the direct convolution, %d differ\n", cases, fails);
    CHECK(fails == 0, "winograd (seed %llu):\n%s", (unsigned long long)seed, report);
    return check_summary("test_kernels");
}
