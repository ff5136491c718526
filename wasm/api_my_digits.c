/* api_my_digits.c - my-digits files (web/worker/teaching.js, formats/my_digits.h): written into the
 * output buffer of api_saved_ptr (returns the size, 0 with api_error()); read: the count (-1 with
 * api_error()), then with buffers. */
#include "api.h"
#include "formats/my_digits.h"

API int api_digits_write(const uint8_t *labels, const uint8_t *pixels, int n) {
    return (int)my_digits_write(labels, pixels, n, api_output_reset(), API_ERR);
}
API int api_digits_read(const uint8_t *buf, int len, uint8_t *labels, uint8_t *pixels) {
    return my_digits_read(buf, len > 0 ? (size_t)len : 0, labels, pixels, API_ERR);
}
