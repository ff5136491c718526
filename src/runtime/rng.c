/* rng.c - PCG32 and SplitMix64; see rng.h for why generators are derived, not shared. */
#include "rng.h"

uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1) | 1u;
    rng_u32(r);
    r->state += seed;
    rng_u32(r);
}

Rng rng_for(uint64_t seed, uint32_t purpose, uint64_t a, uint64_t b) {
    uint64_t x = seed ^ ((uint64_t)purpose << 56);
    uint64_t s = splitmix64(&x);
    x ^= a * 0xD1B54A32D192ED03ull;
    s ^= splitmix64(&x);
    x ^= b * 0xABC98388FB8FAC03ull;
    uint64_t stream = splitmix64(&x);
    Rng r;
    rng_seed(&r, s, stream);
    return r;
}

#define PCG_MULTIPLIER 6364136223846793005ull

/* XSH-RR: the 32-bit output of the state a draw starts from */
static inline uint32_t pcg_output(uint64_t old) {
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint32_t rng_u32(Rng *r) {
    uint64_t old = r->state;
    r->state = old * PCG_MULTIPLIER + r->inc;
    return pcg_output(old);
}

/* Four interleaved LCG lanes: lane i holds state s_(j+i) and steps by four draws at once
 * (s_(j+4) = a^4 s_j + inc (a^3 + a^2 + a + 1)), so the four 64-bit multiplies of a block
 * overlap instead of waiting on each other; the outputs are rng_u32's, in its order. */
void rng_fill_u32(Rng *r, uint32_t *out, int n) {
    const uint64_t a = PCG_MULTIPLIER, a2 = a * a, a4 = a2 * a2;
    const uint64_t c4 = r->inc * (a2 * a + a2 + a + 1);
    uint64_t s0 = r->state, s1 = s0 * a + r->inc, s2 = s1 * a + r->inc, s3 = s2 * a + r->inc;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        out[j] = pcg_output(s0); out[j + 1] = pcg_output(s1); out[j + 2] = pcg_output(s2); out[j + 3] = pcg_output(s3);
        s0 = s0 * a4 + c4; s1 = s1 * a4 + c4; s2 = s2 * a4 + c4; s3 = s3 * a4 + c4;
    }
    r->state = s0;
    for (; j < n; j++) out[j] = rng_u32(r);
}

float rng_uniform(Rng *r) { return (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

uint32_t rng_below(Rng *r, uint32_t n) {
    uint32_t threshold = (-n) % n;   /* rejection keeps it unbiased (PCG's bounded_rand) */
    for (;;) {
        uint32_t x = rng_u32(r);
        if (x >= threshold) return x % n;
    }
}
