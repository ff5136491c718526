/* probe.h - a tiny payload that proves the build path end to end (native, wasm SIMD, pthreads):
 * a dot product with four lanes, and the same split over a thread pool. All three sum lane j
 * over elements i = j (mod 4) in order and then ((l0 + l1) + (l2 + l3)), so scalar and SIMD
 * agree to the bit; the threaded one adds the per-task sums in task order. */
#ifndef PROBE_H
#define PROBE_H
#include "pool.h"

float probe_dot_scalar(const float *a, const float *b, int n);
float probe_dot_simd(const float *a, const float *b, int n);     /* wasm SIMD128 in wasm builds */
/* n split into `tasks` equal parts run on the caller's pool; ids gets the distinct thread ids
 * that ran a part (up to max_ids); returns the dot product, *n_ids the number of threads. */
float probe_dot_mt(Pool *pool, const float *a, const float *b, int n, int tasks, unsigned long *ids, int max_ids,
                   int *n_ids);
int   probe_simd_compiled(void);   /* 1 if this build has a SIMD path */
#endif
