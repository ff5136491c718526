/* bytebuf.h - a growable byte buffer for the file writers (model file, ONNX, safetensors data)
 * and little-endian float reads for their readers. A failed allocation sets oom and later
 * appends do nothing, so a writer checks once at the end. The caller frees p. */
#ifndef BYTEBUF_H
#define BYTEBUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint8_t *p; size_t len, cap; int oom; } ByteBuf;

static inline void bytebuf_put(ByteBuf *b, const void *src, size_t n) {
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) { b->oom = 1; return; }
        b->p = q; b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

/* the float stored little-endian at q (whatever the host's byte order) */
static inline float f32_le(const uint8_t *q) {
    uint32_t u = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
#endif
