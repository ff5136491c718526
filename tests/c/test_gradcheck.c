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
#include <stdlib.h>

static const NetArch SMALL = { "gradcheck", 2, 10, 10, 7,
    { { LAYER_CONV, 4, 3 }, { LAYER_MAXPOOL, 0, 2 }, { LAYER_CONV, 5, 1 }, { LAYER_CONV, 3, 3 },
      { LAYER_CONV, 4, 1 }, { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 6, 0 } } };
/* the same with 8 channels into layer 4, so that Winograd runs it */
static const NetArch SMALL_WIDE = { "gradcheck-wide", 2, 10, 10, 7,
    { { LAYER_CONV, 4, 3 }, { LAYER_MAXPOOL, 0, 2 }, { LAYER_CONV, 8, 1 }, { LAYER_CONV, 3, 3 },
      { LAYER_CONV, 4, 1 }, { LAYER_GAP, 0, 0 }, { LAYER_DENSE, 6, 0 } } };

static double loss_at(Net *net, int N, const uint8_t *y, const float *input) {
    for (int i = 0; i < N * 2 * 10 * 10; i++) net->input[i] = input[i];
    return net_forward(net, N, y, 1, 1, 0);
}

static double check_gradients(float dropout, int conv) {
    int N = 6;
    NetOptions options = { conv };
    Net *net = net_create_with(conv == NET_CONV_WINOGRAD ? &SMALL_WIDE : &SMALL, N, 1, &options);
    CHECK(net != NULL, "net_create");
    if (!net) return 0.0;
    printf("dropout p = %.2f, layer 4 by %s\n", dropout, net_conv_method_name(net, 3));
    /* weights where at most a quarter of each tensor's points sit near a kink (seed 3 of the wide
     * design puts a third of layer 1's next to max-pool ties; seed 4 does not) */
    net_init_params(net, conv == NET_CONV_WINOGRAD ? 4 : 3);
    net->dropout = dropout;
    Rng r = rng_for(99, RNG_TEST, 0, 0);
    float input[6 * 2 * 10 * 10];
    uint8_t y[6];
    for (int i = 0; i < N * 200; i++) input[i] = 2.0f * rng_uniform(&r) - 1.0f;
    for (int n = 0; n < N; n++) y[n] = (uint8_t)rng_below(&r, 6);
    for (size_t i = 0; i < net->n_params; i++) net->params[i] += 0.3f * (2.0f * rng_uniform(&r) - 1.0f); /* gamma/beta off 1/0 */
    net_zero_grad(net);
    double loss = loss_at(net, N, y, input);
    net_backward(net, N, y);
    float *grad = malloc(net->n_params * sizeof(float));
    for (size_t i = 0; i < net->n_params; i++) grad[i] = net->grads[i];

    const char *names[] = { "weight", "gamma", "beta", "bias" };
    int tensors = 0;
    for (int li = 0; li < net->n_layers; li++) {
        Layer *l = &net->layer[li];
        long offs[4] = { l->w, l->gamma, l->beta, l->bias };
        for (int t = 0; t < 4; t++) {
            if (offs[t] < 0) continue;
            long count = t == 0 ? (l->spec.kind == LAYER_CONV ? (long)l->K * l->C * l->spec.size * l->spec.size : (long)l->K * l->C) : l->K;
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
            printf("layer %d %-6s: %3ld values, %2d skipped near kinks, relative error %.2e\n", li + 1, names[t], count, skipped, rel);
            CHECK(rel <= 5e-2, "layer %d %s: relative error %.3e", li + 1, names[t], rel);
            CHECK(skipped * 4 <= count, "layer %d %s: %d of %ld points skipped", li + 1, names[t], skipped, count);
        }
    }
    CHECK(tensors == 4 * 3 + 2, "checked %d tensors", tensors);
    free(grad);
    net_free(net);
    return loss;
}

int main(void) {
    for (int conv = NET_CONV_DIRECT; conv <= NET_CONV_WINOGRAD; conv++) {
        double plain = check_gradients(0.0f, conv), dropped = check_gradients(0.25f, conv);
        CHECK(fabs(plain - dropped) > 1e-3, "dropout did not change the loss (%.6f vs %.6f)", plain, dropped);
    }
    return check_summary("test_gradcheck");
}
