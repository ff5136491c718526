/* optim.c - SGD (momentum, Nesterov, weight decay), Adam, OneCycle; formulas in optim.h. */
#include "optim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int optim_init(Optimizer *o, const OptConfig *cfg, size_t n) {
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->n = n;
    o->m = calloc(n ? n : 1, sizeof(float));
    o->v = calloc(n ? n : 1, sizeof(float));
    if (!o->m || !o->v) { optim_free(o); return 1; }
    return 0;
}

void optim_free(Optimizer *o) { free(o->m); free(o->v); o->m = o->v = NULL; }

void optim_step(Optimizer *o, float *p, const float *grad, float lr) {
    const OptConfig *c = &o->cfg;
    o->t++;
    if (c->kind == OPT_SGD) {
        float mu = c->momentum, wd = c->weight_decay;
        for (size_t i = 0; i < o->n; i++) {
            float g = grad[i] + wd * p[i];
            if (mu != 0.0f) {
                o->m[i] = o->t == 1 ? g : mu * o->m[i] + g;
                g = c->nesterov ? g + mu * o->m[i] : o->m[i];
            }
            p[i] -= lr * g;
        }
    } else {
        float b1 = c->beta1, b2 = c->beta2, wd = c->weight_decay;
        float bc1 = 1.0f - powf(b1, (float)o->t), bc2 = 1.0f - powf(b2, (float)o->t);
        float step = lr / bc1, sqrt_bc2 = sqrtf(bc2);
        for (size_t i = 0; i < o->n; i++) {
            float g = grad[i] + wd * p[i];
            o->m[i] = b1 * o->m[i] + (1.0f - b1) * g;
            o->v[i] = b2 * o->v[i] + (1.0f - b2) * g * g;
            p[i] -= step * o->m[i] / (sqrtf(o->v[i]) / sqrt_bc2 + c->eps);
        }
    }
}

static float cos_anneal(float a, float b, double x) { return (float)(b + (a - b) / 2.0 * (1.0 + cos(M_PI * x))); }

float onecycle_lr(const OneCycle *s, uint64_t step) {
    double lr0 = s->max_lr / s->div_factor, lr_min = lr0 / s->final_div_factor;
    double s1 = (double)s->pct_start * (double)s->total_steps - 1.0, s2 = (double)s->total_steps - 1.0;
    if (step > s->total_steps - 1) step = s->total_steps - 1;
    if ((double)step <= s1) return cos_anneal((float)lr0, s->max_lr, s1 > 0 ? step / s1 : 1.0);
    return cos_anneal(s->max_lr, (float)lr_min, s2 > s1 ? (step - s1) / (s2 - s1) : 1.0);
}
