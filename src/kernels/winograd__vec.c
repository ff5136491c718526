/* winograd__vec.c - the F(2x2, 3x3) transforms (winograd.h) four tiles at a time, in portable
 * 4-float vectors (SSE natively, SIMD128 in wasm). Four neighbouring tiles of a tile row read
 * columns x0 .. x0+9 of each of their four input rows: the even and odd columns of two
 * overlapping 8-float loads give the patches' four columns for all four tiles at once, and the
 * transformed values of the four tiles are contiguous in V; the output transform reads four
 * tiles' products the same way. The operations and their order are the scalar reference's
 * (winograd.c), zeros standing in for what lies outside the input, so the results agree to the
 * bit (kernel_check_winograd). */
#include "winograd.h"
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld(const float *p) { v4f v; memcpy(&v, p, sizeof v); return v; }
static inline void st(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline v4f splat0(void) { return (v4f){ 0.0f, 0.0f, 0.0f, 0.0f }; }

/* the four tiles' 4x4 patches from rows of at least x0 + 10 readable floats */
static inline void transform_four(const float *p0, size_t W, float *v, size_t plane, int count) {
    v4f d[4][4];
    for (int i = 0; i < 4; i++) {
        const float *p = p0 + i * W;
        v4f a = ld(p), b = ld(p + 4), e = ld(p + 2), f = ld(p + 6);
        d[i][0] = __builtin_shufflevector(a, b, 0, 2, 4, 6);     /* columns x0, x0+2, x0+4, x0+6 */
        d[i][1] = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        d[i][2] = __builtin_shufflevector(e, f, 0, 2, 4, 6);
        d[i][3] = __builtin_shufflevector(e, f, 1, 3, 5, 7);
    }
    v4f t[4][4], out[16];
    for (int j = 0; j < 4; j++) {
        t[0][j] = d[0][j] - d[2][j];
        t[1][j] = d[1][j] + d[2][j];
        t[2][j] = d[2][j] - d[1][j];
        t[3][j] = d[1][j] - d[3][j];
    }
    for (int i = 0; i < 4; i++) {
        out[i * 4 + 0] = t[i][0] - t[i][2];
        out[i * 4 + 1] = t[i][1] + t[i][2];
        out[i * 4 + 2] = t[i][2] - t[i][1];
        out[i * 4 + 3] = t[i][1] - t[i][3];
    }
    if (count == 4) {
        for (int xi = 0; xi < 16; xi++) st(v + (size_t)xi * plane, out[xi]);
        return;
    }
    for (int xi = 0; xi < 16; xi++) {          /* through memory: a lane picked by a variable */
        float lanes[4];                         /* would put every vector of the function there */
        st(lanes, out[xi]);
        float *dst = v + (size_t)xi * plane;    /* fixed sizes: a memcpy of a variable size is a call in wasm */
        if (count == 3) memcpy(dst, lanes, 3 * sizeof(float));
        else if (count == 2) memcpy(dst, lanes, 2 * sizeof(float));
        else dst[0] = lanes[0];
    }
}

/* n floats, four at a time: a copy of a variable length (memcpy, or a loop the compiler
 * turns into one) is a call in wasm, and those took ~6 % of a wasm training step here */
static inline void copy_row(float *dst, const float *src, int n) {
    int j = 0;
    for (; j + 4 <= n; j += 4) st(dst + j, ld(src + j));
    if (n - j >= 2) { memcpy(dst + j, src + j, 2 * sizeof(float)); j += 2; }
    if (j < n) dst[j] = src[j];
}

/* Every tile through the vector path: when a tile would read outside x (padding, the partial
 * tiles at the far edges, the last group of four), the input is first copied into a zero-bordered
 * plane in the scratch space after V, wide enough for whole groups (winograd_scratch_floats). */
static void input_transform(const float *x, int C, int H, int W, int pad, int TP, int TQ, float *V) {
    size_t T = (size_t)TP * TQ, plane = (size_t)C * T;
    int groups = (TQ + 3) / 4, Hp = 2 * TP + 2, Wp = 8 * groups + 2;
    int direct = pad == 0 && Hp <= H && Wp <= W;
    float *xp = V + 16 * plane;
    for (int c = 0; c < C; c++) {
        const float *xc = x + (size_t)c * H * W;
        int w = W;
        if (!direct) {
            memset(xp, 0, (size_t)Hp * Wp * sizeof(float));
            for (int i = 0; i < H && i + pad < Hp; i++) {
                int n = W + pad <= Wp ? W : Wp - pad;
                copy_row(xp + (size_t)(i + pad) * Wp + pad, xc + (size_t)i * W, n);
            }
            xc = xp;
            w = Wp;
        }
        for (int tp = 0; tp < TP; tp++)
            for (int g = 0; g < groups; g++) {
                int tq = 4 * g, count = TQ - tq < 4 ? TQ - tq : 4;
                transform_four(xc + (size_t)(2 * tp) * w + 2 * tq, (size_t)w, V + (size_t)c * T + (size_t)tp * TQ + tq,
                               plane, count);
            }
    }
}

/* copies of 1-7 floats with fixed sizes (a variable-size copy is a call in wasm) */
static inline void store_part(float *dst, const float *src, int n) {
    switch (n) {
    case 7: memcpy(dst, src, 7 * sizeof(float)); break;
    case 6: memcpy(dst, src, 6 * sizeof(float)); break;
    case 5: memcpy(dst, src, 5 * sizeof(float)); break;
    case 4: memcpy(dst, src, 4 * sizeof(float)); break;
    case 3: memcpy(dst, src, 3 * sizeof(float)); break;
    case 2: memcpy(dst, src, 2 * sizeof(float)); break;
    default: dst[0] = src[0]; break;
    }
}

static inline v4f ld_part(const float *p, int n) {
    if (n == 4) return ld(p);
    float lanes[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
    store_part(lanes, p, n);
    return (v4f){ lanes[0], lanes[1], lanes[2], lanes[3] };
}

/* Y = A^T M A for four neighbouring tiles of a tile row at once: M[xi] of the four tiles are
 * contiguous (tile-major within a channel), so each of the 16 positions is one load; the two
 * output columns of the four tiles are interleaved into eight contiguous outputs per row. The
 * scalar reference's operations in its order: the same bits. */
static void output_transform(const float *M, int K, int P, int Q, int TP, int TQ, float *y) {
    size_t T = (size_t)TP * TQ, plane = (size_t)K * T;
    for (int k = 0; k < K; k++)
        for (int tp = 0; tp < TP; tp++)
            for (int tq = 0; tq < TQ; tq += 4) {
                int count = TQ - tq < 4 ? TQ - tq : 4;
                const float *m = M + (size_t)k * T + (size_t)tp * TQ + tq;
                v4f s[2][4];
                for (int j = 0; j < 4; j++) {                  /* s = A^T m */
                    v4f m0 = ld_part(m + (size_t)j * plane, count), m1 = ld_part(m + (size_t)(4 + j) * plane, count);
                    v4f m2 = ld_part(m + (size_t)(8 + j) * plane, count),
                        m3 = ld_part(m + (size_t)(12 + j) * plane, count);
                    s[0][j] = m0 + m1 + m2;
                    s[1][j] = m1 - m2 - m3;
                }
                int q = 2 * tq, cols = Q - q < 8 ? Q - q : 8;
                for (int i = 0; i < 2 && 2 * tp + i < P; i++) {  /* Y = s A */
                    v4f y0 = s[i][0] + s[i][1] + s[i][2], y1 = s[i][1] - s[i][2] - s[i][3];
                    v4f lo = __builtin_shufflevector(y0, y1, 0, 4, 1, 5),
                        hi = __builtin_shufflevector(y0, y1, 2, 6, 3, 7);
                    float *row = y + ((size_t)k * P + 2 * tp + i) * Q + q;
                    if (cols == 8) { st(row, lo); st(row + 4, hi); continue; }
                    float out[8];
                    st(out, lo); st(out + 4, hi);
                    store_part(row, out, cols);
                }
            }
}

/* D = A dY A^T (the weight gradient's transform) four output channels at a time: D keeps
 * the channels of a tile contiguous, so the 16 values of four channels are 16 vector stores
 * (one channel at a time they were 64 scalar ones). The reference's operations in its order;
 * the last 1-3 channels go to the reference itself. */
static void output_gradient_transform(const float *dy, int K, int P, int Q, int TP, int TQ, float *D) {
    size_t T = (size_t)TP * TQ, PQ = (size_t)P * Q, xi_stride = T * K;
    for (int tp = 0; tp < TP; tp++)
        for (int tq = 0; tq < TQ; tq++) {
            int p = 2 * tp, q = 2 * tq, right = q + 1 < Q, below = p + 1 < P;
            size_t o = (size_t)p * Q + q;
            float *d = D + ((size_t)tp * TQ + tq) * K;
            for (int k = 0; k + 4 <= K; k += 4) {
                const float *y0 = dy + (size_t)k * PQ + o;
                v4f g00 = { y0[0], y0[PQ], y0[2 * PQ], y0[3 * PQ] }, g01 = splat0(), g10 = splat0(), g11 = splat0();
                if (right) g01 = (v4f){ y0[1], y0[PQ + 1], y0[2 * PQ + 1], y0[3 * PQ + 1] };
                if (below) g10 = (v4f){ y0[Q], y0[PQ + Q], y0[2 * PQ + Q], y0[3 * PQ + Q] };
                if (right && below) g11 = (v4f){ y0[Q + 1], y0[PQ + Q + 1], y0[2 * PQ + Q + 1], y0[3 * PQ + Q + 1] };
                v4f t[4][2] = { { g00, g01 }, { g00 + g10, g01 + g11 }, { g00 - g10, g01 - g11 }, { -g10, -g11 } };
                for (int i = 0; i < 4; i++) {
                    st(d + (size_t)(i * 4 + 0) * xi_stride + k, t[i][0]);
                    st(d + (size_t)(i * 4 + 1) * xi_stride + k, t[i][0] + t[i][1]);
                    st(d + (size_t)(i * 4 + 2) * xi_stride + k, t[i][0] - t[i][1]);
                    st(d + (size_t)(i * 4 + 3) * xi_stride + k, -t[i][1]);
                }
            }
        }
    winograd_output_gradient_channels(dy, K & ~3, K, P, Q, TP, TQ, D);   /* the last 1-3 channels */
}

const WinogradTransforms winograd_vec = { input_transform, output_transform, output_gradient_transform };
