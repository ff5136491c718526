/* fuzz_safetensors.c - libFuzzer target: the safetensors reader on arbitrary bytes. A refused
 * file must leave the network exactly as it was; an accepted one must hold only finite weights
 * and is then driven through every consumer (drive.h). Each input goes to the reference net
 * and, when its metadata names another design, to a network made for that design, which must
 * have passed the gate (arch_design_check). */
#include "formats/safetensors.h"
#include "nn/arch_spec.h"
#include "drive.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void load_into(Net *net, const uint8_t *data, size_t size) {
    char err[512];
    float *before = malloc(net->n_params * sizeof(float));
    memcpy(before, net->params, net->n_params * sizeof(float));
    if (safetensors_load(net, data, size, err, sizeof err) != 0) {
        if (memcmp(before, net->params, net->n_params * sizeof(float)) != 0) abort();
        if (!err[0]) abort();                                    /* a refusal always says why */
    } else {
        for (size_t i = 0; i < net->n_params; i++) if (!isfinite(net->params[i])) abort();
        drive_model(net);
    }
    free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Net *net;
    if (!net) {
        net = net_create(&NET_ARCH_REFERENCE, DRIVE_BATCH, 1);
        net_init_params(net, 1);
    }
    char err[512];
    NetArch arch;
    int readable = safetensors_read_arch(data, size, &arch, err, sizeof err) == 0;
    if (readable && !arch_design_check(&arch, err, sizeof err)) abort();   /* past the reader, past the gate */
    if (readable && !net_arch_same(&arch, &net->arch)) {
        Net *other = net_create(&arch, DRIVE_BATCH, 1);   /* the design passed its checks: it must be creatable */
        if (!other) abort();
        net_init_params(other, 2);
        load_into(other, data, size);
        net_free(other);
    }
    load_into(net, data, size);
    return 0;
}
