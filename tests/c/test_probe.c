/* test_probe.c - the build path's payload: SIMD and threaded dot products agree with scalar,
 * and the threaded one really ran on more than one thread. */
#include "runtime/probe.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>

int main(void) {
    int n = 100003;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    for (int i = 0; i < n; i++) {
        a[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
        b[i] = (float)((i * 53) % 97) / 97.0f;
    }
    float ref = probe_dot_scalar(a, b, n), simd = probe_dot_simd(a, b, n);
    CHECK(ref == simd, "scalar %.9g vs simd %.9g", ref, simd);
    unsigned long ids[8];
    int n_ids = 0;
    float mt = 0.0f;
    Pool *pool = pool_create(2);
    for (int tries = 0; tries < 20 && n_ids < 2; tries++) mt = probe_dot_mt(pool, a, b, n, 64, ids, 8, &n_ids);
    pool_destroy(pool);
    double expect = 0.0;
    for (int i = 0; i < n; i++) expect += (double)a[i] * b[i];
    CHECK(fabs(mt - expect) < 1e-3 * (1 + fabs(expect)), "mt %.6g vs double %.6g", mt, expect);
    CHECK(n_ids == 2 && ids[0] != ids[1], "expected 2 distinct threads, got %d", n_ids);
    free(a); free(b);
    return check_summary("test_probe");
}
