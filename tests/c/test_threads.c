/* test_threads.c - 1, 2, 3 and 4 threads give bit-identical weights, BatchNorm statistics and
 * losses after several training steps (dropout on), with each conv method (direct, and Winograd
 * for the 3x3 layers it runs, as the wasm build does), and the pool really uses its threads. */
#include "nn/net.h"
#include "train/optim.h"
#include "runtime/rng.h"
#include "runtime/pool.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void train(int threads, int conv, int N, float *params_out, float *state_out, float *losses) {
    NetOptions options = { conv };
    Net *net = net_create_with(&NET_ARCH_REFERENCE, N, threads, &options);
    net_init_params(net, 5);
    OptConfig oc = { OPT_SGD, 1, 0.9f, 5e-4f, 0.9f, 0.999f, 1e-8f };
    Optimizer opt;
    optim_init(&opt, &oc, net->n_params);
    uint8_t y[64];
    for (int s = 0; s < 4; s++) {
        Rng r = rng_for(77, RNG_TEST, (uint64_t)s, 0);
        for (int i = 0; i < N * 784; i++) net->input[i] = 3.0f * rng_uniform(&r) - 0.5f;
        for (int n = 0; n < N; n++) y[n] = (uint8_t)rng_below(&r, 10);
        net_zero_grad(net);
        losses[s] = net_forward(net, N, y, 1, 42, (uint64_t)s);
        net_backward(net, N, y);
        optim_step(&opt, net->params, net->grads, 0.05f);
    }
    memcpy(params_out, net->params, net->n_params * sizeof(float));
    memcpy(state_out, net->bn_state, net->n_bn_state * sizeof(float));
    optim_free(&opt);
    net_free(net);
}

typedef struct { int *hits; } HitCtx;
static void hit(void *ctx, int task, int thread) { ((HitCtx *)ctx)->hits[task]++; (void)thread; }

int main(void) {
    int N = 37;   /* not a multiple of the gradient chunk */
    static float p[4][15122], s[4][288], l[4][4];
    int threads[4] = { 1, 2, 3, 4 };
    const struct { int conv; const char *name; } methods[] = { { NET_CONV_DIRECT, "direct" }, { NET_CONV_WINOGRAD, "winograd" } };
    for (int m = 0; m < 2; m++) {
        for (int i = 0; i < 4; i++) train(threads[i], methods[m].conv, N, p[i], s[i], l[i]);
        for (int i = 1; i < 4; i++) {
            CHECK(memcmp(p[0], p[i], sizeof p[0]) == 0, "%s: weights after 4 steps differ between 1 and %d threads", methods[m].name, threads[i]);
            CHECK(memcmp(s[0], s[i], sizeof s[0]) == 0, "%s: BatchNorm statistics differ between 1 and %d threads", methods[m].name, threads[i]);
            CHECK(memcmp(l[0], l[i], sizeof l[0]) == 0, "%s: losses differ between 1 and %d threads", methods[m].name, threads[i]);
        }
        CHECK(l[0][3] != l[0][0], "%s: training did not change the loss", methods[m].name);
        printf("%s: 1-4 threads bit-identical\n", methods[m].name);
    }

    Pool *pool = pool_create(2);
    int hits[1000] = { 0 };
    HitCtx hc = { hits };
    unsigned long ids[4];
    int n_ids = 0;
    for (int round = 0; round < 50 && n_ids < 2; round++) {
        memset(hits, 0, sizeof hits);
        pool_run(pool, 1000, hit, &hc);
        n_ids = pool_last_thread_ids(pool, ids, 4);
    }
    int once = 1;
    for (int i = 0; i < 1000; i++) once &= hits[i] == 1;
    CHECK(once, "every task must run exactly once");
    CHECK(pool_threads(pool) == 2 && n_ids == 2 && ids[0] != ids[1], "2 distinct threads should have run tasks (got %d)", n_ids);
    pool_destroy(pool);
    return check_summary("test_threads");
}
