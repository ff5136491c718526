/* kernel_check.h - compares every kernel variant this build can run with its scalar reference
 * on sizes that hit each edge of the tiling (exactly a tile, tile +- 1, primes, K = 1, padded
 * leading dimensions, with and without accumulation). Shared by the native test and the wasm
 * build (called from the Node test), so the wasm SIMD kernels are checked where they run.
 * Returns the number of failing cases; a description of the first failures goes to report. */
#ifndef KERNEL_CHECK_H
#define KERNEL_CHECK_H
#include <stddef.h>
#include <stdint.h>

int kernel_check_gemm(const char *variant, uint64_t seed, int *cases, char *report, size_t len);
int kernel_check_eltwise(uint64_t seed, int *cases, char *report, size_t len);   /* vec == scalar, to the bit */
int kernel_check_winograd(uint64_t seed, int *cases, char *report, size_t len);  /* against the definition, in double */
#endif
