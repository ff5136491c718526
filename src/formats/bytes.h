/* bytes.h - byte order and byte buffers for every file format here (model file, safetensors,
 * ONNX, my digits): the one place that knows how a number is laid out in a file.
 *
 * le_*_store / le_*_load write and read little-endian values at a pointer, whatever the host's
 * byte order (floats bit for bit). ByteBuf is a growable buffer for the writers: a failed
 * allocation sets oom and later appends do nothing, so a writer checks once at the end; the
 * caller frees p. crc32_ieee is the IEEE 802.3 CRC-32 (zlib's), its table built once. */
#ifndef BYTES_H
#define BYTES_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void le_u32_store(uint8_t *q, uint32_t v) {
    q[0] = (uint8_t)v; q[1] = (uint8_t)(v >> 8); q[2] = (uint8_t)(v >> 16); q[3] = (uint8_t)(v >> 24);
}
static inline uint32_t le_u32_load(const uint8_t *q) {
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}
static inline void le_u64_store(uint8_t *q, uint64_t v) {
    le_u32_store(q, (uint32_t)v);
    le_u32_store(q + 4, (uint32_t)(v >> 32));
}
static inline uint64_t le_u64_load(const uint8_t *q) {
    return (uint64_t)le_u32_load(q) | (uint64_t)le_u32_load(q + 4) << 32;
}
static inline void le_f32_store(uint8_t *q, float f) { uint32_t u; memcpy(&u, &f, 4); le_u32_store(q, u); }
static inline float le_f32_load(const uint8_t *q) { uint32_t u = le_u32_load(q); float f; memcpy(&f, &u, 4); return f; }
static inline void le_f64_store(uint8_t *q, double d) { uint64_t u; memcpy(&u, &d, 8); le_u64_store(q, u); }
static inline double le_f64_load(const uint8_t *q) {
    uint64_t u = le_u64_load(q);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

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
static inline void bytebuf_put_u32(ByteBuf *b, uint32_t v) { uint8_t q[4]; le_u32_store(q, v); bytebuf_put(b, q, 4); }
static inline void bytebuf_put_f64(ByteBuf *b, double v) { uint8_t q[8]; le_f64_store(q, v); bytebuf_put(b, q, 8); }
static inline void bytebuf_put_f32s(ByteBuf *b, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++) { uint8_t q[4]; le_f32_store(q, v[i]); bytebuf_put(b, q, 4); }
}

uint32_t crc32_ieee(const uint8_t *p, size_t n);
#endif
