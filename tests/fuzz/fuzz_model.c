/* fuzz_model.c - libFuzzer target: the model-file reader on arbitrary bytes. A refused file
 * must leave the network exactly as it was; an accepted one must hold only finite weights and
 * a training state that fits the network and its training set, its design must pass the gate
 * (arch_design_check), and the model is then driven through every consumer (drive.h:
 * readings, the inside view, saliency, evaluation, a training and a teaching step). Each input
 * is read twice: as it is (the CRC check, which almost every mutation fails) and with its last
 * four bytes re-stamped as the CRC32 of the rest, so mutations reach the parser behind the
 * check. A file of another design (its layer table) is also loaded, weights only, into a
 * network made for that design. */
#include "formats/bytes.h"
#include "formats/model_io.h"
#include "nn/arch_spec.h"
#include "drive.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void read_one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_one(data, size);
    if (size >= 4 && size <= MODEL_MAX_BYTES) {
        uint8_t *copy = malloc(size);
        memcpy(copy, data, size);
        uint32_t crc = crc32_ieee(copy, size - 4);
        for (int i = 0; i < 4; i++) copy[size - 4 + i] = (uint8_t)(crc >> (8 * i));
        read_one(copy, size);
        free(copy);
    }
    return 0;
}

static void read_one(const uint8_t *data, size_t size) {
    static Net *net;
    static float *before;
    static Trainer t;
    static int ready;
    if (!ready) {
        net = net_create(&NET_ARCH_REFERENCE, DRIVE_IMAGES, 1);
        net_init_params(net, 1);
        before = malloc(net->n_params * sizeof(float));
        static uint8_t img[8 * 784], lab[8];
        IdxView x = { img, 8, 28, 28 }, y = { lab, 8, 0, 0 };
        TrainConfig cfg;
        settings_default(&RECIPE_TABLE, &cfg);
        cfg.batch = 8;
        char err[128];
        if (trainer_init(&t, net, &cfg, x, y, err, sizeof err)) abort();
        ready = 1;
    }
    char err[256];
    NetArch arch;
    int has;
    int readable = model_read_arch(data, size, &arch, &has, err, sizeof err) == 0;
    if (readable && !arch_design_check(&arch, err, sizeof err)) abort();   /* past the reader, past the gate */
    if (readable && !net_arch_same(&arch, &net->arch)) {
        Net *other = net_create(&arch, DRIVE_BATCH, 1);  /* the table passed the design checks: it must be creatable */
        if (!other) abort();
        net_init_params(other, 2);
        float *keep = malloc(other->n_params * sizeof(float));
        memcpy(keep, other->params, other->n_params * sizeof(float));
        if (model_load(other, NULL, data, size, err, sizeof err) != 0) {
            if (memcmp(keep, other->params, other->n_params * sizeof(float)) != 0) abort();
        } else {
            for (size_t i = 0; i < other->n_params; i++) if (!isfinite(other->params[i])) abort();
            drive_model(other);
        }
        free(keep);
        net_free(other);
    }
    memcpy(before, net->params, net->n_params * sizeof(float));
    if (model_load(net, &t, data, size, err, sizeof err) != 0) {
        if (memcmp(before, net->params, net->n_params * sizeof(float)) != 0) abort();
    } else {
        for (size_t i = 0; i < net->n_params; i++) if (!isfinite(net->params[i])) abort();
        if (t.cfg.batch < 1 || t.cfg.batch > net->max_batch) abort();
        if (t.steps_per_epoch != (8 + t.cfg.batch - 1) / t.cfg.batch || t.step > t.total_steps) abort();
        if (!readable) abort();
        drive_model(net);
    }
}
