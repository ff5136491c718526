/* inspect_dump.c - writes what tests/torch/inspect_check.py compares with PyTorch for the
 * inside view: the weights (by tensor name), one normalised MNIST test image, every conv
 * layer's output after BatchNorm and ReLU in eval mode, the max-pool's winners, the predicted
 * class, and the saliency map (the gradient of its log-probability w.r.t. the input).
 * Usage: inspect_dump MODEL IDX_IMAGES INDEX OUT
 * File: records of (u32 name length, name, u32 count, count little-endian float32). */
#include "data/augment.h"
#include "data/idx.h"
#include "formats/model_any.h"
#include "tools/common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rec(FILE *f, const char *name, const float *v, size_t n) {
    uint32_t len = (uint32_t)strlen(name), cnt = (uint32_t)n;
    fwrite(&len, 4, 1, f); fwrite(name, 1, len, f); fwrite(&cnt, 4, 1, f); fwrite(v, 4, n, f);
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: inspect_dump MODEL IDX_IMAGES INDEX OUT\n"); return 2; }
    size_t mlen, ilen;
    uint8_t *m = read_file(argv[1], &mlen), *im = read_file(argv[2], &ilen);
    char err[256];
    IdxView x;
    if (!m || !im || idx_read_images(im, ilen, &x, err, sizeof err)) {
        fprintf(stderr, "cannot read inputs\n");
        return 1;
    }
    Net *net = net_create(&NET_ARCH_REFERENCE, 1, 1);
    if (model_load_any(net, NULL, m, mlen, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 1; }
    int index = atoi(argv[3]);
    normalise_image(x.data + (size_t)index * 784, 784, net->input);
    FILE *f = fopen(argv[4], "wb");
    if (!f) return 1;
    TensorRef t[MODEL_MAX_TENSORS];
    int nt = model_list_tensors(net, NULL, t, MODEL_MAX_TENSORS);
    for (int i = 0; i < nt; i++) {
        size_t c = 1;
        for (int d = 0; d < t[i].ndim; d++) c *= t[i].dims[d];
        char name[48] = "t:";
        memcpy(name + 2, t[i].name, sizeof t[i].name);         /* 40 bytes, NUL-terminated */
        rec(f, name, t[i].data, c);
    }
    rec(f, "input", net->input, 784);
    net_forward(net, 1, NULL, 0, 0, 0);
    for (int i = 0, conv = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind != LAYER_CONV) continue;
        char name[16];
        snprintf(name, sizeof name, "act%d", ++conv);
        rec(f, name, l->out, (size_t)l->K * l->P * l->Q);
    }
    for (int i = 0; i < net->n_layers; i++) {               /* the max-pool's choices: the winner in each window */
        const Layer *l = &net->layer[i];
        if (l->spec.kind != LAYER_MAXPOOL) continue;
        size_t n = (size_t)l->K * l->P * l->Q;
        float *arg = malloc(n * sizeof(float));
        for (size_t j = 0; j < n; j++) arg[j] = l->argmax[j];
        rec(f, "pool_arg", arg, n);
        free(arg);
    }
    int pred = net_argmax(net, 0);
    float predf = (float)pred, sal[784];
    rec(f, "pred", &predf, 1);
    rec(f, "logprob", net->logprob, (size_t)net->n_classes);
    net_input_gradient(net, 0, pred, sal);
    rec(f, "saliency", sal, 784);
    fclose(f);
    net_free(net);
    free(m); free(im);
    return 0;
}
