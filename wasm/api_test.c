/* api_test.c - test and benchmark hooks, linked only into the test builds (mnist-mt-test,
 * mnist-st-test; MNIST_TEST_HOOKS): the production module the app ships has none of these.
 *   - a trap armed at the next training step (1), evaluation slice (2) or prediction (3), so a
 *     test reaches each crash path at a point it chooses, without racing;
 *   - the kernel self-check (wasm SIMD GEMM and BatchNorm kernels against their scalar
 *     references, inside the wasm build where they run);
 *   - the operator table (tests/c/op_table.c: every layer op x conv method x the wasm SIMD and
 *     scalar GEMMs x 1 and 3 threads);
 *   - the arithmetic peak of one core, for the speed benchmark;
 *   - the bytes the allocator has handed out, for the soak benchmark;
 *   - the thread pool's profile (where a step's time goes), for the thread-scaling benchmark. */
#include <malloc.h>
#include "api.h"
#include "kernels/kernel_check.h"
#include "op_table.h"
#include "kernels/peak.h"
#include "runtime/pool.h"

static int trap_armed;
API void api_debug_trap_at(int where) { trap_armed = where; }
void api_test_trap_point(int where) { if (trap_armed && trap_armed == where) __builtin_trap(); }

/* failing cases, -1 if the variant is absent; which = 0 GEMM (SIMD128), 1 BatchNorm and max-pool
 * kernels, 2 Winograd, 3 GEMM (relaxed SIMD: the relaxed build only) */
static char kernel_report[2048];
API int api_check_kernels(int which) {
    int cases;
    kernel_report[0] = 0;
    return which == 0 ? kernel_check_gemm("wasmsimd", 1234, &cases, kernel_report, sizeof kernel_report)
         : which == 3 ? kernel_check_gemm("wasmrelaxed", 1234, &cases, kernel_report, sizeof kernel_report)
         : which == 1 ? kernel_check_eltwise(1234, &cases, kernel_report, sizeof kernel_report)
                      : kernel_check_winograd(1234, &cases, kernel_report, sizeof kernel_report);
}
API const char *api_check_report(void) { return kernel_report; }

/* failing comparisons of the operator table (report: api_check_report) */
API int api_check_ops(void) {
    int cases, skipped;
    return op_table_check(kernel_report, sizeof kernel_report, &cases, &skipped);
}

/* GFLOP/s of the register-only multiply-add loop on this thread */
API double api_peak_gflops(int iters) {
    double t0 = emscripten_get_now();
    volatile float sink = peak_run(iters);
    (void)sink;
    double ms = emscripten_get_now() - t0;
    return peak_flops_per_iter() * iters / (ms * 1e6);
}

/* bytes of wasm memory in use by malloc (a leak shows as growth over a long run) */
API double api_heap_used(void) { return (double)mallinfo().uordblks; }

/* the network's pool profile: start (1) or stop (0) counting; read as JSON, per `per` */
API void api_pool_profile(int on) {
    if (on) pool_profile_start(api_current_pool());
    else pool_profile_stop(api_current_pool());
}
static char profile_json[1024];
API const char *api_pool_profile_json(double per) {
    PoolProfile pp;
    pool_profile_read(api_current_pool(), &pp);
    pool_profile_json(&pp, per, profile_json, sizeof profile_json);
    return profile_json;
}
