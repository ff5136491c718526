/* torch_dump.c - writes everything tests/torch/compare.py checks against PyTorch, for one seed:
 * initial parameters and BatchNorm state, an input batch and labels, then the training-mode
 * forward (logits, log-probs, loss; with the dropout masks it drew), the gradients of every parameter, the
 * running statistics after that step, and all parameters and running statistics after each of
 * 3 steps of SGD (momentum 0.9, Nesterov, weight decay 5e-4) and, from the same start, of 3
 * steps of Adam (weight decay 5e-4).
 * Dropout p is the fifth argument (the rate of the layers without their own; 0 turns those
 * off); the masks of every layer that drops for steps 0, 1, 2 are written as
 * "mask<step>_<layer index from 0>" so PyTorch can apply the same ones. The seventh argument is
 * the design (its text form or name; default: the reference net).
 * File: records of (u32 name length, name, u32 count, count little-endian float32). */
#include "nn/net.h"
#include "nn/arch_spec.h"
#include "train/optim.h"
#include "runtime/rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rec(FILE *f, const char *name, const float *v, size_t n) {
    uint32_t len = (uint32_t)strlen(name), cnt = (uint32_t)n;
    fwrite(&len, 4, 1, f); fwrite(name, 1, len, f); fwrite(&cnt, 4, 1, f); fwrite(v, 4, n, f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: torch_dump OUT [seed] [batch] [threads] [dropout] [auto|direct|winograd] [design]\n");
        return 2;
    }
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 7;
    int N = argc > 3 ? atoi(argv[3]) : 16, threads = argc > 4 ? atoi(argv[4]) : 2;
    FILE *f = fopen(argv[1], "wb");
    if (!f) return 1;
    NetOptions options = { NET_CONV_AUTO };
    if (argc > 6)
        options.conv = !strcmp(argv[6], "winograd") ? NET_CONV_WINOGRAD
            : !strcmp(argv[6], "direct")            ? NET_CONV_DIRECT
            : !strcmp(argv[6], "auto")              ? NET_CONV_AUTO
                                                    : -1;
    if (options.conv < 0) { fprintf(stderr, "torch_dump: conv method %s: direct or winograd\n", argv[6]); return 2; }
    NetArch arch;
    char err[600];
    if (arch_spec_parse(argc > 7 ? argv[7] : "reference", &arch, err, sizeof err)) {
        fprintf(stderr, "torch_dump: %s\n", err);
        return 2;
    }
    Net *net = net_create_with(&arch, N, threads, &options);
    if (!net) { fprintf(stderr, "torch_dump: cannot create the network\n"); return 1; }
    net_init_params(net, seed);
    net->dropout = argc > 5 ? (float)atof(argv[5]) : 0.0f;
    Rng r = rng_for(seed, RNG_TEST, 0, 0);
    size_t in = (size_t)N * 28 * 28;
    for (size_t i = 0; i < in; i++) net->input[i] = 2.0f * rng_uniform(&r) - 0.5f;
    uint8_t labels[4096];
    float flabels[4096];
    for (int n = 0; n < N; n++) { labels[n] = (uint8_t)rng_below(&r, 10); flabels[n] = labels[n]; }
    float *input0 = malloc(in * sizeof(float)), *p0 = malloc(net->n_params * sizeof(float)),
          *s0 = malloc(net->n_bn_state * sizeof(float));
    memcpy(input0, net->input, in * sizeof(float));
    memcpy(p0, net->params, net->n_params * sizeof(float));
    memcpy(s0, net->bn_state, net->n_bn_state * sizeof(float));
    rec(f, "input", input0, in);
    rec(f, "labels", flabels, N);
    rec(f, "params0", p0, net->n_params);
    rec(f, "bn_state0", s0, net->n_bn_state);
    for (int step = 0; step < 3; step++)
        for (int i = 0; i < net->n_layers; i++) {
            const Layer *l = &net->layer[i];
            if (!(net_layer_dropout(net, i) > 0.0f)) continue;
            size_t per = (size_t)l->K * l->P * l->Q;
            float *mask = malloc(per * N * sizeof(float));
            for (int n = 0; n < N; n++) net_dropout_mask(net, i, n, seed, step, mask + per * n);
            char name[32];
            snprintf(name, sizeof name, "mask%d_%d", step, i);
            rec(f, name, mask, per * N);
            free(mask);
        }

    net_zero_grad(net);
    float loss = net_forward(net, N, labels, 1, seed, 0);
    net_backward(net, N, labels);
    rec(f, "logits", net->layer[net->n_layers - 1].out, (size_t)N * net->n_classes);
    rec(f, "logprob", net->logprob, (size_t)N * net->n_classes);
    rec(f, "loss", &loss, 1);
    rec(f, "grads", net->grads, net->n_params);
    rec(f, "bn_state1", net->bn_state, net->n_bn_state);

    for (int kind = 0; kind < 2; kind++) {
        memcpy(net->params, p0, net->n_params * sizeof(float));
        memcpy(net->bn_state, s0, net->n_bn_state * sizeof(float));
        OptConfig oc = { kind, 1, 0.9f, 5e-4f, 0.9f, 0.999f, 1e-8f };
        Optimizer opt;
        optim_init(&opt, &oc, net->n_params);
        float lr = kind == OPT_SGD ? 0.05f : 0.01f;
        for (int s = 0; s < 3; s++) {
            memcpy(net->input, input0, in * sizeof(float));
            net_zero_grad(net);
            net_forward(net, N, labels, 1, seed, s);
            net_backward(net, N, labels);
            optim_step(&opt, net->params, net->grads, lr);
            char name[32];                    /* after each step: params_sgd1 .. params_adam3 */
            snprintf(name, sizeof name, "params_%s%d", kind == OPT_SGD ? "sgd" : "adam", s + 1);
            rec(f, name, net->params, net->n_params);
            snprintf(name, sizeof name, "bn_state_%s%d", kind == OPT_SGD ? "sgd" : "adam", s + 1);
            rec(f, name, net->bn_state, net->n_bn_state);
        }
        optim_free(&opt);
    }
    fclose(f);
    net_free(net);
    free(input0); free(p0); free(s0);
    return 0;
}
