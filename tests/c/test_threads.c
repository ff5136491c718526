/* test_threads.c - 1, 2, 3 and 4 threads give bit-identical weights, BatchNorm statistics and
 * losses after several training steps (dropout on), with each conv method (direct, and Winograd
 * for the 3x3 layers it runs, as the wasm build does), for the reference net and every design
 * of the file given as the argument (tests/data/designs.txt), and the pool really uses its
 * threads (hand-offs to spinning and to sleeping workers, and the pool's profile). */
#include "nn/net.h"
#include "nn/arch_spec.h"
#include "train/optim.h"
#include "runtime/rng.h"
#include "runtime/pool.h"
#include "check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void train(const NetArch *arch, int threads, int conv, int N, float *params_out, float *state_out,
                  float *losses) {
    NetOptions options = { conv };
    Net *net = net_create_with(arch, N, threads, &options);
    net_init_params(net, 5);
    OptConfig oc = { OPT_SGD, 1, 0.9f, 5e-4f, 0.9f, 0.999f, 1e-8f };
    Optimizer opt;
    optim_init(&opt, &oc, net->n_params);
    uint8_t y[64];
    for (int s = 0; s < 4; s++) {
        Rng r = rng_for(77, RNG_TEST, (uint64_t)s, 0);
        for (int i = 0; i < N * arch->in_c * arch->in_h * arch->in_w; i++)
            net->input[i] = 3.0f * rng_uniform(&r) - 0.5f;
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

/* one design, each method: 1-4 threads bit-identical */
static void check_design(const NetArch *arch, const char *label, int N) {
    size_t np = net_arch_param_count(arch), ns = 2 * (size_t)NET_MAX_CHANNELS * NET_MAX_LAYERS;
    float *p[4], *s[4], l[4][4];
    for (int i = 0; i < 4; i++) { p[i] = calloc(np, sizeof(float)); s[i] = calloc(ns, sizeof(float)); }
    int threads[4] = { 1, 2, 3, 4 };
    const struct {
        int conv;
        const char *name;
    } methods[] = {{NET_CONV_DIRECT, "direct"}, {NET_CONV_WINOGRAD, "winograd"}};
    for (int m = 0; m < 2; m++) {
        for (int i = 0; i < 4; i++) train(arch, threads[i], methods[m].conv, N, p[i], s[i], l[i]);
        for (int i = 1; i < 4; i++) {
            CHECK(memcmp(p[0], p[i], np * sizeof(float)) == 0,
                  "%s, %s: weights after 4 steps differ between 1 and %d threads", label, methods[m].name, threads[i]);
            CHECK(memcmp(s[0], s[i], ns * sizeof(float)) == 0,
                  "%s, %s: BatchNorm statistics differ between 1 and %d threads", label, methods[m].name, threads[i]);
            CHECK(memcmp(l[0], l[i], sizeof l[0]) == 0, "%s, %s: losses differ between 1 and %d threads", label,
                  methods[m].name, threads[i]);
        }
        CHECK(l[0][3] != l[0][0], "%s, %s: training did not change the loss", label, methods[m].name);
    }
    for (int i = 0; i < 4; i++) { free(p[i]); free(s[i]); }
}

typedef struct { int *hits; } HitCtx;
static void hit(void *ctx, int task, int thread) { ((HitCtx *)ctx)->hits[task]++; (void)thread; }

int main(void) {
    check_design(&NET_ARCH_REFERENCE, "reference", 37);   /* 37: not a multiple of the gradient chunk */
    printf("reference: 1-4 threads bit-identical, direct and winograd\n");
    int designs = 0;
    const char *path = getenv("MNIST_DESIGNS");
    FILE *f = path ? fopen(path, "r") : NULL;
    CHECK(!path || f, "cannot open %s", path);
    char line[ARCH_SPEC_MAX + 2], err[600];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0]) continue;
        NetArch arch;
        CHECK(!arch_spec_parse(line, &arch, err, sizeof err), "%s: %s", line, err);
        check_design(&arch, line, 13);
        designs++;
    }
    if (f) { fclose(f); printf("%d designs: 1-4 threads bit-identical, direct and winograd\n", designs); }

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
    CHECK(pool_threads(pool) == 2 && n_ids == 2 && ids[0] != ids[1],
          "2 distinct threads should have run tasks (got %d)", n_ids);
    pool_destroy(pool);

    /* hand-offs to spinning workers and to workers that went to sleep in a pause longer than
     * their spin (~1 ms), every task once; the profile counts them, and nothing once stopped */
    pool = pool_create(3);
    pool_profile_start(pool);
    int all_once = 1;
    for (int round = 0; round < 40; round++) {
        memset(hits, 0, sizeof hits);
        pool_run(pool, 1000, hit, &hc);
        for (int i = 0; i < 1000; i++) all_once &= hits[i] == 1;
        if (round % 10 == 9) { struct timespec pause = { 0, 100 * 1000 * 1000 }; nanosleep(&pause, NULL); }
    }
    pool_run(pool, 1, hit, &hc);                                 /* one task: the caller alone */
    pool_profile_stop(pool);
    pool_run(pool, 1000, hit, &hc);                              /* not counted */
    PoolProfile pp;
    pool_profile_read(pool, &pp);
    CHECK(all_once, "every task must run exactly once, also after the workers slept");
    CHECK(pp.runs == 40 && pp.inline_runs == 1, "profile: 40 parallel regions and 1 inline one, got %.0f and %.0f",
          pp.runs, pp.inline_runs);
    CHECK(pp.tasks_caller + pp.tasks_workers == 40000, "profile: 40,000 tasks, got %.0f",
          pp.tasks_caller + pp.tasks_workers);
    CHECK(pp.worker_sleeps >= 1, "profile: the workers should have slept in the 100 ms pauses (%.0f sleeps)",
          pp.worker_sleeps);
    CHECK(pp.wall >= 0.3 && pp.in_run <= pp.wall && pp.caller_wait <= pp.in_run && pp.caller_work <= pp.in_run,
          "profile: inconsistent times (wall %g, in run %g, caller work %g, wait %g)", pp.wall, pp.in_run,
          pp.caller_work, pp.caller_wait);
    char json[1024];
    pool_profile_json(&pp, 40, json, sizeof json);
    CHECK(strstr(json, "\"runs\":1.00,") != NULL, "profile JSON per region: %s", json);
    pool_destroy(pool);
    return check_summary("test_threads");
}
