/* augment.c - normalisation and random affine augmentation; see augment.h. */
#include "augment.h"
#include <math.h>

void normalise_image(const uint8_t *px, int n, float *out) {
    const float a = 1.0f / (255.0f * MNIST_STD), b = -MNIST_MEAN / MNIST_STD;
    for (int i = 0; i < n; i++) out[i] = px[i] * a + b;
}

void augment_affine(const uint8_t *px, int rows, int cols, float max_deg, float max_shift, Rng *r, float *out) {
    float angle = (2.0f * rng_uniform(r) - 1.0f) * max_deg * (float)(M_PI / 180.0);
    float tx = (2.0f * rng_uniform(r) - 1.0f) * max_shift, ty = (2.0f * rng_uniform(r) - 1.0f) * max_shift;
    float cs = cosf(angle), sn = sinf(angle);
    float cx = (cols - 1) * 0.5f, cy = (rows - 1) * 0.5f;
    const float a = 1.0f / (255.0f * MNIST_STD), b = -MNIST_MEAN / MNIST_STD;
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) {
            /* inverse map: output pixel -> source position (rotate by -angle about the centre) */
            float dx = x - cx - tx, dy = y - cy - ty;
            float sx = cs * dx + sn * dy + cx, sy = -sn * dx + cs * dy + cy;
            int x0 = (int)floorf(sx), y0 = (int)floorf(sy);
            float fx = sx - x0, fy = sy - y0, v = 0.0f;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int xx = x0 + i, yy = y0 + j;
                    if (xx < 0 || yy < 0 || xx >= cols || yy >= rows) continue;
                    v += (i ? fx : 1.0f - fx) * (j ? fy : 1.0f - fy) * px[yy * cols + xx];
                }
            out[y * cols + x] = v * a + b;
        }
}
