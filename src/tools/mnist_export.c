/* mnist_export.c - a trained model to the formats other tools read: ONNX (onnxruntime,
 * Netron, ...) and safetensors (PyTorch, Hugging Face). The input is a model file of this app
 * or a safetensors file; docs/network.md describes both outputs. */
#include "formats/export_onnx.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "formats/export_pytorch.h"
#include "common.h"
#include "cli.h"
#include <string.h>

int main(int argc, char **argv) {
    const char *model = NULL, *onnx = NULL, *st = NULL, *py = NULL;
    const CliOption options[] = {
        CLI_STRING("--model", "IN", "a model file of this app (.bin) or a safetensors file", &model),
        CLI_STRING("--onnx", "OUT", "write ONNX", &onnx),
        CLI_STRING("--safetensors", "OUT", "write safetensors", &st),
        CLI_STRING(
            "--pytorch", "OUT",
            "write the design as PyTorch code (class MnistNet; it loads the safetensors export with strict=True)", &py),
    };
    const char *synopsis = "mnist-export --model IN (.bin model file or .safetensors) [--onnx OUT.onnx] [--safetensors "
                           "OUT.safetensors] [--pytorch OUT.py]";
    int parsed = cli_parse(argc, argv, synopsis, options, (int)(sizeof options / sizeof options[0]), NULL, 0);
    if (parsed) return parsed == 1 ? 0 : 2;
    if (!model || (!onnx && !st && !py)) { fprintf(stderr, "usage: %s\n", synopsis); return 2; }
    size_t len;
    uint8_t *buf = read_file(model, &len);
    if (!buf) return 1;
    char err[512];
    NetArch arch;
    if (model_read_arch_any(buf, len, &arch, NULL, err, sizeof err)) {
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
        if (!n || write_file(onnx, out, n)) {
            fprintf(stderr, "cannot write %s: %s\n", onnx, n ? "write failed" : err);
            rc = 1;
        } else
            printf("wrote %s (%zu bytes, ONNX opset 13)\n", onnx, n);
        free(out);
    }
    if (st && !rc) {
        n = safetensors_save(net, &out);
        if (!n || write_file(st, out, n)) { fprintf(stderr, "cannot write %s\n", st); rc = 1; }
        else printf("wrote %s (%zu bytes, safetensors)\n", st, n);
        free(out);
    }
    if (py && !rc) {
        char *src;
        n = pytorch_export(net, &src, err, sizeof err);
        if (!n || write_file(py, (const uint8_t *)src, n)) {
            fprintf(stderr, "cannot write %s: %s\n", py, n ? "write failed" : err);
            rc = 1;
        } else
            printf("wrote %s (%zu bytes, PyTorch code)\n", py, n);
        free(src);
    }
    net_free(net);
    return rc;
}
