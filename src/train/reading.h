/* reading.h - a model reading one digit, and what the inside view shows of that reading: the
 * C side of the worker's PREDICT / INSPECT28 (wasm/api_reading.c calls these), also driven by the
 * fuzzers on every model file the gate accepts.
 *
 * Shapes: a digit is 28 x 28 floats in [0, 1] (784), probabilities are LIMIT_CLASSES floats,
 * the saliency map is 784 floats. Every function that runs the network first asserts that it
 * reads such digits into such classes (arch_spec.h arch_net_reads_digits) and returns an error
 * with a message otherwise, rather than write past a buffer.
 *
 * The inside view is of image 0 of the last eval forward (reading_classify28 or
 * reading_predict): call it right after the reading, before anything else runs the network.
 * A layer or filter request that names no convolution (a design without any, or c past the
 * last) returns 0 and writes the shape [0, 0, 0]: the shape is always written. */
#ifndef READING_H
#define READING_H
#include <stddef.h>
#include "nn/net.h"

#define READING_PIXELS (28 * 28)

/* eval-mode probabilities of img28 (784 values in [0, 1]) into probs (LIMIT_CLASSES);
 * 0, or 1 with a message */
int reading_classify28(Net *net, const float *img28, float *probs, char *err, size_t errlen);
/* a drawing (ink: w x h, 0..1; data/preprocess.h) made a 28 x 28 digit into img28 (784) and
 * read into probs (LIMIT_CLASSES): 1 if there was ink, 0 if none, -1 with a message */
int reading_predict(Net *net, const float *ink, int w, int h, float *img28, float *probs, char *err, size_t errlen);

/* the number of convolution layers (those the inside view shows) */
int reading_conv_count(const Net *net);
/* conv layer c's output for image 0 after BatchNorm and ReLU, K x P x Q floats into out (NULL:
 * the size only), [K, P, Q] into shape; returns K*P*Q, or 0 (shape [0, 0, 0]) with no layer c */
int reading_layer(const Net *net, int c, float *out, int *shape);
/* the first conv layer's filters, K x C x R x R floats into out (NULL: the size only), [K, C,
 * R] into shape; returns the count, or 0 (shape [0, 0, 0]) when the design has no convolution */
int reading_filters(const Net *net, float *out, int *shape);
/* the saliency map of image 0: the gradient of class cls's log-probability w.r.t. the 28 x 28
 * input, 784 floats into out; 0, or 1 with a message (cls outside 0..9, another shape) */
int reading_saliency(Net *net, int cls, float *out, char *err, size_t errlen);
#endif
