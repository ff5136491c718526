/* layer_token.h - one layer's token in the text form of a design ("c16k3:same:d0.25"), for the
 * text form itself (arch_spec.c) and for messages naming a layer (net.c's plan). A leaf: it
 * calls nothing of the network, so the plan and the text form need not call each other. */
#ifndef NN_LAYER_TOKEN_H
#define NN_LAYER_TOKEN_H
#include "net.h"
#include <stddef.h>

/* s's token into buf (at most len bytes, always terminated); "kind N" for a kind without one */
void layer_token(const LayerSpec *s, char *buf, size_t len);
/* p's shortest decimal (no exponent) that reads back as the same float, without trailing zeros */
void layer_format_dropout(float p, char *buf, size_t len);
#endif
