/* api_reading.c - reading drawings (web/worker/reading.js): ink (w x h, 0..1) -> img28 (784,
 * 0..1) and probs (10); the inside view of the image read last; the saliency map. The functions
 * of train/reading.h, the same the fuzzers drive; each checks the network's shapes. */
#include <string.h>
#include "api.h"
#include "train/reading.h"

/* 1 if there is ink, 0 if not, -1 with api_error() */
API int api_predict(const float *ink, int w, int h, float *img28, float *probs) {
    if (!api_net()) return -1;
    TRAP_POINT(TRAP_PREDICT);
    return reading_predict(api_model_net(), ink, w, h, img28, probs, API_ERR);
}
/* eval-mode probabilities for 28x28 images already in [0, 1] */
API int api_classify28(const float *img28, float *probs) {
    if (!api_net()) return -1;
    return reading_classify28(api_model_net(), img28, probs, API_ERR) ? -1 : 0;
}

/* ---- inside view of the image of the last api_predict / api_classify28:
 * conv layer c's output after BatchNorm and ReLU (c = 0.. the number of conv layers - 1), K x P
 * x Q into out, with [K, P, Q] into shape; the first layer's filters; the saliency map (the
 * gradient of class cls's log-probability w.r.t. the 28x28 input). With out NULL the layer and
 * filter calls return the size only; the shape is always written ([0, 0, 0]: no such layer).
 * Call them right after the prediction, before anything else runs the network. ---- */
static const int NO_SHAPE[3];
API int api_inspect_conv_count(void) { return api_net() ? reading_conv_count(api_net()) : 0; }
API int api_inspect_layer(int c, float *out, int *shape) {
    if (!api_net()) { memcpy(shape, NO_SHAPE, sizeof NO_SHAPE); return 0; }
    return reading_layer(api_net(), c, out, shape);
}
API int api_inspect_filters(float *out, int *shape) {
    if (!api_net()) { memcpy(shape, NO_SHAPE, sizeof NO_SHAPE); return 0; }
    return reading_filters(api_model_net(), out, shape);
}
/* out: 784 floats (zeros with api_error() when the map cannot be made) */
API void api_saliency(int cls, float *out) {
    if (!api_net()) return;
    if (reading_saliency(api_net(), cls, out, API_ERR)) memset(out, 0, READING_PIXELS * sizeof(float));
}
