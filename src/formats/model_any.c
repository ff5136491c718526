/* model_any.c - which format a model file is in; see model_any.h. */
#include "model_any.h"
#include "safetensors.h"
#include <string.h>

int model_load_any(Net *net, Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    int model_file = buf && len >= 8 && !memcmp(buf, MODEL_MAGIC, 8);
    if (!model_file && safetensors_detect(buf, len)) return safetensors_load(net, buf, len, err, errlen);
    return model_load(net, t, buf, len, err, errlen);
}

int model_read_arch_any(const uint8_t *buf, size_t len, NetArch *arch, int *has_training, char *err, size_t errlen) {
    int model_file = buf && len >= 8 && !memcmp(buf, MODEL_MAGIC, 8);
    if (!model_file && safetensors_detect(buf, len)) {
        if (has_training) *has_training = 0;
        return safetensors_read_arch(buf, len, arch, err, errlen);
    }
    return model_read_arch(buf, len, arch, has_training, err, errlen);
}
