/* test_formats.c - the safetensors reader and writer, and the ONNX writer's framing.
 * safetensors: a round trip is exact (weights and BatchNorm statistics); a file cut at any
 * length, a header length past the file or over the limit, a header that is not the expected
 * JSON, a wrong dtype or shape, NaN, a name twice, an unknown or missing tensor, offsets with a
 * gap, an overlap or bytes after them, and another architecture are all refused with a
 * message naming the problem, and leave the network in memory exactly as it was.
 * ONNX: the export is a well-formed protobuf whose top-level fields are ModelProto's, and it
 * carries every weight (onnx's checker and onnxruntime check the rest: tests/torch/formats.py,
 * tests/node/onnx.test.mjs). */
#include "formats/export_onnx.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static Net *net_a, *net_b;
static float *before;

/* a refused file leaves net_b as it was */
static void refused(const uint8_t *buf, size_t len, const char *expect, const char *what) {
    char err[512] = "";
    memcpy(before, net_b->params, net_b->n_params * sizeof(float));
    int rc = model_load_any(net_b, NULL, buf, len, err, sizeof err);
    CHECK(rc != 0, "%s: accepted", what);
    CHECK(rc == 0 || strstr(err, expect), "%s: message \"%s\" lacks \"%s\"", what, err, expect);
    CHECK(memcmp(before, net_b->params, net_b->n_params * sizeof(float)) == 0, "%s: the model changed", what);
}

/* the file with its header replaced (offsets of the data unchanged) */
static uint8_t *with_header(const uint8_t *file, size_t len, const char *from, const char *to, size_t *out_len) {
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) n |= (uint64_t)file[i] << (8 * i);
    char *h = malloc(n + strlen(to) + 1);
    memcpy(h, file + 8, n);
    h[n] = 0;
    char *at = strstr(h, from);
    size_t hn = n;
    char *nh = malloc(n + strlen(to) + 1);
    if (at) {
        size_t pre = (size_t)(at - h);
        memcpy(nh, h, pre);
        strcpy(nh + pre, to);
        strcpy(nh + pre + strlen(to), at + strlen(from));
        hn = strlen(nh);
    } else memcpy(nh, h, n + 1);
    size_t data = len - 8 - n;
    uint8_t *o = malloc(8 + hn + data);
    for (int i = 0; i < 8; i++) o[i] = (uint8_t)((uint64_t)hn >> (8 * i));
    memcpy(o + 8, nh, hn);
    memcpy(o + 8 + hn, file + 8 + n, data);
    *out_len = 8 + hn + data;
    free(h); free(nh);
    return o;
}

