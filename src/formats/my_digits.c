/* my_digits.c - the file of a person's own digits; see my_digits.h. */
#include "my_digits.h"
#include "bytes.h"
#include "runtime/contract.h"
#include <stdio.h>

static const char MAGIC[8] = { 'M', 'Y', 'D', 'I', 'G', 'I', 'T', 'S' };
enum { HEADER = 8 + 4 * 4, RECORD = 1 + MY_DIGIT_PIXELS };

#define put_u32 bytebuf_put_u32
#define get_u32 le_u32_load

size_t my_digits_write(const uint8_t *labels, const uint8_t *pixels, int n, uint8_t **out, char *err, size_t errlen) {
    *out = NULL;
    if (n < 0 || n > LIMIT_MY_DIGITS_MAX) {
        snprintf(err, errlen, "%d digits: a file holds 0 to %d", n, LIMIT_MY_DIGITS_MAX);
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (labels[i] > 9) { snprintf(err, errlen, "digit %d has label %d, not 0-9", i + 1, labels[i]); return 0; }
    ByteBuf b = { 0 };
    bytebuf_put(&b, MAGIC, sizeof MAGIC);
    put_u32(&b, MY_DIGITS_VERSION); put_u32(&b, (uint32_t)n); put_u32(&b, 28); put_u32(&b, 28);
    for (int i = 0; i < n; i++) {
        bytebuf_put(&b, &labels[i], 1);
        bytebuf_put(&b, pixels + (size_t)i * MY_DIGIT_PIXELS, MY_DIGIT_PIXELS);
    }
    if (!b.oom) put_u32(&b, crc32_ieee(b.p, b.len));
    if (b.oom) { free(b.p); snprintf(err, errlen, "out of memory"); return 0; }
    *out = b.p;
    return b.len;
}

int my_digits_read(const uint8_t *buf, size_t len, uint8_t *labels, uint8_t *pixels, char *err, size_t errlen) {
    if (!buf || len < HEADER + 4 || memcmp(buf, MAGIC, sizeof MAGIC)) {
        snprintf(err, errlen, "not a my-digits file (it starts with \"MYDIGITS\")");
        return -1;
    }
    uint32_t version = get_u32(buf + 8), n = get_u32(buf + 12), rows = get_u32(buf + 16), cols = get_u32(buf + 20);
    if (version != MY_DIGITS_VERSION) {
        snprintf(err, errlen, "my-digits file version %u; this app reads version %d", version, MY_DIGITS_VERSION);
        return -1;
    }
    if (rows != 28 || cols != 28) { snprintf(err, errlen, "the digits are %ux%u, not 28x28", rows, cols); return -1; }
    if (n > LIMIT_MY_DIGITS_MAX) {
        snprintf(err, errlen, "%u digits: a file holds at most %d", n, LIMIT_MY_DIGITS_MAX);
        return -1;
    }
    size_t want = HEADER + (size_t)n * RECORD + 4;
    if (len != want) {
        snprintf(err, errlen, "the file is %zu bytes; %u digits take %zu (cut short or padded)", len, n, want);
        return -1;
    }
    if (crc32_ieee(buf, len - 4) != get_u32(buf + len - 4)) {
        snprintf(err, errlen, "the checksum does not match: the file is damaged");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *r = buf + HEADER + (size_t)i * RECORD;
        if (r[0] > 9) { snprintf(err, errlen, "digit %u has label %d, not 0-9", i + 1, r[0]); return -1; }
        if (labels) labels[i] = r[0];
        if (pixels) memcpy(pixels + (size_t)i * MY_DIGIT_PIXELS, r + 1, MY_DIGIT_PIXELS);
    }
    return (int)n;
}
