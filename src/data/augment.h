/* augment.h - turning stored MNIST bytes into network input.
 *
 * normalise: x = (pixel / 255 - 0.1307) / 0.3081 (the usual MNIST mean and std).
 * augment_affine: a random rotation by an angle uniform in [-max_deg, +max_deg] about the
 * image centre and a shift uniform in [-max_shift, +max_shift] pixels on each axis, bilinear
 * sampling, background 0 before normalisation (as torchvision's RandomAffine with bilinear
 * interpolation). The randomness comes from the Rng given, so (seed, epoch, image) fixes it.
 * augment_style: the wider variation a person's own digits get when the network is taught
 * them (teach.h): first the strokes thickened or thinned by t uniform in [-max_thick,
 * +max_thick] pixels (a blend of the image with its 3x3 grey dilation for t > 0, erosion for
 * t < 0), then an affine map about the centre - rotation, shear (slant: x moves by s*y),
 * scale 1+u - and a shift, each uniform within its limit; bilinear, background 0. */
#ifndef AUGMENT_H
#define AUGMENT_H
#include <stdint.h>
#include "runtime/rng.h"

#define MNIST_MEAN 0.1307f
#define MNIST_STD 0.3081f

void normalise_image(const uint8_t *px, int n, float *out);
void augment_affine(const uint8_t *px, int rows, int cols, float max_deg, float max_shift, Rng *r, float *out);
void augment_style(const uint8_t *px, int rows, int cols, float max_deg, float max_slant, float max_scale,
                   float max_shift, float max_thick, Rng *r, float *out);
#endif