static void test_safetensors(void) {
    char err[512];
    uint8_t *st;
    size_t len = safetensors_save(net_a, &st);
    CHECK(len > 15122 * 4 && safetensors_detect(st, len), "saved %zu bytes", len);
    CHECK(model_load_any(net_b, NULL, st, len, err, sizeof err) == 0, "round trip: %s", err);
    CHECK(memcmp(net_a->params, net_b->params, net_a->n_params * sizeof(float)) == 0,
          "weights differ after a round trip");
    CHECK(memcmp(net_a->bn_state, net_b->bn_state, net_a->n_bn_state * sizeof(float)) == 0,
          "BatchNorm statistics differ");
    net_init_params(net_b, 77);

    int all = 1;
    for (size_t n = 0; n < len; n += 1 + n / 5) {
        char e2[512];
        memcpy(before, net_b->params, net_b->n_params * sizeof(float));
        all &= model_load_any(net_b, NULL, st, n, e2, sizeof e2) != 0 &&
            memcmp(before, net_b->params, net_b->n_params * sizeof(float)) == 0;
    }
    CHECK(all, "a truncated safetensors file was accepted or changed the model");
    refused(st, len - 4, "safetensors", "the last 4 bytes cut");
    uint8_t *big = malloc(len);
    memcpy(big, st, len);
    big[3] = 0x7f;                                  /* header length ~2 GB */
    refused(big, len, "over the", "huge header length");
    big[3] = 0; big[2] = 0x01;                      /* 64 KiB: past the end of this file */
    refused(big, len, "truncated", "header length past the file");
    free(big);

    struct { const char *from, *to, *expect, *what;
    } cases[] = {
        {"\"conv1.weight\":{\"dtype\":\"F32\"", "\"conv1.weight\":{\"dtype\":\"F16\"", "F16", "wrong dtype"},
        {"\"shape\":[8,1,3,3]", "\"shape\":[8,1,9]", "wrong shape", "wrong shape"},
        {"\"bn1.weight\"", "\"conv1.weight\"", "appears twice", "duplicate name"},
        {"\"bn1.bias\"", "\"bn1.offset\"", "unknown tensor", "unknown name"},
        {"\"architecture\":\"c8k3 c16k3", "\"architecture\":\"resnet c16k3", "resnet",
         "an architecture this app does not know"},
        {"\"architecture\":\"c8k3 c16k3", "\"architecture\":\"c8k3 c12k3", "the file is for the network \"c8k3 c12k3",
         "another design"},
        {"\"data_offsets\":[0,288]", "\"data_offsets\":[4,292]", "data offsets", "offsets shifted (overlap or gap)"},
        {"{\"__metadata__\"", "[\"__metadata__\"", "nor a safetensors file", "not a JSON object"},
        {"\"dtype\":\"F32\",\"shape\":[8,1,3,3]", "\"dtype\":\"F32\",\"shape\":[8,1,3,3],\"extra\":1", "unknown",
         "an unknown key"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n;
        uint8_t *b = with_header(st, len, cases[k].from, cases[k].to, &n);
        CHECK(n != len || memcmp(b, st, len) != 0, "%s: the edit did not apply", cases[k].what);
        refused(b, n, cases[k].expect, cases[k].what);
        free(b);
    }
    /* bytes after the last tensor; a missing tensor (its entry removed, its bytes kept: a gap) */
    uint8_t *more = malloc(len + 4);
    memcpy(more, st, len);
    memset(more + len, 0, 4);
    refused(more, len + 4, "after its last tensor", "trailing bytes");
    free(more);
    size_t n;
    uint8_t *b = with_header(st, len, "\"fc.bias\":{\"dtype\":\"F32\",\"shape\":[10],",
                             "\"fc.biaz\":{\"dtype\":\"F32\",\"shape\":[10],", &n);
    refused(b, n, "fc.biaz", "renamed tensor");
    free(b);
    /* NaN in a weight, with everything else valid */
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)st[i] << (8 * i);
    uint8_t *nan = malloc(len);
    memcpy(nan, st, len);
    float q = NAN;
    memcpy(nan + 8 + hl + 4 * 3, &q, 4);            /* conv1.weight[3] */
    refused(nan, len, "NaN", "NaN weight");
    free(nan);
    free(st);
}

/* top-level fields of the ONNX file: each key's field number and wire type are ModelProto's */
static void test_onnx(void) {
    char err[256];
    uint8_t *o;
    size_t len = onnx_export(net_a, &o, err, sizeof err);
    CHECK(len > 15122 * 4, "ONNX export: %zu bytes (%s)", len, len ? "" : err);
    size_t pos = 0;
    int fields = 0, graph = 0, ok = 1;
    while (ok && pos < len) {
        uint64_t key = 0;
        for (int s = 0; pos < len; s += 7) {
            uint8_t c = o[pos++];
            key |= (uint64_t)(c & 0x7f) << s;
            if (!(c & 0x80)) break;
        }
        int field = (int)(key >> 3), wire = (int)(key & 7);
        uint64_t v = 0;
        for (int s = 0; pos < len; s += 7) {
            uint8_t c = o[pos++];
            v |= (uint64_t)(c & 0x7f) << s;
            if (!(c & 0x80)) break;
        }
        if (wire == 2) { ok = v <= len - pos; pos += v; if (field == 7) graph = 1; }
        else ok = wire == 0;
        ok &= field == 1 || field == 2 || field == 3 || field == 7 || field == 8 || field == 14;
        fields++;
    }
    CHECK(ok && pos == len && graph && fields == 6, "ONNX framing: %d top-level fields, graph %d, ok %d, at %zu of %zu",
          fields, graph, ok, pos, len);
    /* every weight is in the file as raw little-endian bytes: look for conv3.weight's first 16 values */
    const float *w = net_a->params + net_a->layer[2].w;
    int found = 0;
    for (size_t i = 0; i + 64 <= len && !found; i++) found = memcmp(o + i, w, 64) == 0;
    CHECK(found, "conv3.weight's bytes are not in the ONNX file");
    free(o);
}

int main(void) {
    net_a = net_create(&NET_ARCH_REFERENCE, 4, 1);
    net_b = net_create(&NET_ARCH_REFERENCE, 4, 1);
    net_init_params(net_a, 5);
    for (size_t i = 0; i < net_a->n_bn_state; i++) net_a->bn_state[i] = 0.5f + 0.01f * (float)(i % 37);
    net_init_params(net_b, 6);
    before = malloc(net_b->n_params * sizeof(float));
    test_safetensors();
    test_onnx();
    free(before);
    net_free(net_a); net_free(net_b);
    return check_summary("test_formats");
}
