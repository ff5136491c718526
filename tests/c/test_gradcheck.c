/* test_gradcheck.c - finite-difference check of every parameter tensor's gradient, through
 * every layer kind (conv 3x3 and 1x1, BatchNorm in training mode, ReLU, max-pool, global
 * average pool, dense, log-softmax + NLL), on a small network and batch.
 *
 * The forward runs in float32, so central differences use h = 1e-2 (computed in double)
 * and the comparison is per tensor: |fd - analytic| / |analytic| in the 2-norm <= 5e-2.
 * (Measured: 2e-2 for layer 1, whose outputs feed the max-pool, where a winner switch within
 * +-h is not always caught by the h vs h/2 test; everything else is below 2e-3. A real bug —
 * a missing term, a wrong sign or index — gives errors of order 1.)
 * Points near a kink (ReLU at 0, a max-pool tie changing winner within +-h) are detected by
 * comparing the difference quotient at h and h/2 and skipped, as ggml's test-backend-ops does;
 * at most a quarter of a tensor may be skipped.
 * It runs without dropout and with p = 0.25: the masks are a function of (seed, step, layer,
 * image), fixed here, so the loss stays a smooth function of the weights and dropout's
 * backward (mask and 1/(1-p) scale) is checked like any other layer. Both conv methods run it:
 * direct, and Winograd for the 3x3 layer with 8 input channels (the layers Winograd runs). */
#include "nn/net.h"
#include "runtime/rng.h"
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const NetArch SMALL = { "gradcheck", 2, 10, 10, 7,
    { { LAYER_CONV, 4, 3 }, { LAYER_MAXPOOL, 0, 2 }, { LAYER_CONV, 5, 1 }, { LAYER_CONV, 3, 3 },
      { LAYER_CONV, 4, 1 }, { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 6, 0 } } };
/* the same with 8 channels into layer 4, so that Winograd runs it */
static const NetArch SMALL_WIDE = { "gradcheck-wide", 2, 10, 10, 7,
    { { LAYER_CONV, 4, 3 }, { LAYER_MAXPOOL, 0, 2 }, { LAYER_CONV, 8, 1 }, { LAYER_CONV, 3, 3 },
      { LAYER_CONV, 4, 1 }, { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 6, 0 } } };

/* every option of a design, in two short stacks (finite differences in float32 lose the
 * gradients of deep layers in rounding): same padding (kernels 3, 5, 7; Winograd with padding
 * where it runs the 3x3 layer with 8 inputs), no BatchNorm (a bias), dropout of a layer's own
 * (0 and not), flatten, a hidden fully connected layer with dropout; and groups (OPTIONS_G) */
#define OWN(p) LAYER_OWN_DROPOUT, p
static const NetArch OPTIONS_A = {"gradcheck-options-a",
                                  2,
                                  10,
                                  10,
                                  5,
                                  {{LAYER_CONV, 8, 3, LAYER_PAD_SAME},
                                   {LAYER_CONV, 4, 3, LAYER_PAD_SAME | LAYER_NO_BN | OWN(0.2f)},
                                   {LAYER_MAXPOOL, 0, 2},
                                   {LAYER_CONV, 5, 5, LAYER_PAD_SAME},
                                   {LAYER_DENSE, 6}}};
static const NetArch OPTIONS_B = { "gradcheck-options-b", 2, 6, 6, 5,
    { { LAYER_CONV, 4, 7, LAYER_PAD_SAME }, { LAYER_CONV, 6, 1, LAYER_NO_BN | OWN(0.0f) }, { LAYER_FLATTEN },
      { LAYER_DENSE, 6, 0, OWN(0.3f) }, { LAYER_DENSE, 6 } } };
/* groups: 2 groups of a 5x5 (one input and two outputs each) without BatchNorm, then 2 groups of a 1x1 */
static const NetArch OPTIONS_G = {"gradcheck-groups",
                                  2,
                                  10,
                                  10,
                                  4,
                                  {{LAYER_CONV, 4, 5, LAYER_PAD_SAME | LAYER_NO_BN, 0.0f, 2},
                                   {LAYER_MAXPOOL, 0, 2},
                                   {LAYER_CONV, 6, 1, 0, 0.0f, 2},
                                   {LAYER_DENSE, 6}}};
#undef OWN

static double loss_at(Net *net, int N, const uint8_t *y, const float *input) {
    size_t in = (size_t)net->arch.in_c * net->arch.in_h * net->arch.in_w;
    for (size_t i = 0; i < N * in; i++) net->input[i] = input[i];
    return net_forward(net, N, y, 1, 1, 0);
}

