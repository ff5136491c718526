/* peak.c - picks the peak micro-benchmark: AVX2+FMA natively when the CPU has it, wasm
 * SIMD128 (12 chains of 4-wide mul + add = 96 flops per iteration; in the relaxed build the
 * multiply-add is relaxed SIMD's, as its GEMM's), else scalar. */
#include "peak.h"
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

static float peak_portable(long iters) {
#if defined(__wasm_simd128__)
    v128_t a[12], m = wasm_f32x4_splat(0.999999f), c = wasm_f32x4_splat(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = wasm_f32x4_splat((float)i);
    for (long k = 0; k < iters; k++)
#if defined(__wasm_relaxed_simd__)
        /* a[i]*m + c: the prototype builtin, rewritten into f32x4.relaxed_madd (gemm__wasmsimd.c) */
        for (int i = 0; i < 12; i++) a[i] = __builtin_wasm_fma_f32x4(a[i], m, c);
#else
        for (int i = 0; i < 12; i++) a[i] = wasm_f32x4_add(wasm_f32x4_mul(a[i], m), c);
#endif
    v128_t s = a[0];
    for (int i = 1; i < 12; i++) s = wasm_f32x4_add(s, a[i]);
    return wasm_f32x4_extract_lane(s, 0);
#else
    float a[12];
    for (int i = 0; i < 12; i++) a[i] = (float)i;
    for (long k = 0; k < iters; k++)
        for (int i = 0; i < 12; i++) a[i] = a[i] * 0.999999f + 1e-7f;
    float s = 0;
    for (int i = 0; i < 12; i++) s += a[i];
    return s;
#endif
}

static int use_avx2(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

float peak_run(long iters) {
#if defined(__x86_64__)
    if (use_avx2()) return peak_avx2(iters);
#endif
    return peak_portable(iters);
}

double peak_flops_per_iter(void) {
    if (use_avx2()) return 12 * 8 * 2;
#if defined(__wasm_simd128__)
    return 12 * 4 * 2;
#else
    return 12 * 2;
#endif
}

const char *peak_variant_name(void) {
    if (use_avx2()) return "avx2-fma";
#if defined(__wasm_simd128__)
    return "wasm-simd128";
#else
    return "scalar";
#endif
}
