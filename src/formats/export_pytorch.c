/* export_pytorch.c - a design as a PyTorch nn.Module; see export_pytorch.h. Modules are
 * registered in layer order (conv<i>, bn<i>, fc / fc<j>), so parameters() comes in the order
 * of the C parameter arena and the state_dict names are tensors.h's. */
#include "export_pytorch.h"
#include "nn/arch_spec.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *p; size_t len, cap; int oom; } Src;

static void emit(Src *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(Src *s, const char *fmt, ...) {
    if (s->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) { s->oom = 1; return; }
    if (s->len + (size_t)n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + (size_t)n + 1) cap *= 2;
        char *q = realloc(s->p, cap);
        if (!q) { s->oom = 1; return; }
        s->p = q; s->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

/* v's shortest decimal that reads back as the same float32 */
static const char *shortest(float v, char *buf, size_t len) {
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, len, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    return buf;
}

/* the dropout p of layer i as Python: its own as a literal, else the module's rate */
static void dropout_expr(const Net *net, int i, char *buf, size_t len) {
    const LayerSpec *l = &net->layer[i].spec;
    if (l->flags & LAYER_OWN_DROPOUT) shortest(l->dropout, buf, len);
    else snprintf(buf, len, "self.dropout");
}

/* tensors.h's name of dense layer number j of count */
static void fc_name(char *buf, size_t len, int count, int j) {
    if (count > 1) snprintf(buf, len, "fc%d", j); else snprintf(buf, len, "fc");
}

size_t pytorch_export(const Net *net, char **out, char *err, size_t errlen) {
    char spec[ARCH_SPEC_MAX], p[32], fc[16];
    *out = NULL;
    if (arch_spec_format(&net->arch, spec, sizeof spec)) {
        snprintf(err, errlen, "the design has no text form");
        return 0;
    }
    int denses = 0, conv = 0, dense = 0;
    for (int i = 0; i < net->n_layers; i++) denses += net->layer[i].spec.kind == LAYER_DENSE;
    Src s = { 0 };
    emit(&s, "# The design \"%s\" (%zu parameters) as a PyTorch module, written by mnist-export (mnist-in-a-tab).\n",
         spec, net->n_params);
    emit(&s,
         "# Input: [N, %d, %d, %d], pixels p in [0, 1] normalised as (p - 0.1307) / 0.3081; output: log-probabilities "
         "[N, %d].\n",
         net->arch.in_c, net->arch.in_h, net->arch.in_w, net->n_classes);
    emit(&s, "# Weights: model.load_state_dict(safetensors.torch.load_file(\"model.safetensors\"), strict=True)\n");
    emit(&s, "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n");
    emit(&s, "class MnistNet(nn.Module):\n    SPEC = \"%s\"\n\n", spec);
    char v1[24], v2[24];
    emit(&s,
         "    def __init__(self, dropout=%s):\n        super().__init__()\n        self.dropout = dropout  # the rate "
         "of the layers without their own\n",
         shortest(net->dropout, v1, sizeof v1));
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        if (l->spec.kind == LAYER_CONV) {
            conv++;
            int bn = l->gamma >= 0;
            char groups[24] = "";                   /* one group: PyTorch's default, not written */
            if (net_layer_groups(&l->spec) > 1)
                snprintf(groups, sizeof groups, ", groups=%d", net_layer_groups(&l->spec));
            emit(&s, "        self.conv%d = nn.Conv2d(%d, %d, %d, padding=%d, bias=%s%s)\n", conv, l->C, l->K,
                 l->spec.size, l->pad, bn ? "False" : "True", groups);
            if (bn)
                emit(&s, "        self.bn%d = nn.BatchNorm2d(%d, eps=%s, momentum=%s)\n", conv, l->K,
                     shortest(net->bn_eps, v1, sizeof v1), shortest(net->bn_momentum, v2, sizeof v2));
        } else if (l->spec.kind == LAYER_DENSE) {
            fc_name(fc, sizeof fc, denses, ++dense);
            emit(&s, "        self.%s = nn.Linear(%zu, %d)\n", fc, l->fan_in, l->K);
        }
    }
    emit(&s, "\n    def forward(self, x):\n");
    conv = dense = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        switch (l->spec.kind) {
        case LAYER_CONV:
            conv++;
            dropout_expr(net, i, p, sizeof p);
            if (l->gamma >= 0)
                emit(&s, "        x = F.dropout(F.relu(self.bn%d(self.conv%d(x))), %s, self.training)\n", conv, conv,
                     p);
            else emit(&s, "        x = F.dropout(F.relu(self.conv%d(x)), %s, self.training)\n", conv, p);
            break;
        case LAYER_MAXPOOL: emit(&s, "        x = F.max_pool2d(x, %d)\n", l->spec.size); break;
        case LAYER_GAP: emit(&s, "        x = x.mean(dim=(2, 3), keepdim=True)  # global average pool\n"); break;
        case LAYER_FLATTEN: emit(&s, "        x = torch.flatten(x, 1)\n"); break;
        case LAYER_DENSE:
            fc_name(fc, sizeof fc, denses, ++dense);
            if (i == net->n_layers - 1) {
                emit(&s, "        return F.log_softmax(self.%s(torch.flatten(x, 1)), dim=1)\n", fc);
                break;
            }
            dropout_expr(net, i, p, sizeof p);
            emit(&s, "        x = F.dropout(F.relu(self.%s(torch.flatten(x, 1))), %s, self.training)\n", fc, p);
            break;
        default:
            free(s.p);
            snprintf(err, errlen, "layer %d: a kind the PyTorch export does not know", i + 1);
            return 0;
        }
    }
    if (s.oom) { free(s.p); snprintf(err, errlen, "out of memory"); return 0; }
    *out = s.p;
    return s.len;
}
