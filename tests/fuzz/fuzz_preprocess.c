/* fuzz_preprocess.c - libFuzzer target: drawing preprocessing on arbitrary sizes and pixel
 * values (including NaN and infinities): no crash, output always in [0, 1] or zero. */
#include "data/preprocess.h"
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    int w = 1 + data[0] % 64 + (data[1] % 4) * 64, h = 1 + data[2] % 64 + (data[3] % 4) * 64;
    size_t n = (size_t)w * h;
    float *ink = calloc(n, sizeof(float)), out[784];
    for (size_t i = 0; i < n && 4 + 4 * i + 4 <= size; i++) memcpy(&ink[i], data + 4 + 4 * i, 4);
    if (size > 4 && (data[4] & 1)) for (size_t i = 0; i < n; i++) ink[i] = data[4 + i % (size - 4)] / 255.0f;
    int r = preprocess_digit(ink, w, h, out);
    for (int i = 0; i < 784; i++) if (!(out[i] >= 0.0f && out[i] <= 1.0001f)) abort();
    if (r < 0) abort();                       /* sizes here are always valid */
    free(ink);
    return 0;
}
