/* layer_token.c - one layer's token in the text form of a design; see layer_token.h. */
#include "layer_token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void layer_format_dropout(float p, char *buf, size_t len) {
    for (int digits = 0; digits <= 9; digits++) {
        snprintf(buf, len, "%.*f", digits, (double)p);
        if (strtof(buf, NULL) == p) break;
    }
    char *dot = strchr(buf, '.');
    if (dot) {                                   /* no trailing zeros, no lone dot */
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0') *end-- = 0;
        if (end == dot) *end = 0;
    }
}

void layer_token(const LayerSpec *s, char *buf, size_t len) {
    char p[24] = "";
    if (s->flags & LAYER_OWN_DROPOUT) {
        char v[20];
        layer_format_dropout(s->dropout, v, sizeof v);
        snprintf(p, sizeof p, ":d%s", v);
    }
    switch (s->kind) {
    case LAYER_CONV:
    {
        char g[16] = "";
        if (net_layer_groups(s) > 1) snprintf(g, sizeof g, ":g%d", s->groups);
        snprintf(buf, len, "c%dk%d%s%s%s%s", s->out_c, s->size, s->flags & LAYER_PAD_SAME ? ":same" : "",
                 s->flags & LAYER_NO_BN ? ":nobn" : "", g, p);
        break;
    }
    case LAYER_MAXPOOL: snprintf(buf, len, "m%d", s->size); break;
    case LAYER_GAP: snprintf(buf, len, "gap"); break;
    case LAYER_FLATTEN: snprintf(buf, len, "flat"); break;
    case LAYER_DENSE: snprintf(buf, len, "fc%d%s", s->out_c, p); break;
    default: snprintf(buf, len, "kind %d", s->kind);
    }
}
