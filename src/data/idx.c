/* idx.c - IDX parsing with full validation; see idx.h. */
#include "idx.h"
#include <stdio.h>

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int idx_read_images(const uint8_t *buf, size_t len, IdxView *out, char *err, size_t errlen) {
    uint32_t magic = buf && len >= 4 ? be32(buf) : 0;
    if (magic == 0x00000801) { snprintf(err, errlen, "this is an IDX label file, not an image file"); return 1; }
    if (!buf || len < 16) {
        snprintf(err, errlen, "image file too short (%zu bytes): not an IDX image file", len);
        return 1;
    }
    if (magic != 0x00000803) {
        snprintf(err, errlen, "wrong magic number 0x%08x (expected 0x00000803 = 2051, IDX unsigned-byte images)",
                 magic);
        return 1;
    }
    uint32_t n = be32(buf + 4), rows = be32(buf + 8), cols = be32(buf + 12);
    if (n == 0 || n > IDX_MAX_COUNT) { snprintf(err, errlen, "implausible image count %u", n); return 1; }
    if (rows == 0 || cols == 0 || rows > IDX_MAX_SIDE || cols > IDX_MAX_SIDE) {
        snprintf(err, errlen, "implausible image size %ux%u", rows, cols);
        return 1;
    }
    uint64_t want = 16 + (uint64_t)n * rows * cols;
    if ((uint64_t)len != want) {
        snprintf(err, errlen, "image file is %zu bytes but its header (%u images of %ux%u) needs exactly %llu: %s",
                 len, n, rows, cols, (unsigned long long)want, (uint64_t)len < want ? "truncated" : "trailing data");
        return 1;
    }
    out->data = buf + 16; out->count = (int)n; out->rows = (int)rows; out->cols = (int)cols;
    return 0;
}

int idx_read_labels(const uint8_t *buf, size_t len, int n_classes, IdxView *out, char *err, size_t errlen) {
    uint32_t magic = buf && len >= 4 ? be32(buf) : 0;
    if (magic == 0x00000803) { snprintf(err, errlen, "this is an IDX image file, not a label file"); return 1; }
    if (!buf || len < 8) {
        snprintf(err, errlen, "label file too short (%zu bytes): not an IDX label file", len);
        return 1;
    }
    if (magic != 0x00000801) {
        snprintf(err, errlen, "wrong magic number 0x%08x (expected 0x00000801 = 2049, IDX unsigned-byte labels)",
                 magic);
        return 1;
    }
    uint32_t n = be32(buf + 4);
    if (n == 0 || n > IDX_MAX_COUNT) { snprintf(err, errlen, "implausible label count %u", n); return 1; }
    if ((uint64_t)len != 8 + (uint64_t)n) {
        snprintf(err, errlen, "label file is %zu bytes but its header (%u labels) needs exactly %llu: %s", len, n,
                 (unsigned long long)(8 + (uint64_t)n),
                 (uint64_t)len < 8 + (uint64_t)n ? "truncated" : "trailing data");
        return 1;
    }
    for (uint32_t i = 0; i < n; i++)
        if (buf[8 + i] >= n_classes) {
            snprintf(err, errlen, "label %u at index %u is outside 0..%d", buf[8 + i], i, n_classes - 1);
            return 1;
        }
    out->data = buf + 8; out->count = (int)n; out->rows = out->cols = 0;
    return 0;
}

int idx_check_pair(const IdxView *images, const IdxView *labels, char *err, size_t errlen) {
    if (images->count != labels->count) {
        snprintf(err, errlen, "%d images but %d labels", images->count, labels->count);
        return 1;
    }
    return 0;
}
