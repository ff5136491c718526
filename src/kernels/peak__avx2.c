/* peak__avx2.c - the AVX2 + FMA peak micro-benchmark (peak.h); compiled with -mavx2 -mfma like
 * gemm__avx2.c, but kept apart from it so that the GEMM's object holds no benchmark code (the
 * installed library leaves peak.c and this file out: CMakeLists.txt). */
#if defined(__x86_64__)
#include "peak.h"
#include <immintrin.h>

/* 12 independent FMA chains cover the FMA latency */
float peak_avx2(long iters) {
    __m256 a[12], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < iters; k++)
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], m, c);
    __m256 s = a[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
    return _mm256_cvtss_f32(s);
}
#endif
