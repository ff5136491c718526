/* eltwise__vec.c - the BatchNorm elementwise kernels with portable vector extensions (4 floats:
 * SSE natively, SIMD128 in a -msimd128 wasm build). Lanes 0-3 and 4-7 of the 8 sum lanes are
 * two vectors; tails fall back to the scalar order, so results equal eltwise__scalar.c's. */
#include "eltwise.h"
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static inline v4f ld(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }
static inline void st(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline v4f splat(float x) { return (v4f){ x, x, x, x }; }
static inline v4f keep_positive(v4f test, v4f v) { return (v4f)((v4i)v & (test > splat(0.0f))); }
static inline void spill(v4f lo, v4f hi, float out[8]) { st(out, lo); st(out + 4, hi); }

static void channel_sums(const float *x, int n, float s[8], float ss[8]) {
    v4f s0 = splat(0), s1 = s0, q0 = s0, q1 = s0;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        v4f a = ld(x + j), b = ld(x + j + 4);
        s0 += a; s1 += b; q0 += a * a; q1 += b * b;
    }
    spill(s0, s1, s); spill(q0, q1, ss);
    for (; j < n; j++) { s[j & 7] += x[j]; ss[j & 7] += x[j] * x[j]; }
}

static void bn_relu(const float *pre, float *out, int n, float a, float b) {
    v4f va = splat(a), vb = splat(b);
    int j = 0;
    for (; j + 4 <= n; j += 4) { v4f v = ld(pre + j) * va + vb; st(out + j, keep_positive(v, v)); }
    for (; j < n; j++) { float v = pre[j] * a + b; out[j] = v > 0.0f ? v : 0.0f; }
}

static void bn_relu_backward_sums(float *dz, const float *out, const float *pre, int n, float mean, float invstd,
                                  float scale, float s[8], float sx[8]) {
    v4f vm = splat(mean), vi = splat(invstd), vs = splat(scale);
    v4f s0 = splat(0), s1 = s0, x0 = s0, x1 = s0;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        v4f g0 = keep_positive(ld(out + j), ld(dz + j) * vs), g1 = keep_positive(ld(out + j + 4), ld(dz + j + 4) * vs);
        st(dz + j, g0); st(dz + j + 4, g1);
        s0 += g0; s1 += g1;
        x0 += g0 * ((ld(pre + j) - vm) * vi);
        x1 += g1 * ((ld(pre + j + 4) - vm) * vi);
    }
    spill(s0, s1, s); spill(x0, x1, sx);
    for (; j < n; j++) {
        float g = out[j] > 0.0f ? dz[j] * scale : 0.0f;
        dz[j] = g;
        s[j & 7] += g;
        sx[j & 7] += g * ((pre[j] - mean) * invstd);
    }
}

static void bn_backward_apply(float *dz, const float *pre, int n, float a, float mean, float invstd, float mean_dz,
                              float mean_dzx) {
    v4f va = splat(a), vm = splat(mean), vi = splat(invstd), vd = splat(mean_dz), vx = splat(mean_dzx);
    int j = 0;
    for (; j + 4 <= n; j += 4) st(dz + j, va * (ld(dz + j) - vd - ((ld(pre + j) - vm) * vi) * vx));
    for (; j < n; j++) dz[j] = a * (dz[j] - mean_dz - ((pre[j] - mean) * invstd) * mean_dzx);
}

static inline v4f pick(v4i mask, v4f yes, v4f no) { return (v4f)(((v4i)yes & mask) | ((v4i)no & ~mask)); }

/* four windows at a time: the even and odd columns of two 8-float loads per row */
static void maxpool2_row(const float *r0, const float *r1, int Q, float *y, uint8_t *arg) {
    int q = 0;
    for (; q + 4 <= Q; q += 4) {
        v4f x0 = ld(r0 + 2 * q), x1 = ld(r0 + 2 * q + 4), z0 = ld(r1 + 2 * q), z1 = ld(r1 + 2 * q + 4);
        v4f a = __builtin_shufflevector(x0, x1, 0, 2, 4, 6), b = __builtin_shufflevector(x0, x1, 1, 3, 5, 7);
        v4f d = __builtin_shufflevector(z0, z1, 0, 2, 4, 6), e = __builtin_shufflevector(z0, z1, 1, 3, 5, 7);
        v4i first_b = b > a, second_e = e > d;              /* -1 where true */
        v4f m1 = pick(first_b, b, a), m2 = pick(second_e, e, d);
        v4i second = m2 > m1;
        st(y + q, pick(second, m2, m1));
        v4i idx = ((2 - second_e) & second) | (-first_b & ~second);
        for (int u = 0; u < 4; u++) arg[q + u] = (uint8_t)idx[u];
    }
    if (q < Q) eltwise_scalar.maxpool2_row(r0 + 2 * q, r1 + 2 * q, Q - q, y + q, arg + q);   /* the last 1-3 windows */
}

typedef uint16_t v4u16 __attribute__((vector_size(8)));

static void dropout(float *x, const uint16_t *draw, int n, uint32_t threshold, float scale) {
    v4f vs = splat(scale);
    v4i vt = { (int)threshold, (int)threshold, (int)threshold, (int)threshold };
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        v4u16 d;
        memcpy(&d, draw + j, sizeof d);
        v4i keep = __builtin_convertvector(d, v4i) >= vt;       /* -1 where kept */
        st(x + j, (v4f)((v4i)(ld(x + j) * vs) & keep));
    }
    if (j < n) eltwise_scalar.dropout(x + j, draw + j, n - j, threshold, scale);
}

const EltwiseKernels eltwise_vec = {channel_sums,      bn_relu,      bn_relu_backward_sums,
                                    bn_backward_apply, maxpool2_row, dropout};
