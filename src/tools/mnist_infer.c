/* mnist_infer.c - predictions of a saved model (a model file of this app or a safetensors file) on
 * an IDX image file, and the accuracy with labels. */
#include "formats/model_any.h"
#include "train/trainer.h"
#include "data/augment.h"
#include "formats/safetensors.h"
#include "nn/arch_spec.h"
#include "common.h"
#include "cli.h"
#include <string.h>

int main(int argc, char **argv) {
    const char *model = NULL, *images = NULL, *labels = NULL;
    int json = 0, limit = 0;
    const CliOption options[] = {
        CLI_STRING("--model", "FILE", "a model file of this app or a safetensors file", &model),
        CLI_STRING("--images", "IDX", "the images (an IDX file)", &images),
        CLI_STRING("--labels", "IDX", "their labels: the accuracy too", &labels),
        CLI_INT("--limit", "N", "the first N images only (0: all)", &limit, 0, 100000000L),
        CLI_FLAG("--json", "one JSON line", &json),
    };
    const char *synopsis =
        "mnist-infer --model FILE(.bin|.safetensors) --images IDX [--labels IDX] [--limit N] [--json]";
    int parsed = cli_parse(argc, argv, synopsis, options, (int)(sizeof options / sizeof options[0]), NULL, 0);
    if (parsed) return parsed == 1 ? 0 : 2;
    if (!model || !images) { fprintf(stderr, "usage: %s\n", synopsis); return 2; }
    char err[256];
    size_t mlen, ilen, llen = 0;
    uint8_t *mbuf = read_file(model, &mlen), *ibuf = read_file(images, &ilen),
            *lbuf = labels ? read_file(labels, &llen) : NULL;
    if (!mbuf || !ibuf || (labels && !lbuf)) return 1;
    NetArch arch;
    if (model_read_arch_any(mbuf, mlen, &arch, NULL, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", model, err);
        return 1;
    }
    IdxView x, y = { 0 };
    if (idx_read_images(ibuf, ilen, &x, err, sizeof err)) { fprintf(stderr, "%s: %s\n", images, err); return 1; }
    if (lbuf && (idx_read_labels(lbuf, llen, 10, &y, err, sizeof err) || idx_check_pair(&x, &y, err, sizeof err))) {
        fprintf(stderr, "%s: %s\n", labels, err);
        return 1;
    }
    if (x.rows != arch.in_h || x.cols != arch.in_w) {
        fprintf(stderr, "images are %dx%d, the model wants %dx%d\n", x.rows, x.cols, arch.in_h, arch.in_w);
        return 1;
    }
    if (limit > 0 && limit < x.count) { x.count = limit; if (lbuf) y.count = limit; }
    NetOptions kernels;
    if (kernel_options_from_env(&kernels)) return 2;
    Net *net = net_create_with(&arch, 256, 2, &kernels);      /* batches of 256 images on 2 threads */
    if (!net || model_load_any(net, NULL, mbuf, mlen, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", model, net ? err : "cannot create network");
        return 1;
    }
    if (!arch_net_reads_digits(net, "mnist-infer", err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", model, err);
        return 1;
    }
    int correct = 0, hw = x.rows * x.cols;
    for (int b = 0; b < x.count; b += net->max_batch) {
        int B = x.count - b < net->max_batch ? x.count - b : net->max_batch;
        for (int i = 0; i < B; i++) normalise_image(x.data + (size_t)(b + i) * hw, hw, net->input + (size_t)i * hw);
        net_forward(net, B, NULL, 0, 0, 0);
        for (int i = 0; i < B; i++) {
            int pred = net_argmax(net, i), n = b + i;
            const float *lp = net->logprob + (size_t)i * net->n_classes;
            if (lbuf) correct += pred == y.data[n];
            if (json) {
                printf("{\"index\":%d,\"prediction\":%d", n, pred);
                if (lbuf) printf(",\"label\":%d", y.data[n]);
                printf(",\"log_probs\":[");
                for (int o = 0; o < net->n_classes; o++) printf("%s%.5f", o ? "," : "", lp[o]);
                printf("]}\n");
            } else {
                printf("%d: %d", n, pred);
                if (lbuf) printf(" (label %d)", y.data[n]);
                printf("\n");
            }
        }
    }
    if (lbuf) {
        if (json)
            printf("{\"count\":%d,\"correct\":%d,\"accuracy\":%.4f}\n", x.count, correct, 100.0 * correct / x.count);
        else printf("accuracy: %d / %d = %.2f %%\n", correct, x.count, 100.0 * correct / x.count);
    }
    net_free(net);
    free(mbuf); free(ibuf); free(lbuf);
    return 0;
}
