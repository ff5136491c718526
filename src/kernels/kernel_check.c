/* kernel_check.c - see kernel_check.h. */
#include "kernel_check.h"
#include "eltwise.h"
#include "gemm.h"
#include "winograd.h"
#include "runtime/rng.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note(char *report, size_t len, const char *text) {
    size_t used = strlen(report);
    if (used + strlen(text) + 2 < len) { strcat(report, text); strcat(report, "\n"); }
}

static int gemm_case(GemmFn f, const char *name, int M, int N, int K, int acc, uint64_t seed, char *report,
                     size_t len) {
    int lda = K + 3, ldb = N + 5, ldc = N + 2;
    float *A = malloc(sizeof(float) * M * lda), *B = malloc(sizeof(float) * K * ldb);
    float *C = malloc(sizeof(float) * M * ldc), *R = malloc(sizeof(float) * M * ldc);
    Rng r = rng_for(seed, RNG_TEST, (uint64_t)M * 1000003u + N, (uint64_t)K * 2 + acc);
    for (int i = 0; i < M * lda; i++) A[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int i = 0; i < K * ldb; i++) B[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int i = 0; i < M * ldc; i++) C[i] = R[i] = 2.0f * rng_uniform(&r) - 1.0f;
    gemm_with(gemm_scalar, M, N, K, A, lda, B, ldb, R, ldc, acc);
    gemm_with(f, M, N, K, A, lda, B, ldb, C, ldc, acc);
    /* the wasm SIMD variant does the scalar one's operations in the scalar one's order (gemm.h):
     * the same bits; the FMA variants round differently, within a bound of their terms' size */
    int bad = 0, same_bits = !strcmp(name, "scalar") || !strcmp(name, "wasmsimd");
    for (int m = 0; m < M && !bad; m++)
        for (int n = 0; n < ldc && !bad; n++) {
            float c = C[m * ldc + n], ref = R[m * ldc + n];
            if (n >= N || same_bits) {
                bad = memcmp(&c, &ref, sizeof c) != 0;
                continue;
            } /* padding must be untouched */
            float absum = acc ? 1.0f : 0.0f;
            for (int k = 0; k < K; k++) absum += fabsf(A[m * lda + k] * B[k * ldb + n]);
            bad = !(fabsf(c - ref) <= 1e-6f * absum + 1e-7f);
            if (bad) {
                char line[200];
                snprintf(line, sizeof line, "%s M=%d N=%d K=%d acc=%d seed=%llu: C[%d][%d] = %.9g, reference %.9g",
                         name, M, N, K, acc, (unsigned long long)seed, m, n, c, ref);
                note(report, len, line);
            }
        }
    free(A); free(B); free(C); free(R);
    return bad;
}

/* Rows by pointer the way a convolution passes them (gemm.h): the rows of A and B are
 * overlapping windows of one plane (row i starts at i + (i / 3) * W, as the 3x3 windows of a
 * plane W wide), and with accumulate the rows of C are such windows too, so several rows add
 * into the same elements. Judged against sums in double, element by element. */
