/* rng.h - the project's one random number generator: PCG32 (O'Neill, pcg-random.org,
 * "pcg32_random_r": 64-bit LCG state, XSH-RR output), seeded through SplitMix64.
 *
 * Every random decision (initialisation, shuffling, dropout masks, augmentation) draws from
 * a generator made by rng_for(seed, purpose, a, b): a pure function of the run's seed and of
 * *what* is being decided (e.g. purpose=DROPOUT, a=step, b=image slot). So results never
 * depend on thread count or scheduling, and resuming a run only needs the seed and the step. */
#ifndef RNG_H
#define RNG_H
#include <stdint.h>

typedef struct { uint64_t state, inc; } Rng;

enum { RNG_INIT = 1, RNG_SHUFFLE = 2, RNG_DROPOUT = 3, RNG_AUGMENT = 4, RNG_TEST = 5, RNG_TEACH = 6 };

void     rng_seed(Rng *r, uint64_t seed, uint64_t stream);
Rng      rng_for(uint64_t seed, uint32_t purpose, uint64_t a, uint64_t b);
uint32_t rng_u32(Rng *r);
void     rng_fill_u32(Rng *r, uint32_t *out, int n);   /* n draws of rng_u32, faster */
float    rng_uniform(Rng *r);                 /* [0, 1), 24 random bits */
uint32_t rng_below(Rng *r, uint32_t n);       /* unbiased integer in [0, n) */
uint64_t splitmix64(uint64_t *x);
#endif
