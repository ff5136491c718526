/* api_net.c - the public header's designs, networks, readings and IDX files over the core
 * (nn/arch_spec.h, nn/net.h, data/preprocess.h, data/idx.h). */
#include "api/api.h"
#include "nn/arch_spec.h"
#include "data/augment.h"
#include "data/idx.h"
#include "data/preprocess.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(MNIST_DESIGN_SIZE == ARCH_SPEC_MAX, "a design's text form fits MNIST_DESIGN_SIZE");
_Static_assert(MNIST_MAX_LAYERS == NET_MAX_LAYERS, "the public layer limit is the network's");
_Static_assert(MNIST_CLASSES == LIMIT_CLASSES, "the public class count is the contract's");
_Static_assert(sizeof(((MnistLayerInfo *)0)->token) == sizeof(((ArchLayerInfo *)0)->token), "a layer's token fits");

int api_fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return 1;
}

IdxView api_idx(MnistIdxView v) {
    IdxView x = { v.data, v.count, v.rows, v.cols };
    return x;
}

int api_check_labelled(const MnistIdxView *images, const MnistIdxView *labels, const char *what,
                       char *err, size_t errlen) {
    if (images->count < 0 || (images->count > 0 && (!images->data || !labels->data)))
        return api_fail(err, errlen, "%s: no images or no labels", what);
    if (images->count != labels->count)
        return api_fail(err, errlen, "%s: %d images but %d labels", what, images->count, labels->count);
    for (int i = 0; i < labels->count; i++)
        if (labels->data[i] >= MNIST_CLASSES)
            return api_fail(err, errlen, "%s: label %d is %d, not a digit 0..9", what, i, labels->data[i]);
    return 0;
}

void mnist_free(void *p) { free(p); }

/* ---------- designs ---------- */

static const char *const DESIGN_NAMES[] = {
#define API_DESIGN_NAME(name, title, spec) name,
    NAMED_DESIGNS(API_DESIGN_NAME)
#undef API_DESIGN_NAME
};

const char *mnist_design_name(int i) {
    return i >= 0 && i < (int)(sizeof DESIGN_NAMES / sizeof DESIGN_NAMES[0]) ? DESIGN_NAMES[i] : NULL;
}

/* the design (text or name) through the gate into *arch */
static int parse_design(const char *design, NetArch *arch, char *err, size_t errlen) {
    if (!design) return api_fail(err, errlen, "no design given");
    return arch_spec_parse(design, arch, err, errlen);
}

int mnist_design_parse(const char *design, char *canonical, size_t len, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    char text[ARCH_SPEC_MAX];
    if (parse_design(design, &arch, err, errlen)) return 1;
    if (arch_spec_format(&arch, text, sizeof text) || !canonical || strlen(text) >= len)
        return api_fail(err, errlen, "the design's text (%zu characters) does not fit in %zu bytes", strlen(text), len);
    memcpy(canonical, text, strlen(text) + 1);
    return 0;
}

int mnist_design_describe(const char *design, MnistLayerInfo *layers, int *n_layers, size_t *params, size_t *macs,
                          char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    ArchLayerInfo info[NET_MAX_LAYERS];
    size_t total_params, total_macs;
    if (parse_design(design, &arch, err, errlen)) return 1;
    int n = arch_describe(&arch, info, &total_params, &total_macs, err, errlen);
    if (n <= 0) return 1;
    for (int i = 0; layers && i < n; i++) {
        MnistLayerInfo *o = &layers[i];
        memcpy(o->token, info[i].token, sizeof o->token);
        o->in_c = info[i].C, o->in_h = info[i].H, o->in_w = info[i].W;
        o->out_c = info[i].K, o->out_h = info[i].P, o->out_w = info[i].Q;
        o->params = info[i].params, o->macs = info[i].macs, o->receptive_field = info[i].rf;
    }
    if (n_layers) *n_layers = n;
    if (params) *params = total_params;
    if (macs) *macs = total_macs;
    return 0;
}

char *mnist_design_describe_json(const char *design, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    if (parse_design(design, &arch, err, errlen)) return NULL;
    return arch_describe_json(&arch, err, errlen);
}

/* ---------- networks ---------- */

MnistNet *api_net_make(const NetArch *arch, int max_batch, int threads, char *err, size_t errlen) {
    if (max_batch < 1) { api_fail(err, errlen, "max_batch is %d, at least 1 is needed", max_batch); return NULL; }
    MnistNet *h = malloc(sizeof *h);
    Net *net = h ? net_create(arch, max_batch, threads) : NULL;
    if (!net) {
        NetMemory m;
        api_fail(err, errlen, "out of memory: the design needs %.1f MB at batches of %d",
                 net_memory_plan(arch, max_batch, NULL, &m) / 1048576.0, max_batch);
        free(h);
        return NULL;
    }
    h->net = net;
    return h;
}

