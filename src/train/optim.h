/* optim.h - optimisers over one flat parameter array (params and grads at the same offsets),
 * following PyTorch 1.13's torch.optim semantics exactly, and the OneCycle schedule.
 *
 * SGD (coupled weight decay, PyTorch's SGD):  g = grad + wd * p
 *     buf = g on the first step, else buf = momentum * buf + g       (dampening 0)
 *     step = nesterov ? g + momentum * buf : buf;  p -= lr * step
 * Adam (PyTorch's Adam, L2 coupled):  g = grad + wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *     p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Weight decay applies to every parameter (PyTorch's default with model.parameters()).
 *
 * OneCycle (PyTorch's OneCycleLR, cosine annealing, two phases), T = total steps:
 *     lr0 = max_lr / div_factor, lr_min = lr0 / final_div_factor, s1 = pct_start * T - 1
 *     step t <= s1:  lr = cos_anneal(lr0, max_lr, t / s1)
 *     t > s1:        lr = cos_anneal(max_lr, lr_min, (t - s1) / (T - 1 - s1))
 *     cos_anneal(a, b, x) = b + (a - b) / 2 * (1 + cos(pi x))
 * The reference recipe: max_lr 0.1, pct_start 0.25, div 10, final_div 100 (ends at max_lr/1000).
 * Momentum is not cycled (constant 0.9, as the recipe states). */
#ifndef OPTIM_H
#define OPTIM_H
#include <stddef.h>
#include <stdint.h>

enum { OPT_SGD = 0, OPT_ADAM = 1 };

typedef struct {
    int kind, nesterov;
    float momentum, weight_decay;       /* SGD */
    float beta1, beta2, eps;            /* Adam */
} OptConfig;

typedef struct {
    OptConfig cfg;
    size_t n;
    float *m, *v;          /* SGD: m = momentum buffer; Adam: first and second moments */
    uint64_t t;            /* steps taken */
} Optimizer;

int  optim_init(Optimizer *o, const OptConfig *cfg, size_t n);   /* 0 on success; zeroed state */
void optim_free(Optimizer *o);
void optim_step(Optimizer *o, float *params, const float *grads, float lr);

typedef struct { float max_lr, pct_start, div_factor, final_div_factor; uint64_t total_steps; } OneCycle;
float onecycle_lr(const OneCycle *s, uint64_t step);
#endif
