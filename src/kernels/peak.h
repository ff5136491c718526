/* peak.h - arithmetic peak micro-benchmark: `iters` rounds of independent multiply-add chains
 * held in registers (no memory traffic), one file per instruction set like the GEMM. Returns
 * a value derived from the chains so the compiler cannot drop them; flops = peak_flops_per_iter
 * * iters. Used only by the benchmarks, to say how close the kernels get to the machine. */
#ifndef PEAK_H
#define PEAK_H
float peak_run(long iters);              /* the widest variant this build/CPU has */
double peak_flops_per_iter(void);
const char *peak_variant_name(void);
#if defined(__x86_64__)
float peak_avx2(long iters);             /* 12 chains of 8-wide FMA: 192 flops per iteration */
#endif
#endif
