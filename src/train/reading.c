/* reading.c - a model reading one digit, and its inside view; see reading.h. */
#include "reading.h"
#include "data/preprocess.h"
#include "nn/arch_spec.h"
#include "runtime/contract.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static void probabilities(const Net *net, float *probs) {
    for (int o = 0; o < LIMIT_CLASSES; o++) probs[o] = expf(net->logprob[o]);
}

int reading_classify28(Net *net, const float *img28, float *probs, char *err, size_t errlen) {
    if (!arch_net_reads_digits(net, "reading a digit", err, errlen)) return 1;
    preprocess_to_input(img28, net->input);
    net_forward(net, 1, NULL, 0, 0, 0);
    probabilities(net, probs);
    return 0;
}

int reading_predict(Net *net, const float *ink, int w, int h, float *img28, float *probs, char *err, size_t errlen) {
    if (!arch_net_reads_digits(net, "reading a drawing", err, errlen)) return -1;
    int inked = preprocess_digit(ink, w, h, img28);
    if (inked < 0) {
        snprintf(err, errlen, "bad drawing size %d x %d (1 to %d pixels a side)", w, h, PREPROCESS_MAX_SIDE);
        return -1;
    }
    preprocess_to_input(img28, net->input);
    net_forward(net, 1, NULL, 0, 0, 0);
    probabilities(net, probs);
    return inked;
}

static const Layer *conv_layer(const Net *net, int c) {
    for (int i = 0, k = 0; i < net->n_layers; i++)
        if (net->layer[i].spec.kind == LAYER_CONV && k++ == c) return &net->layer[i];
    return NULL;
}

int reading_conv_count(const Net *net) { int n = 0; while (conv_layer(net, n)) n++; return n; }

int reading_layer(const Net *net, int c, float *out, int *shape) {
    const Layer *l = c >= 0 ? conv_layer(net, c) : NULL;
    shape[0] = l ? l->K : 0; shape[1] = l ? l->P : 0; shape[2] = l ? l->Q : 0;
    if (!l) return 0;
    int n = l->K * l->P * l->Q;
    if (out) memcpy(out, l->out, (size_t)n * sizeof(float));
    return n;
}

int reading_filters(const Net *net, float *out, int *shape) {
    const Layer *l = conv_layer(net, 0);
    shape[0] = l ? l->K : 0; shape[1] = l ? l->C : 0; shape[2] = l ? l->spec.size : 0;
    if (!l) return 0;
    int n = l->K * l->C * l->spec.size * l->spec.size;
    if (out) memcpy(out, net->params + l->w, (size_t)n * sizeof(float));
    return n;
}

int reading_saliency(Net *net, int cls, float *out, char *err, size_t errlen) {
    if (!arch_net_reads_digits(net, "the saliency map", err, errlen)) return 1;
    if (cls < 0 || cls >= LIMIT_CLASSES) {
        snprintf(err, errlen, "the saliency map: class %d is not a digit 0-9", cls);
        return 1;
    }
    net_input_gradient(net, 0, cls, out);
    return 0;
}
