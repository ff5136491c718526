/* augment.c - normalisation and random affine augmentation; see augment.h. */
#include "augment.h"
#include <math.h>
#include <stddef.h>

void normalise_image(const uint8_t *px, int n, float *out) {
    const float a = 1.0f / (255.0f * MNIST_STD), b = -MNIST_MEAN / MNIST_STD;
    for (int i = 0; i < n; i++) out[i] = px[i] * a + b;
}

/* out = a * (bilinear sample of the source at the inverse map) + b, for every output pixel:
 * source position = I (out - centre - shift) + centre, I = [[i00, i01], [i10, i11]]; outside
 * the image counts as 0. The source is bytes (src8) or floats (srcf), the other NULL: inlined
 * at both call sites with one of them constant, so each gets its own loop. */
static inline void warp_bilinear(const uint8_t *src8, const float *srcf, int rows, int cols, float i00, float i01,
                                 float i10, float i11, float tx, float ty, float a, float b, float *out) {
    float cx = (cols - 1) * 0.5f, cy = (rows - 1) * 0.5f;
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) {
            float dx = x - cx - tx, dy = y - cy - ty;
            float sx = i00 * dx + i01 * dy + cx, sy = i10 * dx + i11 * dy + cy;
            int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
            float fx = sx - x0, fy = sy - y0, v = 0.0f;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int xx = x0 + i, yy = y0 + j;
                    if (xx < 0 || yy < 0 || xx >= cols || yy >= rows) continue;
                    float s = src8 ? (float)src8[yy * cols + xx] : srcf[yy * cols + xx];
                    v += (i ? fx : 1.0f - fx) * (j ? fy : 1.0f - fy) * s;
                }
            out[y * cols + x] = v * a + b;
        }
}

void augment_affine(const uint8_t *px, int rows, int cols, float max_deg, float max_shift, Rng *r, float *out) {
    float angle = (2.0f * rng_uniform(r) - 1.0f) * max_deg * (float)(M_PI / 180.0);
    float tx = (2.0f * rng_uniform(r) - 1.0f) * max_shift, ty = (2.0f * rng_uniform(r) - 1.0f) * max_shift;
    float cs = cosf(angle), sn = sinf(angle);
    /* inverse map: rotate by -angle about the centre */
    warp_bilinear(px, NULL, rows, cols, cs, sn, -sn, cs, tx, ty, 1.0f / (255.0f * MNIST_STD), -MNIST_MEAN / MNIST_STD,
                  out);
}

/* 3x3 grey dilation (max) or erosion (min) of an image; the border counts as paper (0) */
static void morph3(const float *in, int rows, int cols, int dilate, float *out) {
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) {
            float v = dilate ? 0.0f : 1.0f;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    float s = yy < 0 || xx < 0 || yy >= rows || xx >= cols ? 0.0f : in[yy * cols + xx];
                    v = dilate ? (s > v ? s : v) : (s < v ? s : v);
                }
            out[y * cols + x] = v;
        }
}

void augment_style(const uint8_t *px, int rows, int cols, float max_deg, float max_slant, float max_scale,
                   float max_shift, float max_thick, Rng *r, float *out) {
    enum { MAX_SIDE = 64 };
    float img[MAX_SIDE * MAX_SIDE], morph[MAX_SIDE * MAX_SIDE];
    int n = rows * cols;
    if (rows > MAX_SIDE || cols > MAX_SIDE) { normalise_image(px, n, out); return; }
    float thick = (2.0f * rng_uniform(r) - 1.0f) * max_thick;
    float angle = (2.0f * rng_uniform(r) - 1.0f) * max_deg * (float)(M_PI / 180.0);
    float slant = (2.0f * rng_uniform(r) - 1.0f) * max_slant;
    float scale = 1.0f + (2.0f * rng_uniform(r) - 1.0f) * max_scale;
    float tx = (2.0f * rng_uniform(r) - 1.0f) * max_shift, ty = (2.0f * rng_uniform(r) - 1.0f) * max_shift;
    for (int i = 0; i < n; i++) img[i] = px[i] * (1.0f / 255.0f);
    if (thick != 0.0f) {
        float t = fabsf(thick) > 1.0f ? 1.0f : fabsf(thick);
        morph3(img, rows, cols, thick > 0.0f, morph);
        for (int i = 0; i < n; i++) img[i] += t * (morph[i] - img[i]);
    }
    /* forward map M = scale * shear * rotation (source -> output, about the centre); sample
     * each output pixel at M^-1 (out - centre - shift) + centre */
    float cs = cosf(angle), sn = sinf(angle);
    float m00 = scale * (cs + slant * sn), m01 = scale * (-sn + slant * cs);
    float m10 = scale * sn, m11 = scale * cs;
    float det = m00 * m11 - m01 * m10;
    float i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
    warp_bilinear(NULL, img, rows, cols, i00, i01, i10, i11, tx, ty, 1.0f / MNIST_STD, -MNIST_MEAN / MNIST_STD, out);
}
