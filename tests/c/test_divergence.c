/* test_divergence.c - the divergence guard: an absurd learning rate makes the loss or weights
 * non-finite; the trainer stops, says so, and the network is exactly as before the bad step
 * (finite weights, BatchNorm statistics and optimiser state), so it can still run. */
#include "train/trainer.h"
#include "runtime/rng.h"
#include "check.h"
#include "tools/synthetic.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    int n = 256;
    IdxView x, y;
    synthetic_mnist(n, 4, &x, &y);
    TrainConfig cfg;
    settings_default(&RECIPE_TABLE, &cfg);
    cfg.batch = 32; cfg.epochs = 50; cfg.lr = 1e4f; cfg.onecycle = 0;
    Net *net = net_create(&NET_ARCH_REFERENCE, 32, 2);
    net_init_params(net, 1);
    Trainer t;
    char err[256];
    CHECK(trainer_init(&t, net, &cfg, x, y, err, sizeof err) == 0, "%s", err);
    /* the state before each step, by step number, to compare with what the guard restores */
    size_t P = net->n_params, S = net->n_bn_state;
    float *params = malloc(1001 * P * sizeof(float)), *state = malloc(1001 * S * sizeof(float));
    int steps = 0;
    while (!trainer_done(&t) && steps < 1000) {
        memcpy(params + (size_t)t.step * P, net->params, P * sizeof(float));
        memcpy(state + (size_t)t.step * S, net->bn_state, S * sizeof(float));
        steps += trainer_steps(&t, 1);
        if (t.diverged) break;
    }
    printf("diverged after %d good steps (lr %g); restored to the state before step %llu\n", steps, cfg.lr,
           (unsigned long long)t.step);
    CHECK(t.diverged, "an absurd learning rate must be caught (ran %d steps)", steps);
    CHECK(t.step + 2 >= (uint64_t)steps && t.step <= (uint64_t)steps,
          "restored to step %llu, the failure came after %d", (unsigned long long)t.step, steps);
    CHECK(memcmp(params + t.step * P, net->params, P * sizeof(float)) == 0, "weights not restored exactly");
    CHECK(memcmp(state + t.step * S, net->bn_state, S * sizeof(float)) == 0,
          "BatchNorm statistics not restored exactly");
    int finite = 1;
    for (size_t i = 0; i < net->n_params; i++) finite &= isfinite(net->params[i]);
    for (size_t i = 0; i < net->n_params; i++) finite &= isfinite(t.opt.m[i]) && isfinite(t.opt.v[i]);
    CHECK(finite, "weights or optimiser state not finite after the guard");
    CHECK(trainer_steps(&t, 5) == 0, "no step runs after divergence");
    EvalAccum acc;
    memset(&acc, 0, sizeof acc);
    char eval_err[256];
    CHECK(!trainer_eval_range(net, &x, &y, 0, n, &acc, eval_err, sizeof eval_err), "evaluation: %s", eval_err);
    CHECK(acc.count == n && isfinite(acc.loss_sum), "the restored network evaluates to a finite loss (%g)",
          acc.loss_sum);
    trainer_free(&t);
    net_free(net);
    free((void *)x.data); free((void *)y.data); free(params); free(state);
    return check_summary("test_divergence");
}
