/* gemm__wasmrelaxed.c - the wasm SIMD128 GEMM with relaxed SIMD's fused multiply-add: the tiles
 * of gemm__wasmsimd.c, compiled again with MADD as f32x4.relaxed_madd (one FMA instruction on
 * x86 with FMA and on ARM; an engine without it may compute mul + add, which the standard allows).
 * Only in the relaxed wasm build (-mrelaxed-simd), beside the plain gemm_wasmsimd. Rounding: one
 * rounding per multiply-add instead of two, so it differs from the scalar reference by rounding
 * only (kernel_check judges it as the native FMA variants); threads stay bit-identical. */
#if defined(__wasm_relaxed_simd__)
#define GEMM_WASM_RELAXED 1
#include "gemm__wasmsimd.c"
#endif
