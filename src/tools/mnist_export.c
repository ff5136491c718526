/* mnist_export.c - a trained model to the formats other tools read: ONNX (onnxruntime,
 * Netron, ...) and safetensors (PyTorch, Hugging Face). The input is a model file of this app
 * or a safetensors file; docs/network.md describes both outputs. */
#include "formats/export_onnx.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "common.h"
#include <string.h>

static int usage(void) {
    fprintf(stderr, "usage: mnist-export --model IN (.bin model file or .safetensors) [--onnx OUT.onnx] [--safetensors OUT.safetensors]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *model = NULL, *onnx = NULL, *st = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--onnx") && i + 1 < argc) onnx = argv[++i];
        else if (!strcmp(argv[i], "--safetensors") && i + 1 < argc) st = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { usage(); return 0; }
        else return usage();
    }
    if (!model || (!onnx && !st)) return usage();
    size_t len;
    uint8_t *buf = read_file(model, &len);
    if (!buf) return 1;
    char err[512];
    NetArch arch = NET_ARCH_REFERENCE;               /* a safetensors file names no layer table: the reference net's */
    if (!safetensors_detect(buf, len) && model_read_arch(buf, len, &arch, NULL, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", model, err);
        free(buf);
        return 1;
    }
    Net *net = net_create(&arch, 1, 1);
    if (!net || model_load_any(net, NULL, buf, len, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", model, net ? err : "cannot create the network");
        net_free(net);
        free(buf);
        return 1;
    }
    free(buf);
    int rc = 0;
    uint8_t *out;
    size_t n;
    if (onnx) {
        n = onnx_export(net, &out, err, sizeof err);
        if (!n || write_file(onnx, out, n)) { fprintf(stderr, "cannot write %s: %s\n", onnx, n ? "write failed" : err); rc = 1; }
        else printf("wrote %s (%zu bytes, ONNX opset 13)\n", onnx, n);
        free(out);
    }
    if (st && !rc) {
        n = safetensors_save(net, &out);
        if (!n || write_file(st, out, n)) { fprintf(stderr, "cannot write %s\n", st); rc = 1; }
        else printf("wrote %s (%zu bytes, safetensors)\n", st, n);
        free(out);
    }
    net_free(net);
    return rc;
}
