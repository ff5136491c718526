/* fuzz_safetensors.c - libFuzzer target: the safetensors reader on arbitrary bytes. A refused
 * file must leave the network exactly as it was; an accepted one must hold only finite weights. */
#include "formats/safetensors.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Net *net;
    static float *before;
    if (!net) {
        net = net_create(&NET_ARCH_REFERENCE, 1, 1);
        net_init_params(net, 1);
        before = malloc(net->n_params * sizeof(float));
    }
    char err[512];
    memcpy(before, net->params, net->n_params * sizeof(float));
    if (safetensors_load(net, data, size, err, sizeof err) != 0) {
        if (memcmp(before, net->params, net->n_params * sizeof(float)) != 0) abort();
        if (!err[0]) abort();                                    /* a refusal always says why */
    } else {
        for (size_t i = 0; i < net->n_params; i++) if (!isfinite(net->params[i])) abort();
    }
    return 0;
}
