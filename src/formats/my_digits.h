/* my_digits.h - the file of a person's own digits ("my digits"), as the page exports and
 * imports it and as mnist-teach reads it.
 *
 * A digit is the network's 28x28 input of a drawing (after the MNIST-style preprocessing),
 * one byte per pixel (0 = paper, 255 = full ink, row-major, like an MNIST image) and its label.
 * File layout, little-endian:
 *   "MYDIGITS" (8 bytes), u32 version (1), u32 count, u32 rows (28), u32 cols (28),
 *   count x { u8 label (0..9), rows*cols u8 pixels }, u32 CRC-32 (IEEE) of everything before.
 * At most LIMIT_MY_DIGITS_MAX digits. Readers check every field and the checksum. */
#ifndef MY_DIGITS_H
#define MY_DIGITS_H
#include <stddef.h>
#include <stdint.h>

#define MY_DIGITS_VERSION 1
#define MY_DIGIT_PIXELS (28 * 28)

/* n digits: labels[n], pixels[n * 784]. Returns the file's size and a malloc'd buffer in *out
 * (the caller frees it), 0 with a message on bad input or no memory. */
size_t my_digits_write(const uint8_t *labels, const uint8_t *pixels, int n, uint8_t **out, char *err, size_t errlen);
/* Checks a file; on success returns the count (>= 0) and, when labels/pixels are not NULL,
 * fills them (room for the count: call once with NULL to learn it). -1 with a message. */
int my_digits_read(const uint8_t *buf, size_t len, uint8_t *labels, uint8_t *pixels, char *err, size_t errlen);
#endif
