/* fuzz_idx.c - libFuzzer target: the IDX readers on arbitrary bytes (as images and as labels,
 * and the pair check). Any crash, hang, sanitizer report or out-of-bounds view is a bug. */
#include "data/idx.h"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    IdxView a, b;
    int ia = idx_read_images(data, size, &a, err, sizeof err);
    int ib = idx_read_labels(data, size, 10, &b, err, sizeof err);
    if (ia == 0) {
        /* a view must lie inside the buffer */
        if (a.data < data || (size_t)(a.data - data) + (size_t)a.count * a.rows * a.cols > size) abort();
        volatile uint8_t last = a.data[(size_t)a.count * a.rows * a.cols - 1];
        (void)last;
    }
    if (ib == 0) {
        if ((size_t)(b.data - data) + (size_t)b.count > size) abort();
        for (int i = 0; i < b.count; i++) if (b.data[i] > 9) abort();
    }
    if (ia == 0 && ib == 0) idx_check_pair(&a, &b, err, sizeof err);
    return 0;
}
