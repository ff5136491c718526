/* synthetic.h - random MNIST-shaped data for tests that need a data set but not MNIST itself
 * (speed, divergence, resume): n images of 28x28 random bytes and random labels 0-9. */
#ifndef SYNTHETIC_H
#define SYNTHETIC_H
#include "data/idx.h"
#include "runtime/rng.h"
#include <stdlib.h>

/* fills *x and *y with views of malloc'd buffers (free(x->data), free(y->data)) */
static inline void synthetic_mnist(int n, uint64_t seed, IdxView *x, IdxView *y) {
    uint8_t *images = malloc((size_t)n * 784), *labels = malloc((size_t)n);
    Rng r = rng_for(seed, RNG_TEST, 0, 0);
    for (size_t i = 0; i < (size_t)n * 784; i++) images[i] = (uint8_t)rng_below(&r, 256);
    for (int i = 0; i < n; i++) labels[i] = (uint8_t)rng_below(&r, 10);
    *x = (IdxView){ images, n, 28, 28 };
    *y = (IdxView){ labels, n, 0, 0 };
}
#endif