static double check_gradients(const NetArch *arch, float dropout, int conv, uint64_t init_seed) {
    int N = 6;
    NetOptions options = { conv };
    Net *net = net_create_with(arch, N, 1, &options);
    CHECK(net != NULL, "net_create");
    if (!net) return 0.0;
    printf("%s, dropout p = %.2f, layer 4 by %s, layer 2 by %s\n", arch->name, dropout, net_conv_method_name(net, 3),
           net_conv_method_name(net, 1));
    /* weights where at most a quarter of each tensor's points sit near a kink (seed 3 of the wide
     * design puts a third of layer 1's next to max-pool ties; seed 4 does not) */
    net_init_params(net, init_seed);
    net->dropout = dropout;
    Rng r = rng_for(99, RNG_TEST, 0, 0);
    float input[6 * 2 * 10 * 10];
    uint8_t y[6];
    int in = arch->in_c * arch->in_h * arch->in_w;
    for (int i = 0; i < N * in; i++) input[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int n = 0; n < N; n++) y[n] = (uint8_t)rng_below(&r, 6);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] += 0.3f * (2.0f * rng_uniform(&r) - 1.0f); /* gamma/beta off 1/0 */
    net_zero_grad(net);
    double loss = loss_at(net, N, y, input);
    net_backward(net, N, y);
    float *grad = malloc(net->n_params * sizeof(float));
    for (size_t i = 0; i < net->n_params; i++) grad[i] = net->grads[i];

    const char *names[] = { "weight", "gamma", "beta", "bias" };
    int tensors = 0, expected = 0;
    for (int li = 0; li < net->n_layers; li++) {
        Layer *l = &net->layer[li];
        long offs[4] = { l->w, l->gamma, l->beta, l->bias };
        for (int t = 0; t < 4; t++) {
            if (offs[t] < 0) continue;
            expected++;
            long count = t == 0 ? (long)l->K * (long)l->fan_in : l->K;
            double num = 0, den = 0;
            int skipped = 0;
            for (long j = 0; j < count; j++) {
                float *p = &net->params[offs[t] + j], keep = *p;
                double h = 4e-3, fd[2];
                for (int k = 0; k < 2; k++, h /= 2) {
                    *p = keep + (float)h; double lp = loss_at(net, N, y, input);
                    *p = keep - (float)h; double lm = loss_at(net, N, y, input);
                    *p = keep;
                    fd[k] = (lp - lm) / (2.0 * h);
                }
                if (fabs(fd[0] - fd[1]) > 0.05 * fabs(fd[1]) + 1e-4) { skipped++; continue; }
                double g = grad[offs[t] + j];
                num += (fd[1] - g) * (fd[1] - g);
                den += g * g;
            }
            double rel = sqrt(num) / (sqrt(den) + 1e-12);
            tensors++;
            printf("layer %d %-6s: %3ld values, %2d skipped near kinks, relative error %.2e\n", li + 1, names[t], count,
                   skipped, rel);
            CHECK(rel <= 5e-2, "layer %d %s: relative error %.3e", li + 1, names[t], rel);
            CHECK(skipped * 4 <= count, "layer %d %s: %d of %ld points skipped", li + 1, names[t], skipped, count);
        }
    }
    CHECK(tensors == expected && tensors >= 6, "checked %d tensors of %d", tensors, expected);
    free(grad);
    net_free(net);
    return loss;
}

/* max |a - b| / max |b| over n values at stride 1 */
static double rel_diff(const float *a, const float *b, size_t n) {
    double worst = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
        if (!(fabs((double)a[i] - b[i]) <= worst)) worst = fabs((double)a[i] - b[i]);
    }
    return worst / scale;
}

/* A grouped convolution is the plain one whose weights between different groups are zero: the
 * same network with block-diagonal weights gives the same loss, log-probabilities, gradients
 * (of the weights within the groups and of every other parameter) and input gradient (the
 * saliency map's pass, conv_input_gradient_image), at 1 and 2 threads. */
