/* test_preprocess.c - MNIST-style normalisation of drawings: a shifted, scaled blob comes out
 * with its longer side 20 px, its centre of mass at the centre, its aspect ratio kept; an
 * empty canvas gives zeros; bad sizes are refused. */
#include "data/preprocess.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void measure(const float *o, int *w, int *h, double *cx, double *cy) {
    int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            float v = o[y * 28 + x];
            if (v > 0.05f) { if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y; }
            m += v; mx += v * (x + 0.5); my += v * (y + 0.5);
        }
    *w = x1 - x0 + 1; *h = y1 - y0 + 1; *cx = mx / m; *cy = my / m;
}

int main(void) {
    int W = 300, H = 200;
    float *ink = calloc((size_t)W * H, sizeof(float)), out[784];
    /* an ellipse-ish blob 60 wide, 120 tall, far off centre */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double dx = (x - 230) / 30.0, dy = (y - 70) / 60.0;
            if (dx * dx + dy * dy <= 1.0) ink[y * W + x] = 1.0f;
        }
    CHECK(preprocess_digit(ink, W, H, out) == 1, "ink found");
    int w, h;
    double cx, cy;
    measure(out, &w, &h, &cx, &cy);
    printf("blob: %dx%d, centre of mass (%.2f, %.2f)\n", w, h, cx, cy);
    CHECK(h >= 19 && h <= 20, "longer side %d should be 20", h);
    CHECK(w >= 9 && w <= 11, "shorter side %d should be ~10 (aspect kept)", w);
    CHECK(fabs(cx - 14.0) <= 0.5 && fabs(cy - 14.0) <= 0.5, "centre of mass (%.2f, %.2f) not at (14, 14)", cx, cy);
    float mx = 0;
    for (int i = 0; i < 784; i++) if (out[i] > mx) mx = out[i];
    CHECK(mx > 0.9f && mx <= 1.0001f, "intensity range: max %.3f", mx);
    /* a small blob is scaled up, a lopsided shape is centred by mass, not by box */
    memset(ink, 0, sizeof(float) * W * H);
    for (int y = 10; y < 20; y++) for (int x = 10; x < 14; x++) ink[y * W + x] = 1.0f;
    for (int y = 10; y < 12; y++) for (int x = 14; x < 20; x++) ink[y * W + x] = 1.0f;
    CHECK(preprocess_digit(ink, W, H, out) == 1, "small ink found");
    measure(out, &w, &h, &cx, &cy);
    printf("L shape: %dx%d, centre of mass (%.2f, %.2f)\n", w, h, cx, cy);
    CHECK(w >= 19 && h >= 19, "10x10 shape should be scaled to 20 (got %dx%d)", w, h);
    CHECK(fabs(cx - 14.0) <= 0.5 && fabs(cy - 14.0) <= 0.5, "centre of mass (%.2f, %.2f)", cx, cy);
    memset(ink, 0, sizeof(float) * W * H);
    CHECK(preprocess_digit(ink, W, H, out) == 0, "empty canvas");
    int zeros = 1;
    for (int i = 0; i < 784; i++) zeros &= out[i] == 0.0f;
    CHECK(zeros, "empty canvas gives zeros");
    CHECK(preprocess_digit(ink, 0, 10, out) == -1 && preprocess_digit(NULL, 10, 10, out) == -1 &&
          preprocess_digit(ink, 5000, 1, out) == -1, "bad sizes refused");
    free(ink);
    return check_summary("test_preprocess");
}
