/* probe.c - see probe.h. */
#include "probe.h"
#include "pool.h"
#include <stdlib.h>
#include <string.h>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

float probe_dot_scalar(const float *a, const float *b, int n) {
    float l[4] = { 0, 0, 0, 0 };
    int i = 0;
    for (; i + 4 <= n; i += 4)
        for (int j = 0; j < 4; j++) l[j] += a[i + j] * b[i + j];
    for (int j = 0; i < n; i++, j++) l[j] += a[i] * b[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
}

float probe_dot_simd(const float *a, const float *b, int n) {
#if defined(__wasm_simd128__)
    v128_t acc = wasm_f32x4_splat(0.0f);
    int i = 0;
    for (; i + 4 <= n; i += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    float l[4] = { wasm_f32x4_extract_lane(acc, 0), wasm_f32x4_extract_lane(acc, 1),
                   wasm_f32x4_extract_lane(acc, 2), wasm_f32x4_extract_lane(acc, 3) };
    for (int j = 0; i < n; i++, j++) l[j] += a[i] * b[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
#else
    /* portable 4-float vectors (SSE natively): the same lanes and order as the scalar loop */
    typedef float v4f __attribute__((vector_size(16)));
    v4f acc = { 0, 0, 0, 0 };
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f x, y;
        memcpy(&x, a + i, sizeof x);
        memcpy(&y, b + i, sizeof y);
        acc += x * y;
    }
    float l[4] = { acc[0], acc[1], acc[2], acc[3] };
    for (int j = 0; i < n; i++, j++) l[j] += a[i] * b[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
#endif
}

int probe_simd_compiled(void) {
#if defined(__wasm_simd128__) || defined(__x86_64__)
    return 1;
#else
    return 0;
#endif
}

typedef struct { const float *a, *b; int n, tasks; float *part; } DotCtx;

static void dot_task(void *vctx, int task, int thread) {
    (void)thread;
    DotCtx *c = vctx;
    int per = (c->n + c->tasks - 1) / c->tasks, lo = task * per, hi = lo + per < c->n ? lo + per : c->n;
    c->part[task] = lo < hi ? probe_dot_simd(c->a + lo, c->b + lo, hi - lo) : 0.0f;
}

float probe_dot_mt(Pool *pool, const float *a, const float *b, int n, int tasks, unsigned long *ids, int max_ids,
                   int *n_ids) {
    if (tasks < 1) tasks = 1;
    float *part = calloc((size_t)tasks, sizeof(float));
    DotCtx ctx = { a, b, n, tasks, part };
    pool_run(pool, tasks, dot_task, &ctx);
    float sum = 0.0f;
    for (int t = 0; t < tasks; t++) sum += part[t];
    free(part);
    *n_ids = pool_last_thread_ids(pool, ids, max_ids);
    return sum;
}
