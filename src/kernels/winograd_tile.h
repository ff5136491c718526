/* winograd_tile.h - one tile of the F(2x2, 3x3) transforms (winograd.h), shared by the scalar
 * reference (winograd.c) and the vector variant (winograd__vec.c) for the tiles it does not
 * cover, so both do the same operations in the same order and agree to the bit. */
#ifndef WINOGRAD_TILE_H
#define WINOGRAD_TILE_H
#include <stddef.h>
#include <string.h>

/* V[xi * plane] = (B^T d B)[xi] for the 4x4 patch at (y0, x0) of one channel (zeros outside) */
static inline void winograd_input_tile(const float *xc, int H, int W, int y0, int x0, float *v, size_t plane) {
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
static inline void winograd_output_tile(const float *m, size_t plane, float *yk, int P, int Q, int p, int q) {
    float s[2][4];
    for (int j = 0; j < 4; j++) {                      /* s = A^T m */
        float m0 = m[(size_t)j * plane], m1 = m[(size_t)(4 + j) * plane], m2 = m[(size_t)(8 + j) * plane], m3 = m[(size_t)(12 + j) * plane];
        s[0][j] = m0 + m1 + m2;
        s[1][j] = m1 - m2 - m3;
    }
    for (int i = 0; i < 2 && p + i < P; i++) {         /* Y = s A */
        float *row = yk + (size_t)(p + i) * Q + q;
        row[0] = s[i][0] + s[i][1] + s[i][2];
        if (q + 1 < Q) row[1] = s[i][1] - s[i][2] - s[i][3];
    }
}
#endif
