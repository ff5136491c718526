/* winograd.c - F(2x2, 3x3) convolution; see winograd.h. With d a 4x4 input patch, g a 3x3
 * filter and m the 4x4 products summed over input channels:
 *   V = B^T d B,  U = G g G^T,  M = sum_c U . V (elementwise),  Y = A^T M A (2x2 outputs)
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * The sums over channels are the 16 GEMMs (gemm.h), one per position xi of the 4x4 block. */
#include "winograd.h"
#include "gemm.h"
#include <string.h>

static int tiles(int n) { return (n + 1) / 2; }

/* The scratch space: V (16 x C x tiles), then one zero-bordered input plane for the vector
 * input transform (winograd__vec.c: whole groups of four tiles wide), then M or D (16 x K x tiles). */
static size_t products_offset(int C, int TP, int TQ) {
    size_t padded = (size_t)(2 * TP + 2) * (8 * ((TQ + 3) / 4) + 2);
    return 16 * (size_t)C * TP * TQ + padded;
}

size_t winograd_scratch_floats(int C, int K, int P, int Q) {
    return products_offset(C, tiles(P), tiles(Q)) + 16 * (size_t)K * tiles(P) * tiles(Q);
}

void winograd_weights(const float *w, int K, int C, int flip, float *U) {
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            double g[3][3], t[4][3];
            for (int r = 0; r < 3; r++)
                for (int s = 0; s < 3; s++)
                    g[r][s] = flip ? w[((size_t)c * K + k) * 9 + (2 - r) * 3 + (2 - s)]
                                   : w[((size_t)k * C + c) * 9 + r * 3 + s];
            for (int s = 0; s < 3; s++) {                      /* t = G g */
                t[0][s] = g[0][s];
                t[1][s] = 0.5 * (g[0][s] + g[1][s] + g[2][s]);
                t[2][s] = 0.5 * (g[0][s] - g[1][s] + g[2][s]);
                t[3][s] = g[2][s];
            }
            for (int i = 0; i < 4; i++) {                      /* U = t G^T */
                double u[4] = {t[i][0], 0.5 * (t[i][0] + t[i][1] + t[i][2]), 0.5 * (t[i][0] - t[i][1] + t[i][2]),
                               t[i][2]};
                for (int j = 0; j < 4; j++) U[((size_t)(i * 4 + j) * K + k) * C + c] = (float)u[j];
            }
        }
}

/* the scalar reference of the transforms: tile by tile */
/* V[xi * plane] = (B^T d B)[xi] for the 4x4 patch at (y0, x0) of one channel (zeros outside) */
static void input_tile(const float *xc, int H, int W, int y0, int x0, float *v, size_t plane) {
    float d[4][4];
    if (y0 >= 0 && x0 >= 0 && y0 + 4 <= H && x0 + 4 <= W) {
        for (int i = 0; i < 4; i++) memcpy(d[i], xc + (size_t)(y0 + i) * W + x0, 4 * sizeof(float));
    } else {
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                int yy = y0 + i, xx = x0 + j;
                d[i][j] = yy >= 0 && yy < H && xx >= 0 && xx < W ? xc[(size_t)yy * W + xx] : 0.0f;
            }
    }
    float t[4][4];
    for (int j = 0; j < 4; j++) {                      /* t = B^T d */
        t[0][j] = d[0][j] - d[2][j];
        t[1][j] = d[1][j] + d[2][j];
        t[2][j] = d[2][j] - d[1][j];
        t[3][j] = d[1][j] - d[3][j];
    }
    for (int i = 0; i < 4; i++) {                      /* V = t B */
        v[(size_t)(i * 4 + 0) * plane] = t[i][0] - t[i][2];
        v[(size_t)(i * 4 + 1) * plane] = t[i][1] + t[i][2];
        v[(size_t)(i * 4 + 2) * plane] = t[i][2] - t[i][1];
        v[(size_t)(i * 4 + 3) * plane] = t[i][1] - t[i][3];
    }
}