static int gemm_rows_case(GemmFn f, const char *name, int M, int N, int K, int acc, uint64_t seed, char *report,
                          size_t len) {
    const int W = 11;
    long a_len = (M + (M / 3) * W) + K, b_len = (K + (K / 3) * W) + N;
    long c_len = acc ? (M + (M / 3) * W) + N : (long)M * N;
    float *a = malloc(sizeof(float) * a_len), *b = malloc(sizeof(float) * b_len), *c = malloc(sizeof(float) * c_len);
    double *ref = malloc(sizeof(double) * c_len), *mag = malloc(sizeof(double) * c_len);
    const float **A = malloc(sizeof *A * M), **B = malloc(sizeof *B * K);
    float **C = malloc(sizeof *C * M);
    Rng r = rng_for(seed, RNG_TEST, (uint64_t)M * 7919u + N, (uint64_t)K * 2 + acc + 1000);
    for (long i = 0; i < a_len; i++) a[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (long i = 0; i < b_len; i++) b[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (long i = 0; i < c_len; i++) {
        c[i] = 2.0f * rng_uniform(&r) - 1.0f;
        ref[i] = acc ? c[i] : 0.0;
        mag[i] = acc ? fabs(c[i]) : 0.0;
    }
    for (int m = 0; m < M; m++) {
        A[m] = a + m + (m / 3) * W;
        C[m] = acc ? c + m + (m / 3) * W : c + (long)m * N;
    }
    for (int k = 0; k < K; k++) B[k] = b + k + (k / 3) * W;
    for (int m = 0; m < M; m++)
        for (int n = 0; n < N; n++) {
            double s = 0.0, sa = 0.0;
            for (int k = 0; k < K; k++) { s += (double)A[m][k] * B[k][n]; sa += fabs((double)A[m][k] * B[k][n]); }
            long e = C[m] + n - c;
            ref[e] += s;
            mag[e] += sa;
        }
    f(M, N, K, A, B, C, acc);
    int bad = 0;
    for (long e = 0; e < c_len && !bad; e++) {
        bad = !(fabs(c[e] - ref[e]) <= 1e-5 * mag[e] + 1e-7);
        if (bad) {
            char line[200];
            snprintf(line, sizeof line,
                     "%s rows by pointer M=%d N=%d K=%d acc=%d seed=%llu: element %ld = %.9g, exact %.9g", name, M, N,
                     K, acc, (unsigned long long)seed, e, c[e], ref[e]);
            note(report, len, line);
        }
    }
    free(a); free(b); free(c); free(ref); free(mag); free(A); free(B); free(C);
    return bad;
}

int kernel_check_gemm(const char *variant, uint64_t seed, int *cases, char *report, size_t len) {
    static const int Ms[] = { 1, 3, 4, 5, 7, 8, 9, 16, 17, 32, 144 };
    static const int Ns[] = {1,  3,  4,  5,  7,  8,  9,  15, 16, 17,  23,  31,
                             32, 33, 47, 48, 49, 56, 63, 64, 65, 121, 484, 676};
    static const int Ks[] = { 1, 2, 8, 9, 31, 144, 484 };
    GemmFn f = gemm_lookup(variant);
    *cases = 0;
    if (!f) return -1;
    int fails = 0;
    for (size_t mi = 0; mi < sizeof Ms / sizeof *Ms; mi++)
        for (size_t ni = 0; ni < sizeof Ns / sizeof *Ns; ni++)
            for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++)
                for (int acc = 0; acc < 2; acc++) {
                    if ((long)Ms[mi] * Ns[ni] * Ks[ki] > 4000000) continue;
                    fails += gemm_case(f, variant, Ms[mi], Ns[ni], Ks[ki], acc, seed, report, len);
                    (*cases)++;
                    if ((long)Ms[mi] * Ns[ni] * Ks[ki] > 400000) continue;
                    fails += gemm_rows_case(f, variant, Ms[mi], Ns[ni], Ks[ki], acc, seed, report, len);
                    (*cases)++;
                }
    return fails;
}

int kernel_check_eltwise(uint64_t seed, int *cases, char *report, size_t len) {
    static const int Ns[] = { 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 25, 49, 81, 121, 484, 576, 676 };
    int fails = 0;
    *cases = 0;
    for (size_t i = 0; i < sizeof Ns / sizeof *Ns; i++) {
        int n = Ns[i];
        float *x = malloc(4 * n), *o = malloc(4 * n), *d1 = malloc(4 * n), *d2 = malloc(4 * n), *y1 = malloc(4 * n),
              *y2 = malloc(4 * n);
        Rng r = rng_for(seed, RNG_TEST, 77, (uint64_t)n);
        for (int j = 0; j < n; j++) {
            x[j] = 4.0f * rng_uniform(&r) - 2.0f;
            o[j] = rng_uniform(&r) < 0.4f ? 0.0f : rng_uniform(&r);
            d1[j] = d2[j] = 2.0f * rng_uniform(&r) - 1.0f;
        }
        float s1[8], s2[8], q1[8], q2[8];
        int bad = 0;
        eltwise_scalar.channel_sums(x, n, s1, q1);
        eltwise_vec.channel_sums(x, n, s2, q2);
        bad |= memcmp(s1, s2, sizeof s1) || memcmp(q1, q2, sizeof q1);
        eltwise_scalar.bn_relu(x, y1, n, 1.3f, -0.2f);
        eltwise_vec.bn_relu(x, y2, n, 1.3f, -0.2f);
        bad |= memcmp(y1, y2, 4 * n) != 0;
        eltwise_scalar.bn_relu_backward_sums(d1, o, x, n, 0.1f, 1.7f, 1.1111f, s1, q1);
        eltwise_vec.bn_relu_backward_sums(d2, o, x, n, 0.1f, 1.7f, 1.1111f, s2, q2);
        bad |= memcmp(d1, d2, 4 * n) || memcmp(s1, s2, sizeof s1) || memcmp(q1, q2, sizeof q1);
        eltwise_scalar.bn_backward_apply(d1, x, n, 0.8f, 0.1f, 1.7f, 0.05f, -0.3f);
        eltwise_vec.bn_backward_apply(d2, x, n, 0.8f, 0.1f, 1.7f, 0.05f, -0.3f);
        bad |= memcmp(d1, d2, 4 * n) != 0;
        /* max-pool rows of n windows: zeros (ReLU), repeated values (ties) and a NaN now and then */
        float *rows = malloc(4 * 4 * n), *p1 = malloc(4 * n), *p2 = malloc(4 * n);
        uint8_t *a1 = malloc(n), *a2 = malloc(n);
        for (int j = 0; j < 4 * n; j++) {
            float u = rng_uniform(&r);
            rows[j] = u < 0.3f      ? 0.0f
                : u < 0.4f && j > 0 ? rows[j - 1]
                : u < 0.41f         ? NAN
                                    : 2.0f * rng_uniform(&r) - 1.0f;
        }
        eltwise_scalar.maxpool2_row(rows, rows + 2 * n, n, p1, a1);
        eltwise_vec.maxpool2_row(rows, rows + 2 * n, n, p2, a2);
        bad |= memcmp(p1, p2, 4 * n) || memcmp(a1, a2, n);
        free(rows); free(p1); free(p2); free(a1); free(a2);
        /* dropout: draws around the threshold, both sides of it and on it */
        uint16_t *draw = malloc(2 * n);
        for (int j = 0; j < n; j++)
            draw[j] = (uint16_t)(6554 + (int)(rng_u32(&r) % 9) - 4 + (rng_uniform(&r) < 0.5f ? 20000 : 0));
        memcpy(y1, x, 4 * n); memcpy(y2, x, 4 * n);
        eltwise_scalar.dropout(y1, draw, n, 6554, 1.1111112f);
        eltwise_vec.dropout(y2, draw, n, 6554, 1.1111112f);
        bad |= memcmp(y1, y2, 4 * n) != 0;
        free(draw);
        if (bad) {
            char line[120];
            snprintf(line, sizeof line, "eltwise vec != scalar for n=%d seed=%llu", n, (unsigned long long)seed);
            note(report, len, line);
        }
        fails += bad;
        (*cases)++;
        free(x); free(o); free(d1); free(d2); free(y1); free(y2);
    }
    return fails;
}

/* The weight gradient through Winograd's domain (two images, accumulated, then transformed
 * back onto a non-zero dw) against its definition in double, each weight within 2e-6 of the
 * size of its terms; and the vector transforms' accumulated sums equal to the scalar ones'. */
static int winograd_weight_gradient_case(const float *x, int C, int H, int W, int K, int P, int Q, Rng *r,
                                         float *scratch, char *report, size_t len) {
    float *dy = malloc(sizeof(float) * 2 * K * P * Q), *x2 = malloc(sizeof(float) * C * H * W);
    float *dUT = calloc((size_t)16 * C * K, sizeof(float)), *dw = malloc(sizeof(float) * K * C * 9);
    for (int j = 0; j < 2 * K * P * Q; j++) dy[j] = rng_uniform(r) < 0.2f ? 0.0f : 2.0f * rng_uniform(r) - 1.0f;
    for (int j = 0; j < C * H * W; j++) x2[j] = 2.0f * rng_uniform(r) - 1.0f;
    for (int j = 0; j < K * C * 9; j++) dw[j] = 0.25f;
    const float *xs[2] = { x, x2 };
    float *dUT_ref = calloc((size_t)16 * C * K, sizeof(float));
    for (int i = 0; i < 2; i++) {
        winograd_weight_gradient(xs[i], C, H, W, dy + (size_t)i * K * P * Q, K, P, Q, dUT, scratch);
        winograd_weight_gradient_using(&winograd_scalar, xs[i], C, H, W, dy + (size_t)i * K * P * Q, K, P, Q, dUT_ref,
                                       scratch);
    }
    int differs = memcmp(dUT, dUT_ref, sizeof(float) * 16 * C * K) != 0; /* vector transforms against the scalar ones */
    free(dUT_ref);
    winograd_weight_gradient_finish(dUT, C, K, dw);
    double worst = 0.0;
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double sum = 0.25, size = 0.25;
                    for (int i = 0; i < 2; i++)
                        for (int p = 0; p < P; p++)
                            for (int q = 0; q < Q; q++) {
                                double term = (double)dy[(((size_t)i * K + k) * P + p) * Q + q] *
                                    xs[i][((size_t)c * H + p + a) * W + q + b];
                                sum += term;
                                size += term < 0 ? -term : term;
                            }
                    double err = (dw[((size_t)k * C + c) * 9 + a * 3 + b] - sum) / size;
                    if (err < 0) err = -err;
                    if (!(err <= worst)) worst = err;
                }
    free(dy); free(x2); free(dUT); free(dw);
    if (worst <= 2e-6 && !differs) return 0;
    char line[160];
    snprintf(line, sizeof line, "winograd weight gradient C=%d K=%d %dx%d: error %.3g of the terms' size%s", C, K, H, W,
             worst, differs ? ", vector transforms != scalar" : "");
    note(report, len, line);
    return 1;
}

