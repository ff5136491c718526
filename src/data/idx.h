/* idx.h - reader for the IDX files MNIST ships in (yann.lecun.com/exdb/mnist, "FILE FORMATS").
 *
 * Reads from a memory buffer (same code natively and in wasm) and never copies: the returned
 * view points into the caller's buffer, which must outlive it. Everything is checked (magic
 * 0x00000803 images / 0x00000801 labels, dimension count, sizes, exact byte length, label
 * range) and a failure returns nonzero with a one-line message; nothing is allocated. */
#ifndef IDX_H
#define IDX_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data;    /* count x rows x cols pixels (images) or count labels */
    int count, rows, cols;  /* rows = cols = 0 for labels */
} IdxView;

#define IDX_MAX_COUNT 10000000
#define IDX_MAX_SIDE 1024

int idx_read_images(const uint8_t *buf, size_t len, IdxView *out, char *err, size_t errlen);
int idx_read_labels(const uint8_t *buf, size_t len, int n_classes, IdxView *out, char *err, size_t errlen);
/* both of one split: counts must agree */
int idx_check_pair(const IdxView *images, const IdxView *labels, char *err, size_t errlen);
#endif
