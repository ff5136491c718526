/* test_ops.c - the operator table (op_table.c) natively: every layer op x conv method x GEMM
 * variant this machine has (scalar, AVX2, AVX-512) x 1 and 3 threads. The wasm build runs the
 * same table with its SIMD GEMM (tests/node/pipeline.test.mjs). */
#include "op_table.h"
#include "check.h"

int main(void) {
    char report[8192];
    int cases, skipped;
    int fails = op_table_check(report, sizeof report, &cases, &skipped);
    printf("op table: %d comparisons, %d rows a method cannot run skipped, %d failed\n", cases, skipped, fails);
    CHECK(fails == 0, "\n%s", report);
    CHECK(cases > 100, "only %d comparisons", cases);
    return check_summary("test_ops");
}