/* Winograd F(2x2, 3x3) against the convolution's definition in double: forward shapes of the
 * reference net and odd, tiny and one-channel ones (partial tiles), and the backward-data form
 * (flipped, transposed weights; pad 2). Each output within 2e-6 of the sum of its terms' sizes,
 * and the vector transforms equal to the scalar ones to the bit; and the weight gradient of each
 * forward shape. */
int kernel_check_winograd(uint64_t seed, int *cases, char *report, size_t len) {
    static const int shapes[][5] = {/* C, K, H, W, flip (flip: pad 2, the backward-data pass) */
                                    {1, 8, 28, 28, 0}, {8, 16, 26, 26, 0}, {16, 32, 24, 24, 0}, {8, 16, 11, 11, 0},
                                    {16, 32, 9, 9, 0}, {16, 16, 7, 7, 0},  {1, 1, 3, 3, 0},     {3, 2, 5, 8, 0},
                                    {2, 5, 4, 4, 0},   {5, 3, 6, 3, 0},    {32, 16, 22, 22, 1}, {16, 8, 24, 24, 1},
                                    {32, 16, 7, 7, 1}, {16, 16, 5, 5, 1},  {3, 4, 1, 1, 1},     {2, 3, 4, 5, 1}};
    int fails = 0;
    *cases = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        int C = shapes[i][0], K = shapes[i][1], H = shapes[i][2], W = shapes[i][3], flip = shapes[i][4];
        int pad = flip ? 2 : 0, P = H + 2 * pad - 2, Q = W + 2 * pad - 2;
        /* flip: the weights are those of a forward conv with K inputs and C outputs */
        float *x = malloc(sizeof(float) * C * H * W), *w = malloc(sizeof(float) * K * C * 9),
              *y = malloc(sizeof(float) * K * P * Q);
        float *U = malloc(sizeof(float) * 16 * K * C),
              *scratch = malloc(sizeof(float) * winograd_scratch_floats(C, K, P, Q));
        Rng r = rng_for(seed, RNG_TEST, 91, i);
        for (int j = 0; j < C * H * W; j++) x[j] = rng_uniform(&r) < 0.3f ? 0.0f : 2.0f * rng_uniform(&r) - 1.0f;
        for (int j = 0; j < K * C * 9; j++) w[j] = 0.6f * rng_uniform(&r) - 0.3f;
        winograd_weights(w, K, C, flip, U);
        winograd_conv(x, C, H, W, pad, U, K, y, P, Q, scratch);
        double worst = 0.0;
        for (int k = 0; k < K; k++)
            for (int p = 0; p < P; p++)
                for (int q = 0; q < Q; q++) {
                    double sum = 0.0, size = 1e-30;
                    for (int c = 0; c < C; c++)
                        for (int a = 0; a < 3; a++)
                            for (int b = 0; b < 3; b++) {
                                int yy = p + a - pad, xx = q + b - pad;
                                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                                /* flip: w is (C-output... ) K x C read as [c][k] rotated by 180 degrees */
                                double wv = flip ? w[((size_t)c * K + k) * 9 + (2 - a) * 3 + (2 - b)]
                                                 : w[((size_t)k * C + c) * 9 + a * 3 + b];
                                double term = wv * x[((size_t)c * H + yy) * W + xx];
                                sum += term;
                                size += term < 0 ? -term : term;
                            }
                    double err = (y[((size_t)k * P + p) * Q + q] - sum) / size;
                    if (err < 0) err = -err;
                    if (!(err <= worst)) worst = err;          /* NaN counts as the worst */
                }
        int bad = !(worst <= 2e-6);
        if (bad) {
            char line[160];
            snprintf(line, sizeof line, "winograd C=%d K=%d %dx%d pad %d: error %.3g of the terms' size", C, K, H, W,
                     pad, worst);
            note(report, len, line);
        }
        /* the vector transforms (what winograd_conv uses) against the scalar reference, to the bit */
        float *ref = malloc(sizeof(float) * K * P * Q);
        winograd_conv_using(&winograd_scalar, x, C, H, W, pad, U, K, ref, P, Q, scratch);
        if (memcmp(ref, y, sizeof(float) * K * P * Q)) {
            char line[160];
            snprintf(line, sizeof line, "winograd C=%d K=%d %dx%d pad %d: vector transforms != scalar", C, K, H, W,
                     pad);
            note(report, len, line);
            bad = 1;
        }
        free(ref);
        if (!flip) bad |= winograd_weight_gradient_case(x, C, H, W, K, P, Q, &r, scratch, report, len);
        fails += bad;
        (*cases)++;
        free(x); free(w); free(y); free(U); free(scratch);
    }
    return fails;
}
