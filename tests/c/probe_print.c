/* probe_print.c - prints the native build's probe results as JSON, for the Node test that
 * checks the wasm build against them. Input: a[i] = ((i*37) % 101)/101 - 0.5,
 * b[i] = ((i*53) % 97)/97 in float32, for the n given (default 100003). */
#include "runtime/probe.h"
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100003;
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) {
        a[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
        b[i] = (float)((i * 53) % 97) / 97.0f;
    }
    unsigned long ids[4];
    int n_ids;
    Pool *pool = pool_create(2);
    float mt = probe_dot_mt(pool, a, b, n, 64, ids, 4, &n_ids);
    pool_destroy(pool);
    printf("{\"n\":%d,\"scalar\":%.9g,\"simd\":%.9g,\"mt\":%.9g}\n", n, probe_dot_scalar(a, b, n),
           probe_dot_simd(a, b, n), mt);
    free(a); free(b);
    return 0;
}