/* the 2x2 outputs A^T M A of the tile whose products start at m (M[xi] at m[xi * plane]), written
 * at (p, q) of a P x Q plane; outputs past P or Q dropped */
static void output_tile(const float *m, size_t plane, float *yk, int P, int Q, int p, int q) {
    float s[2][4];
    for (int j = 0; j < 4; j++) {                      /* s = A^T m */
        float m0 = m[(size_t)j * plane], m1 = m[(size_t)(4 + j) * plane], m2 = m[(size_t)(8 + j) * plane],
              m3 = m[(size_t)(12 + j) * plane];
        s[0][j] = m0 + m1 + m2;
        s[1][j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 2 && p + i < P; i++) {         /* Y = s A */
        float *row = yk + (size_t)(p + i) * Q + q;
        row[0] = s[i][0] + s[i][1] + s[i][2];
        if (q + 1 < Q) row[1] = s[i][1] - s[i][2] - s[i][3];
    }
}

static void input_transform(const float *x, int C, int H, int W, int pad, int TP, int TQ, float *V) {
    size_t T = (size_t)TP * TQ, plane = (size_t)C * T;
    for (int c = 0; c < C; c++)
        for (int tp = 0; tp < TP; tp++)
            for (int tq = 0; tq < TQ; tq++)
                input_tile(x + (size_t)c * H * W, H, W, 2 * tp - pad, 2 * tq - pad,
                           V + (size_t)c * T + (size_t)tp * TQ + tq, plane);
}

static void output_transform(const float *M, int K, int P, int Q, int TP, int TQ, float *y) {
    size_t T = (size_t)TP * TQ, plane = (size_t)K * T;
    for (int k = 0; k < K; k++)
        for (int tp = 0; tp < TP; tp++)
            for (int tq = 0; tq < TQ; tq++)
                output_tile(M + (size_t)k * T + (size_t)tp * TQ + tq, plane, y + (size_t)k * P * Q, P, Q, 2 * tp,
                            2 * tq);
}

static void output_gradient_transform(const float *dy, int K, int P, int Q, int TP, int TQ, float *D);

const WinogradTransforms winograd_scalar = { input_transform, output_transform, output_gradient_transform };

void winograd_conv_using(const WinogradTransforms *tr, const float *x, int C, int H, int W, int pad, const float *U,
                         int K, float *y, int P, int Q, float *scratch) {
    int TP = tiles(P), TQ = tiles(Q);
    size_t T = (size_t)TP * TQ;
    float *V = scratch, *M = scratch + products_offset(C, TP, TQ);
    tr->input(x, C, H, W, pad, TP, TQ, V);
    for (int xi = 0; xi < 16; xi++)
        gemm(K, (int)T, C, U + (size_t)xi * K * C, C, V + (size_t)xi * C * T, (int)T, M + (size_t)xi * K * T, (int)T,
             0);
    tr->output(M, K, P, Q, TP, TQ, y);
}

void winograd_conv(const float *x, int C, int H, int W, int pad, const float *U, int K, float *y, int P, int Q,
                   float *scratch) {
    winograd_conv_using(&winograd_vec, x, C, H, W, pad, U, K, y, P, Q, scratch);
}

/* The weight gradient. Y = A^T M A with M = sum_c U . V is linear in U, so the gradient of U at
 * position xi is sum over tiles of (A dY A^T)[xi] * V[xi] (dY: the tile's 2x2 output gradient,
 * 0 past P or Q), and that of g is G^T dU G. The sums over tiles are GEMMs, one per xi:
 * dUT[xi] (C x K) += V[xi] (C x tiles) * D[xi] (tiles x K), D = A dY A^T laid out tile by tile
 * with the K channels contiguous. */
void winograd_output_gradient_channels(const float *dy, int k0, int K, int P, int Q, int TP, int TQ, float *D) {
    size_t T = (size_t)TP * TQ;
    for (int tp = 0; tp < TP; tp++)
        for (int tq = 0; tq < TQ; tq++) {
            float *d = D + ((size_t)tp * TQ + tq) * K;
            int p = 2 * tp, q = 2 * tq;
            for (int k = k0; k < K; k++) {
                const float *yk = dy + (size_t)k * P * Q;
                float g00 = yk[(size_t)p * Q + q];
                float g01 = q + 1 < Q ? yk[(size_t)p * Q + q + 1] : 0.0f;
                float g10 = p + 1 < P ? yk[(size_t)(p + 1) * Q + q] : 0.0f;
                float g11 = p + 1 < P && q + 1 < Q ? yk[(size_t)(p + 1) * Q + q + 1] : 0.0f;
                float t[4][2] = {                              /* t = A dY */
                    { g00, g01 }, { g00 + g10, g01 + g11 }, { g00 - g10, g01 - g11 }, { -g10, -g11 } };
                for (int i = 0; i < 4; i++) {                  /* D = t A^T */
                    d[(size_t)(i * 4 + 0) * T * K + k] = t[i][0];
                    d[(size_t)(i * 4 + 1) * T * K + k] = t[i][0] + t[i][1];
                    d[(size_t)(i * 4 + 2) * T * K + k] = t[i][0] - t[i][1];
                    d[(size_t)(i * 4 + 3) * T * K + k] = -t[i][1];
                }
            }
        }
}

static void output_gradient_transform(const float *dy, int K, int P, int Q, int TP, int TQ, float *D) {
    winograd_output_gradient_channels(dy, 0, K, P, Q, TP, TQ, D);
}

void winograd_weight_gradient(const float *x, int C, int H, int W, const float *dy, int K, int P, int Q,
                              float *dUT, float *scratch) {
    winograd_weight_gradient_using(&winograd_vec, x, C, H, W, dy, K, P, Q, dUT, scratch);
}

void winograd_weight_gradient_using(const WinogradTransforms *tr, const float *x, int C, int H, int W, const float *dy,
                                    int K, int P, int Q, float *dUT, float *scratch) {
    int TP = tiles(P), TQ = tiles(Q);
    size_t T = (size_t)TP * TQ;
    float *V = scratch, *D = scratch + products_offset(C, TP, TQ);
    tr->input(x, C, H, W, 0, TP, TQ, V);
    tr->output_gradient(dy, K, P, Q, TP, TQ, D);
    for (int xi = 0; xi < 16; xi++)
        gemm(C, K, (int)T, V + (size_t)xi * C * T, (int)T, D + (size_t)xi * T * K, K, dUT + (size_t)xi * C * K, K, 1);
}

void winograd_weight_gradient_finish(const float *dUT, int C, int K, float *dw) {
    for (int k = 0; k < K; k++)
        for (int c = 0; c < C; c++) {
            double u[4][4], t[3][4];
            for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = dUT[((size_t)xi * C + c) * K + k];
            for (int j = 0; j < 4; j++) {                      /* t = G^T dU */
                t[0][j] = u[0][j] + 0.5 * (u[1][j] + u[2][j]);
                t[1][j] = 0.5 * (u[1][j] - u[2][j]);
                t[2][j] = 0.5 * (u[1][j] + u[2][j]) + u[3][j];
            }
            float *g = dw + ((size_t)k * C + c) * 9;
            for (int r = 0; r < 3; r++) {                      /* dg = t G */
                g[r * 3 + 0] += (float)(t[r][0] + 0.5 * (t[r][1] + t[r][2]));
                g[r * 3 + 1] += (float)(0.5 * (t[r][1] - t[r][2]));
                g[r * 3 + 2] += (float)(0.5 * (t[r][1] + t[r][2]) + t[r][3]);
            }
        }
}