static void grouped_is_block_diagonal(int threads) {
    static const NetArch GROUPED = {"grouped",
                                    4,
                                    9,
                                    9,
                                    4,
                                    {{LAYER_CONV, 8, 3, LAYER_PAD_SAME, 0.0f, 4},
                                     {LAYER_CONV, 6, 3, LAYER_NO_BN, 0.0f, 2},
                                     {LAYER_GAP},
                                     {LAYER_DENSE, 5}}};
    NetArch plain = GROUPED;
    for (int i = 0; i < 2; i++) plain.layers[i].groups = 0;
    enum { N = 3 };
    Net *g = net_create(&GROUPED, N, threads), *p = net_create(&plain, N, threads);
    net_init_params(g, 5);
    memset(p->params, 0, p->n_params * sizeof(float));
    g->dropout = p->dropout = 0.0f;
    for (int i = 0; i < g->n_layers; i++) {
        const Layer *lg = &g->layer[i], *lp = &p->layer[i];
        int G = net_layer_groups(&lg->spec), RR = lg->spec.size * lg->spec.size, Cg = lg->C / G, Kg = lg->K / G;
        for (int k = 0; lg->spec.kind == LAYER_CONV && k < lg->K; k++)
            for (int j = 0; j < Cg * RR; j++)
                p->params[lp->w + ((size_t)k * lg->C + k / Kg * Cg) * RR + j] =
                    g->params[lg->w + (size_t)k * Cg * RR + j];
        if (lg->spec.kind == LAYER_DENSE)
            memcpy(p->params + lp->w, g->params + lg->w, lg->fan_in * lg->K * sizeof(float));
        long pairs[3][2] = { { lg->gamma, lp->gamma }, { lg->beta, lp->beta }, { lg->bias, lp->bias } };
        for (int t = 0; t < 3; t++)
            if (pairs[t][0] >= 0)
                memcpy(p->params + pairs[t][1], g->params + pairs[t][0], (size_t)lg->K * sizeof(float));
    }
    Rng r = rng_for(17, RNG_TEST, 0, 0);
    uint8_t y[N];
    for (int i = 0; i < N * 4 * 81; i++) g->input[i] = p->input[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int n = 0; n < N; n++) y[n] = (uint8_t)rng_below(&r, 5);
    net_zero_grad(g); net_zero_grad(p);
    float lg_loss = net_forward(g, N, y, 1, 1, 0), lp_loss = net_forward(p, N, y, 1, 1, 0);
    net_backward(g, N, y); net_backward(p, N, y);
    CHECK(fabs(lg_loss - lp_loss) <= 1e-6 * fabs(lp_loss), "%d thread(s): loss %.9g grouped, %.9g block-diagonal",
          threads, lg_loss, lp_loss);
    double worst = 0.0;
    for (int i = 0; i < g->n_layers; i++) { /* every gradient of the grouped net against its block-diagonal twin's */
        const Layer *lg = &g->layer[i], *lp = &p->layer[i];
        if (lg->w < 0) continue;
        size_t n = (size_t)(i + 1 < g->n_layers && g->layer[i + 1].w >= 0 ? g->layer[i + 1].w : (long)g->n_params) -
            (size_t)lg->w;
        float *mapped = malloc(n * sizeof(float));
        int G = net_layer_groups(&lg->spec), RR = lg->spec.size * lg->spec.size, Cg = lg->C / G, Kg = lg->K / G;
        size_t nw = lg->spec.kind == LAYER_CONV ? (size_t)lg->K * Cg * RR : lg->fan_in * lg->K;
        for (size_t j = 0; j < nw; j++) {
            if (lg->spec.kind != LAYER_CONV) { mapped[j] = p->grads[lp->w + j]; continue; }
            size_t k = j / ((size_t)Cg * RR), rest = j % ((size_t)Cg * RR);
            mapped[j] = p->grads[lp->w + (k * lg->C + k / Kg * Cg) * RR + rest];
        }
        memcpy(mapped + nw, p->grads + lp->w + (lp->spec.kind == LAYER_CONV ? (size_t)lp->K * lp->fan_in : nw),
               (n - nw) * sizeof(float));
        double d = rel_diff(g->grads + lg->w, mapped, n);
        if (d > worst) worst = d;
        free(mapped);
    }
    CHECK(worst <= 1e-5, "%d thread(s): gradients of the grouped net off the block-diagonal one's by %.3e", threads,
          worst);
    net_forward(g, N, NULL, 0, 0, 0); net_forward(p, N, NULL, 0, 0, 0);
    CHECK(rel_diff(g->logprob, p->logprob, (size_t)N * 5) <= 1e-6, "%d thread(s): eval log-probabilities", threads);
    float dg[4 * 81], dp[4 * 81];
    net_input_gradient(g, 1, 2, dg); net_input_gradient(p, 1, 2, dp);
    CHECK(rel_diff(dg, dp, 4 * 81) <= 1e-5, "%d thread(s): input gradient off by %.3e", threads,
          rel_diff(dg, dp, 4 * 81));
    printf("grouped = block-diagonal, %d thread(s): gradients within %.2e, input gradient within %.2e\n", threads,
           worst, rel_diff(dg, dp, 4 * 81));
    net_free(g); net_free(p);
}

int main(void) {
    grouped_is_block_diagonal(1);
    grouped_is_block_diagonal(2);
    for (int conv = NET_CONV_DIRECT; conv <= NET_CONV_WINOGRAD; conv++) {
        const NetArch *arch = conv == NET_CONV_WINOGRAD ? &SMALL_WIDE : &SMALL;
        uint64_t seed = conv == NET_CONV_WINOGRAD ? 4 : 3;
        double plain = check_gradients(arch, 0.0f, conv, seed), dropped = check_gradients(arch, 0.25f, conv, seed);
        CHECK(fabs(plain - dropped) > 1e-3, "dropout did not change the loss (%.6f vs %.6f)", plain, dropped);
        for (int o = 0; o < 3; o++) {
            const NetArch *options = o == 2 ? &OPTIONS_G : o ? &OPTIONS_B : &OPTIONS_A;
            /* seeds 6 and 8 keep each tensor's points near kinks under a quarter; 5, 7, 9-11 do not
             * (the groups' stack: seeds 1, 3 and 5 do; 2, 4, 6-10 do not) */
            uint64_t seed_o = o == 2 ? 3 : 6;
            plain = check_gradients(options, 0.0f, conv, seed_o);
            dropped = check_gradients(options, 0.25f, conv, seed_o);
            CHECK(fabs(plain - dropped) > 1e-3, "%s: the recipe's dropout did not change the loss (%.6f vs %.6f)",
                  options->name, plain, dropped);
        }
    }
    return check_summary("test_gradcheck");
}