MnistNet *mnist_net_create(const char *design, int max_batch, int threads, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    if (parse_design(design, &arch, err, errlen)) return NULL;
    return api_net_make(&arch, max_batch, threads, err, errlen);
}

void mnist_net_free(MnistNet *net) {
    if (!net) return;
    net_free(net->net);
    free(net);
}

void   mnist_net_init_params(MnistNet *net, uint64_t seed) { net_init_params(net->net, seed); }
size_t mnist_net_param_count(const MnistNet *net) { return net->net->n_params; }
int    mnist_net_max_batch(const MnistNet *net) { return net->net->max_batch; }
void   mnist_net_set_threads(MnistNet *net, int threads) { net_set_threads(net->net, threads); }

int mnist_net_design(const MnistNet *net, char *buf, size_t len) {
    char text[ARCH_SPEC_MAX];
    if (arch_spec_format(&net->net->arch, text, sizeof text) || !buf || strlen(text) >= len) return 1;
    memcpy(buf, text, strlen(text) + 1);
    return 0;
}

/* ---------- readings ---------- */

/* count images (bytes, or floats in [0, 1]) through eval forwards of up to max_batch each */
static int predict(MnistNet *h, const uint8_t *bytes, const float *floats, int count, float *probs, int *digits,
                   char *err, size_t errlen) {
    if (!h) return api_fail(err, errlen, "prediction: no network given");
    if (count < 0) return api_fail(err, errlen, "prediction: the count of images is %d", count);
    if (count > 0 && !bytes && !floats) return api_fail(err, errlen, "prediction: no images given");
    for (size_t i = 0; floats && i < (size_t)count * MNIST_PIXELS; i++)
        if (!isfinite(floats[i]))
            return api_fail(err, errlen, "prediction: image %zu, pixel %zu is not a number",
                            i / MNIST_PIXELS, i % MNIST_PIXELS);
    Net *net = h->net;
    if (!arch_net_reads_digits(net, "prediction", err, errlen)) return 1;
    for (int b = 0; b < count; b += net->max_batch) {
        int B = count - b < net->max_batch ? count - b : net->max_batch;
        for (int i = 0; i < B; i++) {
            size_t at = (size_t)(b + i) * MNIST_PIXELS;
            if (bytes) normalise_image(bytes + at, MNIST_PIXELS, net->input + (size_t)i * MNIST_PIXELS);
            else preprocess_to_input(floats + at, net->input + (size_t)i * MNIST_PIXELS);
        }
        net_forward(net, B, NULL, 0, 0, 0);
        for (int i = 0; i < B; i++) {
            if (digits) digits[b + i] = net_argmax(net, i);
            for (int o = 0; probs && o < MNIST_CLASSES; o++)
                probs[(size_t)(b + i) * MNIST_CLASSES + o] = expf(net->logprob[(size_t)i * net->n_classes + o]);
        }
    }
    return 0;
}

int mnist_predict(MnistNet *net, const float *images, int count, float *probs, int *digits, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    return predict(net, NULL, images, count, probs, digits, err, errlen);
}

int mnist_predict_bytes(MnistNet *net, const uint8_t *images, int count, float *probs, int *digits,
                        char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    return predict(net, images, NULL, count, probs, digits, err, errlen);
}

int mnist_preprocess_drawing(const float *ink, int w, int h, float *out) {
    return ink && out ? preprocess_digit(ink, w, h, out) : -1;
}

/* ---------- IDX files ---------- */

static int idx_read(const uint8_t *buf, size_t len, int labels, MnistIdxView *view, char *err, size_t errlen) {
    IdxView v;
    if (!buf || !view) return api_fail(err, errlen, "IDX: no buffer or no view given");
    if (labels ? idx_read_labels(buf, len, MNIST_CLASSES, &v, err, errlen) : idx_read_images(buf, len, &v, err, errlen))
        return 1;
    view->data = v.data, view->count = v.count, view->rows = v.rows, view->cols = v.cols;
    return 0;
}

int mnist_idx_read_images(const uint8_t *buf, size_t len, MnistIdxView *images, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    return idx_read(buf, len, 0, images, err, errlen);
}

int mnist_idx_read_labels(const uint8_t *buf, size_t len, MnistIdxView *labels, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    return idx_read(buf, len, 1, labels, err, errlen);
}
