/* fuzz_my_digits.c - libFuzzer target: the my-digits file reader on arbitrary bytes. An
 * accepted file must give labels 0-9 and fill exactly the count it reported; a refusal
 * always says why; what is read writes back to the same bytes. */
#include "formats/my_digits.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256] = "";
    int n = my_digits_read(data, size, NULL, NULL, err, sizeof err);
    if (n < 0) {
        if (!err[0]) abort();
        return 0;
    }
    uint8_t *labels = malloc((size_t)n + 1), *pixels = malloc((size_t)n * MY_DIGIT_PIXELS + 1);
    if (my_digits_read(data, size, labels, pixels, err, sizeof err) != n) abort();
    for (int i = 0; i < n; i++) if (labels[i] > 9) abort();
    uint8_t *again = NULL;
    size_t len = my_digits_write(labels, pixels, n, &again, err, sizeof err);
    if (len != size || memcmp(again, data, size)) abort();
    free(again); free(labels); free(pixels);
    return 0;
}
