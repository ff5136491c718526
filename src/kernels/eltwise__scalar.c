/* eltwise__scalar.c - reference versions of the BatchNorm elementwise kernels (eltwise.h). */
#include "eltwise.h"

static void channel_sums(const float *x, int n, float s[8], float ss[8]) {
    for (int u = 0; u < 8; u++) s[u] = ss[u] = 0.0f;
    for (int j = 0; j < n; j++) { s[j & 7] += x[j]; ss[j & 7] += x[j] * x[j]; }
}

static void bn_relu(const float *pre, float *out, int n, float a, float b) {
    for (int j = 0; j < n; j++) { float v = pre[j] * a + b; out[j] = v > 0.0f ? v : 0.0f; }
}

static void bn_relu_backward_sums(float *dz, const float *out, const float *pre, int n, float mean, float invstd,
                                  float scale, float s[8], float sx[8]) {
    for (int u = 0; u < 8; u++) s[u] = sx[u] = 0.0f;
    for (int j = 0; j < n; j++) {
        float g = out[j] > 0.0f ? dz[j] * scale : 0.0f;
        dz[j] = g;
        s[j & 7] += g;
        sx[j & 7] += g * ((pre[j] - mean) * invstd);
    }
}

static void bn_backward_apply(float *dz, const float *pre, int n, float a, float mean, float invstd, float mean_dz,
                              float mean_dzx) {
    for (int j = 0; j < n; j++) dz[j] = a * (dz[j] - mean_dz - ((pre[j] - mean) * invstd) * mean_dzx);
}

static void maxpool2_row(const float *r0, const float *r1, int Q, float *y, uint8_t *arg) {
    for (int q = 0; q < Q; q++) {
        float a = r0[2 * q], b = r0[2 * q + 1], d = r1[2 * q], e = r1[2 * q + 1];
        int i1 = b > a, i2 = 2 + (e > d);
        float m1 = i1 ? b : a, m2 = i2 == 3 ? e : d;
        int second = m2 > m1;
        y[q] = second ? m2 : m1;
        arg[q] = (uint8_t)(second ? i2 : i1);
    }
}

static void dropout(float *x, const uint16_t *draw, int n, uint32_t threshold, float scale) {
    for (int j = 0; j < n; j++) x[j] = draw[j] < threshold ? 0.0f : x[j] * scale;
}

const EltwiseKernels eltwise_scalar = {channel_sums,      bn_relu,      bn_relu_backward_sums,
                                       bn_backward_apply, maxpool2_row, dropout};
