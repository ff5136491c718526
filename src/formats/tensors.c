/* tensors.c - the tensors of a Net by name; see tensors.h. */
#include "tensors.h"
#include <stdio.h>

int model_list_tensors(const Net *net, const Trainer *t, TensorRef *out, int max) {
    int n = 0, conv = 0;
    /* with a weight average begun, the model tensors are the average and the training weights
     * follow the optimiser's; which of the two the Net holds right now is t->model_shown */
    int averaged = t && t->avg_count > 0;
    if (averaged && !t->model_shown) return -1;          /* trainer_show_model first */
    float *P = net->params, *S = net->bn_state;
#define ADD(nm, d, nd, a, b_, c_, e_)                    \
    do {                                                 \
        if (n < max) {                                   \
            TensorRef *r = &out[n];                      \
            snprintf(r->name, sizeof r->name, "%s", nm); \
            r->ndim = nd;                                \
            r->dims[0] = a;                              \
            r->dims[1] = b_;                             \
            r->dims[2] = c_;                             \
            r->dims[3] = e_;                             \
            r->data = d;                                 \
        }                                                \
        n++;                                             \
    } while (0)
    char nm[40];
    int denses = 0, dense = 0;
    for (int i = 0; i < net->n_layers; i++) denses += net->layer[i].spec.kind == LAYER_DENSE;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind == LAYER_CONV) {
            conv++;
            snprintf(nm, sizeof nm, "conv%d.weight", conv);
            ADD(nm, P + l->w, 4, l->K, l->C / net_layer_groups(&l->spec), l->spec.size, l->spec.size);
            if (l->bias >= 0) { snprintf(nm, sizeof nm, "conv%d.bias", conv); ADD(nm, P + l->bias, 1, l->K, 0, 0, 0); }
            if (l->gamma < 0) continue;
            snprintf(nm, sizeof nm, "bn%d.weight", conv); ADD(nm, P + l->gamma, 1, l->K, 0, 0, 0);
            snprintf(nm, sizeof nm, "bn%d.bias", conv); ADD(nm, P + l->beta, 1, l->K, 0, 0, 0);
        } else if (l->spec.kind == LAYER_DENSE) {
            char fc[16] = "fc";                        /* one: "fc" (the reference net's name); more: fc1, fc2, ... */
            if (denses > 1) snprintf(fc, sizeof fc, "fc%d", ++dense);
            snprintf(nm, sizeof nm, "%s.weight", fc); ADD(nm, P + l->w, 2, l->K, (uint32_t)l->fan_in, 0, 0);
            snprintf(nm, sizeof nm, "%s.bias", fc); ADD(nm, P + l->bias, 1, l->K, 0, 0, 0);
        }
    }
    conv = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind != LAYER_CONV) continue;
        conv++;
        if (l->run_mean < 0) continue;
        snprintf(nm, sizeof nm, "bn%d.running_mean", conv); ADD(nm, S + l->run_mean, 1, l->K, 0, 0, 0);
        snprintf(nm, sizeof nm, "bn%d.running_var", conv); ADD(nm, S + l->run_var, 1, l->K, 0, 0, 0);
    }
    if (t) {
        ADD("optim.m", t->opt.m, 1, (uint32_t)net->n_params, 0, 0, 0);
        ADD("optim.v", t->opt.v, 1, (uint32_t)net->n_params, 0, 0, 0);
        if (averaged) ADD("optim.weights", t->avg, 1, (uint32_t)(net->n_params + net->n_bn_state), 0, 0, 0);
    }
#undef ADD
    return n;
}
