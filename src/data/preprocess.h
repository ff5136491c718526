/* preprocess.h - turn a drawing into what the network was trained on, the way MNIST was made
 * (LeCun, Cortes, Burges: "the images were centered in a 28x28 image by computing the center
 * of mass of the pixels, and translating the image so as to position this point at the
 * center of the 28x28 field"; the digit was first size-normalised to fit a 20x20 box,
 * keeping its aspect ratio, with anti-aliasing).
 *
 * ink: w x h row-major, ink intensity in [0, 1] (0 = background), any size up to 4096 x 4096.
 * out: 28 x 28 intensities in [0, 1]. Steps: bounding box of ink above INK_THRESHOLD;
 * area-averaging resample so the longer side is 20 px; integer translation that puts the
 * centre of mass at (14, 14) in pixel-edge coordinates (the centre of the field).
 * Returns 1 if there was ink, 0 for an empty drawing (out is all zeros), -1 for bad sizes. */
#ifndef PREPROCESS_H
#define PREPROCESS_H

#define INK_THRESHOLD 0.05f
#define PREPROCESS_MAX_SIDE 4096

int preprocess_digit(const float *ink, int w, int h, float *out28);
/* 28x28 intensities in [0, 1] -> normalised network input (as MNIST bytes / 255 would be) */
void preprocess_to_input(const float *img28, float *input);
#endif
