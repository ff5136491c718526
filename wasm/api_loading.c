/* api_loading.c - what the worker asks while it starts (web/worker/loading.js): the build's
 * capabilities (SIMD, threads, the GEMM in use), the error text, memory for what it hands over,
 * the network's threads (set, calibrated, which ran) and the pipeline probe. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "kernels/gemm.h"
#include "runtime/probe.h"

char api_error_text[API_ERROR_MAX];
void api_fail(const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(api_error_text, sizeof api_error_text, format, args);
    va_end(args);
}

API const char *api_error(void) { return api_error_text; }
API void *api_malloc(int n) { return malloc(n > 0 ? (size_t)n : 1); }
API void api_free(void *p) { free(p); }
API int api_simd(void) {
#if defined(__wasm_simd128__)
    return 1;
#else
    return 0;
#endif
}
API int api_threads_compiled(void) {
#if defined(__EMSCRIPTEN_PTHREADS__)
    return 1;
#else
    return 0;
#endif
}
API const char *api_gemm_variant(void) { return gemm_variant_name(); }

/* ---- the pipeline probe ---- */
API float api_probe_dot_scalar(const float *a, const float *b, int n) { return probe_dot_scalar(a, b, n); }
API float api_probe_dot_simd(const float *a, const float *b, int n) { return probe_dot_simd(a, b, n); }
/* on the network's pool when it has as many threads, else on a pool made for this call (the
 * pthreads come from a fixed set in wasm: no pool outlives its use, and the network's pool
 * gives its threads back while this one runs, so the two never hold threads at once) */
API float api_probe_dot_mt(const float *a, const float *b, int n, int threads, int tasks, unsigned *ids,
                           int *n_ids) {
    Net *net = api_net();
    unsigned long l[16];
    int had = net ? pool_threads(net->pool) : 0, borrow = net && had == threads;
    if (net && !borrow) net_set_threads(net, 1);
    Pool *own = borrow ? NULL : pool_create(threads);
    Pool *pool = own ? own : borrow ? net->pool : NULL;
    if (!pool) { *n_ids = 0; if (net && !borrow) net_set_threads(net, had); return 0.0f; }
    float r = probe_dot_mt(pool, a, b, n, tasks, l, 16, n_ids);
    pool_destroy(own);
    if (net && !borrow) net_set_threads(net, had);
    for (int i = 0; i < *n_ids; i++) ids[i] = (unsigned)l[i];
    return r;
}

/* ---- the network's threads ---- */
Pool *api_current_pool(void) { return api_net() ? api_net()->pool : NULL; }
API int api_threads(void) { return api_net() ? pool_threads(api_net()->pool) : 0; }
API void api_set_threads(int n) { if (api_net()) net_set_threads(api_net(), n); }
/* The thread count that helps on this machine: an eval forward pass of 64 blank images with
 * 1, 2, 4, ... up to max threads (the best of two runs each), keeping the largest count that is
 * clearly faster and stopping where doubling the threads more than doubles the time (more
 * threads than cores: the pool's spinning hand-off then fights itself; a browser may report
 * logical cores, or more than the machine has). Leaves the network on that count; ~0.2 s. */
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
API int api_calibrate_threads(int max) {
    Net *net = api_net();
    if (!net) return 1;
    int N = net->max_batch < 64 ? net->max_batch : 64, best = 1;
    memset(net->input, 0, (size_t)N * 784 * sizeof(float));
    double t_best = 0, t_prev = 0;
    for (int k = 1; k <= max; k = k * 2 > max && k < max ? max : k * 2) {
        net_set_threads(net, k);
        double t = 1e30;
        for (int rep = 0; rep < 3; rep++) {             /* the first run also warms up */
            double t0 = now_ms();
            net_forward(net, N, NULL, 0, 0, 0);
            double dt = now_ms() - t0;
            if (rep > 0 && dt < t) t = dt;
        }
        if (k == 1) { t_best = t_prev = t; continue; }
        if (t > 2.0 * t_prev) break;
        if (t < 0.85 * t_best) { best = k; t_best = t; }
        t_prev = t;
    }
    net_set_threads(net, best);
    return best;
}
API int api_last_thread_ids(unsigned *ids, int max) {
    unsigned long l[16];
    int n = api_net() ? pool_last_thread_ids(api_net()->pool, l, max < 16 ? max : 16) : 0;
    for (int i = 0; i < n; i++) ids[i] = (unsigned)l[i];
    return n;
}
