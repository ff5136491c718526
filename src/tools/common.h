/* common.h - file helpers shared by the command-line tools (native only). */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "data/idx.h"
#include "nn/net.h"
#include "kernels/gemm.h"
#include <string.h>

/* Whole file into a malloc'd buffer; NULL (and a message on stderr) on failure. */
static inline uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); return NULL; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? malloc(n ? (size_t)n : 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read %s\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline int write_file(const char *path, const uint8_t *p, size_t n) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return 1;
    int ok = fwrite(p, 1, n, f) == n;
    ok &= fclose(f) == 0;
    return !ok || rename(tmp, path) != 0;   /* write then rename: a crash never leaves half a model */
}

/* The four MNIST IDX files of folder dir, read and checked: buf[4] (the caller frees them) and
 * views train images, train labels, test images, test labels. 0, or 1 with a message on stderr. */
static inline int load_mnist(const char *dir, uint8_t *buf[4], IdxView v[4]) {
    static const char *names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                   "t10k-labels-idx1-ubyte"};
    char path[4096], err[256];
    size_t len[4];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        if (!(buf[k] = read_file(path, &len[k]))) return 1;
    }
    for (int k = 0; k < 4; k++) {
        int bad = k % 2 == 0 ? idx_read_images(buf[k], len[k], &v[k], err, sizeof err)
                             : idx_read_labels(buf[k], len[k], 10, &v[k], err, sizeof err);
        if (bad) { fprintf(stderr, "bad data: %s: %s\n", names[k], err); return 1; }
    }
    return 0;
}

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
/* The kernel choices for comparisons, from the environment (the library reads none):
 * MNIST_GEMM=scalar|avx2|avx512|wasmsimd|wasmrelaxed forces the GEMM variant, MNIST_CONV=direct|winograd
 * the conv layers' method. 0, or 1 with a message on stderr for a value this machine lacks. */
static inline int kernel_options_from_env(NetOptions *o) {
    const char *gemm_name = getenv("MNIST_GEMM"), *conv = getenv("MNIST_CONV");
    memset(o, 0, sizeof *o);
    if (gemm_name && *gemm_name && !gemm_select(gemm_name)) {
        fprintf(stderr, "MNIST_GEMM=%s: no such GEMM variant on this machine\n", gemm_name);
        return 1;
    }
    if (!conv || !*conv || !strcmp(conv, "auto")) o->conv = NET_CONV_AUTO;
    else if (!strcmp(conv, "direct")) o->conv = NET_CONV_DIRECT;
    else if (!strcmp(conv, "winograd")) o->conv = NET_CONV_WINOGRAD;
    else { fprintf(stderr, "MNIST_CONV=%s: the methods are auto, direct and winograd\n", conv); return 1; }
    return 0;
}
#endif
