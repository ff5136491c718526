/* api_files.c - the public header's files over the core: the model file and safetensors through
 * the front door that tells them apart (formats/model_any.h, the gate included), the exports
 * (formats/safetensors.h, export_onnx.h, export_pytorch.h). */
#include "api/api.h"
#include "nn/arch_spec.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "formats/export_onnx.h"
#include "formats/export_pytorch.h"
#include <string.h>

/* 0 if t is NULL or net's; else 1 and a message */
static int trainer_of(const MnistNet *net, const MnistTrainer *t, const char *what, char *err, size_t errlen) {
    if (!net) return api_fail(err, errlen, "%s: no network given", what);
    if (t && t->owner != net) return api_fail(err, errlen, "%s: the trainer is another network's", what);
    return 0;
}

size_t mnist_model_save(MnistNet *net, MnistTrainer *t, uint8_t **out, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (trainer_of(net, t, "model file", err, errlen)) return 0;
    if (!out) return api_fail(err, errlen, "model file: nowhere to put it"), 0;
    size_t n = model_save(net->net, t ? &t->t : NULL, out);
    if (!n) api_fail(err, errlen, "model file: out of memory");
    return n;
}

int mnist_model_read_design(const uint8_t *buf, size_t len, char *design, size_t design_len, int *has_training,
                            char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    char text[ARCH_SPEC_MAX];
    int training = 0;
    if (!buf) return api_fail(err, errlen, "model file: no buffer given");
    if (model_read_arch_any(buf, len, &arch, &training, err, errlen)) return 1;
    if (arch_spec_format(&arch, text, sizeof text) || !design || strlen(text) >= design_len)
        return api_fail(err, errlen, "model file: its design's text (%zu characters) does not fit in %zu bytes",
                        strlen(text), design_len);
    memcpy(design, text, strlen(text) + 1);
    if (has_training) *has_training = training;
    return 0;
}

int mnist_model_load(MnistNet *net, MnistTrainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (trainer_of(net, t, "model file", err, errlen)) return 1;
    if (!buf) return api_fail(err, errlen, "model file: no buffer given");
    return model_load_any(net->net, t ? &t->t : NULL, buf, len, err, errlen);
}

MnistNet *mnist_net_load(const uint8_t *buf, size_t len, int max_batch, int threads, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    NetArch arch;
    if (!buf) { api_fail(err, errlen, "model file: no buffer given"); return NULL; }
    if (model_read_arch_any(buf, len, &arch, NULL, err, errlen)) return NULL;
    MnistNet *net = api_net_make(&arch, max_batch, threads, err, errlen);
    if (net && model_load_any(net->net, NULL, buf, len, err, errlen)) {
        mnist_net_free(net);
        return NULL;
    }
    return net;
}

size_t mnist_safetensors_save(const MnistNet *net, uint8_t **out, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!net || !out) return api_fail(err, errlen, "safetensors: no network or nowhere to put it"), 0;
    size_t n = safetensors_save(net->net, out);
    if (!n) api_fail(err, errlen, "safetensors: out of memory");
    return n;
}

size_t mnist_export_onnx(const MnistNet *net, uint8_t **out, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!net || !out) return api_fail(err, errlen, "ONNX: no network or nowhere to put it"), 0;
    return onnx_export(net->net, out, err, errlen);
}

size_t mnist_export_pytorch(const MnistNet *net, char **out, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!net || !out) return api_fail(err, errlen, "PyTorch: no network or nowhere to put it"), 0;
    return pytorch_export(net->net, out, err, errlen);
}
