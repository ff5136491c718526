/* preprocess.c - MNIST-style size and centre-of-mass normalisation of a drawing; see preprocess.h. */
#include "preprocess.h"
#include "augment.h"
#include <math.h>
#include <string.h>

/* the part of source interval [a, b) that source cell [i, i+1) covers */
static float overlap(float a, float b, int i) {
    float lo = a > i ? a : (float)i, hi = b < i + 1 ? b : (float)(i + 1);
    return hi > lo ? hi - lo : 0.0f;
}

int preprocess_digit(const float *ink, int w, int h, float *out) {
    memset(out, 0, 28 * 28 * sizeof(float));
    if (!ink || w < 1 || h < 1 || w > PREPROCESS_MAX_SIDE || h > PREPROCESS_MAX_SIDE) return -1;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (ink[y * w + x] > INK_THRESHOLD) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
    if (x1 < 0) return 0;
    int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    float scale = 20.0f / (float)(bw > bh ? bw : bh);          /* target px per source px */
    int tw = (int)lroundf(bw * scale), th = (int)lroundf(bh * scale);
    if (tw < 1) tw = 1;
    if (th < 1) th = 1;
    if (tw > 20) tw = 20;
    if (th > 20) th = 20;
    float box[20 * 20];
    float sx = (float)bw / tw, sy = (float)bh / th;            /* source px per target px */
    for (int ty = 0; ty < th; ty++) {
        float ya = y0 + ty * sy, yb = ya + sy;
        for (int tx = 0; tx < tw; tx++) {
            float xa = x0 + tx * sx, xb = xa + sx, sum = 0.0f;
            for (int y = (int)floorf(ya); y < (int)ceilf(yb) && y <= y1; y++) {
                float wy = overlap(ya, yb, y);
                if (wy <= 0.0f) continue;
                for (int x = (int)floorf(xa); x < (int)ceilf(xb) && x <= x1; x++) {
                    float v = ink[y * w + x];
                    if (!(v > 0.0f)) v = 0.0f;         /* also NaN (found by fuzz_preprocess) */
                    else if (v > 1.0f) v = 1.0f;
                    sum += wy * overlap(xa, xb, x) * v;
                }
            }
            box[ty * tw + tx] = sum / (sx * sy);
        }
    }
    double m = 0.0, mx = 0.0, my = 0.0;
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++) { double v = box[y * tw + x]; m += v; mx += v * (x + 0.5); my += v * (y + 0.5); }
    int ox = 14 - (int)lround(mx / m), oy = 14 - (int)lround(my / m);
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++) {
            int X = x + ox, Y = y + oy;
            if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = box[y * tw + x];
        }
    return 1;
}

void preprocess_to_input(const float *img28, float *input) {
    for (int i = 0; i < 28 * 28; i++) input[i] = (img28[i] - MNIST_MEAN) / MNIST_STD;
}
