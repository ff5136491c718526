/* safetensors.c - writer and validating reader of safetensors files; see safetensors.h. The
 * header is JSON; the reader parses only the form safetensors uses (an object of objects with
 * string, integer-array values, and a string-to-string __metadata__), and refuses the rest. */
#include "safetensors.h"
#include "tensors.h"
#include "bytes.h"
#include "nn/arch_spec.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES (MODEL_MAX_TENSORS + NET_MAX_LAYERS)

/* the tensors a Net has in a safetensors file: model_list_tensors' (F32) and, per BatchNorm,
 * num_batches_tracked (I64, shape []) */
typedef struct { char name[64]; int is_i64, ndim; uint32_t dims[4]; float *data; } Want;

static int wanted(const Net *net, Want *w) {
    TensorRef t[MODEL_MAX_TENSORS];
    int n = model_list_tensors(net, NULL, t, MODEL_MAX_TENSORS), k = 0;
    for (int i = 0; i < n; i++) {
        Want *x = &w[k++];
        memset(x, 0, sizeof *x);
        memcpy(x->name, t[i].name, sizeof t[i].name);        /* both NUL-terminated; 40 < 64 */
        x->ndim = t[i].ndim;
        memcpy(x->dims, t[i].dims, sizeof x->dims);
        x->data = t[i].data;
        size_t len = strlen(t[i].name);
        if (len > 13 && !strcmp(t[i].name + len - 13, ".running_mean")) {   /* one per BatchNorm */
            Want *b = &w[k++];
            memset(b, 0, sizeof *b);
            memcpy(b->name, t[i].name, len - 13);               /* "bn<i>" + ".num_batches_tracked" */
            memcpy(b->name + len - 13, ".num_batches_tracked", 21);
            b->is_i64 = 1;
        }
    }
    return k;
}

static size_t count_of(const Want *w) {
    size_t c = 1;
    for (int d = 0; d < w->ndim; d++) c *= w->dims[d];
    return c;
}

/* ---------- writing ---------- */

typedef struct { char *p; size_t len, cap; int oom; } Text;

static void add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(Text *t, const char *fmt, ...) {
    if (t->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) { t->oom = 1; return; }
        if (t->p && t->len + (size_t)n < t->cap) { t->len += (size_t)n; return; }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap <= t->len + (size_t)n) cap *= 2;
        char *q = realloc(t->p, cap);
        if (!q) { t->oom = 1; return; }
        t->p = q; t->cap = cap;
    }
}

size_t safetensors_save(const Net *net, uint8_t **out) {
    Want w[MAX_ENTRIES];
    int n = wanted(net, w);
    Text h = { 0 };
    char spec[ARCH_SPEC_MAX];
    if (arch_spec_format(&net->arch, spec, sizeof spec)) { free(h.p); *out = NULL; return 0; }
    add(&h, "{\"__metadata__\":{\"format\":\"pt\",\"mnist_format\":\"2\",\"architecture\":\"%s\"}", spec);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = w[i].is_i64 ? 8 : 4 * count_of(&w[i]);
        add(&h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", w[i].name, w[i].is_i64 ? "I64" : "F32");
        for (int d = 0; d < w[i].ndim; d++) add(&h, "%s%u", d ? "," : "", w[i].dims[d]);
        add(&h, "],\"data_offsets\":[%zu,%zu]}", off, off + bytes);
        off += bytes;
    }
    add(&h, "}");
    while (!h.oom && (8 + h.len) % 8) add(&h, " ");        /* the data starts 8-byte aligned */
    size_t total = 8 + h.len + off;
    uint8_t *b = h.oom ? NULL : malloc(total);
    if (!b) { free(h.p); *out = NULL; return 0; }
    le_u64_store(b, (uint64_t)h.len);
    memcpy(b + 8, h.p, h.len);
    uint8_t *d = b + 8 + h.len;
    for (int i = 0; i < n; i++) {
        if (w[i].is_i64) { memset(d, 0, 8); d += 8; continue; }
        size_t c = count_of(&w[i]);
        for (size_t j = 0; j < c; j++) {
            le_f32_store(d, w[i].data[j]);
            d += 4;
        }
    }
    free(h.p);
    *out = b;
    return total;
}

/* ---------- reading ---------- */

typedef struct { const char *p, *end; char *err; size_t errlen; int bad; } Json;

static int fail(Json *j, const char *what) {
    if (!j->bad) snprintf(j->err, j->errlen, "safetensors header: %s", what);
    j->bad = 1;
    return 0;
}
static void ws(Json *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}
static int lit(Json *j, char c) { ws(j); if (j->p < j->end && *j->p == c) { j->p++; return 1; } return 0; }

/* a JSON string without \u escapes (names and metadata of this format are ASCII) */
static int str(Json *j, char *out, size_t cap) {
    if (!lit(j, '"')) return fail(j, "expected a string");
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if ((unsigned char)c < 0x20) return fail(j, "control character in a string");
        if (c == '\\') {
            if (j->p >= j->end) break;
            char e = *j->p++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' :
                e == '"' || e == '\\' || e == '/' ? e : 0;
            if (!c) return fail(j, "unsupported escape in a string");
        }
        if (n + 1 >= cap) return fail(j, "a string is too long");
        out[n++] = c;
    }
    if (j->p >= j->end) return fail(j, "unterminated string");
    j->p++;
    out[n] = 0;
    return 1;
}

static int integer(Json *j, uint64_t *v) {
    ws(j);
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return fail(j, "expected a non-negative integer");
    uint64_t x = 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        if (x > (UINT64_C(1) << 53)) return fail(j, "an integer is too large");
        x = x * 10 + (uint64_t)(*j->p++ - '0');
    }
    *v = x;
    return 1;
}

/* [a, b, ...] of at most max integers */
static int int_array(Json *j, uint64_t *v, int max, int *n) {
    *n = 0;
    if (!lit(j, '[')) return fail(j, "expected an array");
    if (lit(j, ']')) return 1;
    do {
        if (*n >= max) return fail(j, "an array is too long");
        if (!integer(j, &v[(*n)++])) return 0;
    } while (lit(j, ','));
    return lit(j, ']') ? 1 : fail(j, "expected ']'");
}

typedef struct { char name[256], dtype[16]; int ndim; uint64_t shape[8], begin, end; } Entry;

static int entry(Json *j, Entry *e) {
    int have_dtype = 0, have_shape = 0, have_offsets = 0;
    if (!lit(j, '{')) return fail(j, "a tensor must be an object");
    do {
        char key[32];
        if (!str(j, key, sizeof key) || !lit(j, ':')) return fail(j, "expected \"key\": value in a tensor");
        if (!strcmp(key, "dtype") && !have_dtype) { if (!str(j, e->dtype, sizeof e->dtype)) return 0; have_dtype = 1;
        } else if (!strcmp(key, "shape") && !have_shape) {
            if (!int_array(j, e->shape, 8, &e->ndim)) return 0;
            have_shape = 1;
        } else if (!strcmp(key, "data_offsets") && !have_offsets) {
            uint64_t o[2];
            int n;
            if (!int_array(j, o, 2, &n)) return 0;
            if (n != 2) return fail(j, "data_offsets must be [begin, end]");
            e->begin = o[0]; e->end = o[1]; have_offsets = 1;
        } else
            return fail(j, "unknown or repeated key in a tensor");
    } while (lit(j, ','));
    if (!lit(j, '}')) return fail(j, "expected '}' after a tensor");
    return have_dtype && have_shape && have_offsets ? 1 : fail(j, "a tensor lacks dtype, shape or data_offsets");
}

/* the JSON header's '{' after the 8-byte length (whatever the length says: a bad one is then
 * reported as a bad safetensors file, not as "not a model") */
int safetensors_detect(const uint8_t *buf, size_t len) {
    return buf && len >= 9 && buf[8] == '{';
}

static int cmp_begin(const void *a, const void *b) {
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

/* "__metadata__": an object of strings; its "architecture" (a design's text form or name,
 * nn/arch_spec.h) into spec (empty when absent) */
static int read_metadata(Json *j, char spec[ARCH_SPEC_MAX]) {
    spec[0] = 0;
    if (!lit(j, '{')) { fail(j, "__metadata__ must be an object of strings"); return 0; }
    if (!lit(j, '}')) do {
        char key[64], value[ARCH_SPEC_MAX];
        if (!str(j, key, sizeof key) || !lit(j, ':') || !str(j, value, sizeof value)) {
            fail(j, "__metadata__ must be an object of strings");
            return 0;
        }
        if (!strcmp(key, "architecture")) memcpy(spec, value, sizeof value);
    } while (lit(j, ','));
    if (j->bad || !lit(j, '}')) { fail(j, "expected '}' after __metadata__"); return 0; }
    return 1;
}

/* the design a header's metadata names: a file without one (e.g. written by PyTorch's own
 * tools) is taken for the reference net, as every file before designs were */
static int design_of(Json *j, const char *spec, NetArch *arch) {
    char why[300], what[600];
    if (arch_spec_parse(spec[0] ? spec : "reference", arch, why, sizeof why)) {
        snprintf(what, sizeof what, "its architecture \"%.120s\" is not a design this app runs: %.250s", spec, why);
        return fail(j, what);
    }
    return 1;
}

int safetensors_read_arch(const uint8_t *buf, size_t len, NetArch *arch, char *err, size_t errlen) {
    if (!buf || len < 8) {
        snprintf(err, errlen, "safetensors file is truncated: %zu bytes, shorter than its 8-byte header length", len);
        return 1;
    }
    uint64_t hlen = le_u64_load(buf);
    if (hlen > SAFETENSORS_MAX_HEADER || hlen > len - 8) {
        snprintf(err, errlen, "safetensors header length %llu does not fit the file or the %u-byte limit",
                 (unsigned long long)hlen, SAFETENSORS_MAX_HEADER);
        return 1;
    }
    Json j = { (const char *)buf + 8, (const char *)buf + 8 + hlen, err, errlen, 0 };
    char spec[ARCH_SPEC_MAX] = "";
    Entry e;
    if (!lit(&j, '{')) { fail(&j, "not a JSON object"); return 1; }
    if (!lit(&j, '}')) do {
        char name[256];
        if (!str(&j, name, sizeof name) || !lit(&j, ':')) { fail(&j, "expected \"name\": value"); return 1; }
        if (!strcmp(name, "__metadata__") ? !read_metadata(&j, spec) : !entry(&j, &e)) return 1;
    } while (lit(&j, ','));
    return !design_of(&j, spec, arch);
}

/* entry e (read) against the tensors this network has: a known name, once, its dtype, shape and
 * byte span; the index of its tensor in w, or -1 with a message */
static int match_entry(Json *j, const Entry *e, const Want *w, int nw, int *seen, size_t data_len) {
    char what[400];
    const char *name = e->name;
    int k = -1;
    for (int i = 0; i < nw; i++) if (!strcmp(w[i].name, name)) k = i;
    if (k < 0) {
        snprintf(what, sizeof what, "unknown tensor \"%.200s\" (not a tensor of this network)", name);
        fail(j, what);
        return -1;
    }
    if (seen[k]++) { snprintf(what, sizeof what, "tensor \"%s\" appears twice", name); fail(j, what); return -1; }
    const char *dtype = w[k].is_i64 ? "I64" : "F32";
    if (strcmp(e->dtype, dtype)) {
        snprintf(what, sizeof what, "tensor \"%s\" is %.15s; this network reads it as %s", name, e->dtype, dtype);
        fail(j, what);
        return -1;
    }
    int shape_ok = e->ndim == w[k].ndim;
    for (int d = 0; shape_ok && d < e->ndim; d++) shape_ok = e->shape[d] == w[k].dims[d];
    if (!shape_ok) { snprintf(what, sizeof what, "tensor \"%s\" has the wrong shape", name); fail(j, what); return -1; }
    size_t bytes = w[k].is_i64 ? 8 : 4 * count_of(&w[k]);
    if (e->end < e->begin || e->end - e->begin != bytes) {
        snprintf(what, sizeof what, "tensor \"%s\": data_offsets span %lld bytes, its shape needs %zu", name,
                 (long long)(e->end - e->begin), bytes);
        fail(j, what);
        return -1;
    }
    if (e->end > data_len) {
        snprintf(what, sizeof what, "tensor \"%s\" ends past the end of the file (truncated?)", name);
        fail(j, what);
        return -1;
    }
    return k;
}

/* the header's tensors into entries (map[i]: the tensor of w that entries[i] is); their count, or -1 */
static int read_header_entries(Json *j, const Net *net, const Want *w, int nw, Entry *entries, int *map,
                               size_t data_len) {
    int seen[MAX_ENTRIES] = { 0 }, ne = 0;
    if (!lit(j, '{')) { fail(j, "not a JSON object"); return -1; }
    if (!lit(j, '}')) do {
        char name[256];
        if (!str(j, name, sizeof name) || !lit(j, ':')) { fail(j, "expected \"name\": value"); return -1; }
        if (!strcmp(name, "__metadata__")) {
            char spec[ARCH_SPEC_MAX], what[400];
            NetArch arch;
            if (!read_metadata(j, spec) || !design_of(j, spec, &arch)) return -1;
            if (!net_arch_same(&arch, &net->arch)) {
                char mine[ARCH_SPEC_MAX];
                arch_spec_format(&net->arch, mine, sizeof mine);
                snprintf(what, sizeof what, "the file is for the network \"%.150s\", not \"%.150s\"",
                         spec[0] ? spec : "reference", mine);
                fail(j, what);
                return -1;
            }
            continue;
        }
        if (ne >= MAX_ENTRIES) { fail(j, "too many tensors"); return -1; }
        Entry *e = &entries[ne];
        snprintf(e->name, sizeof e->name, "%s", name);
        if (!entry(j, e) || (map[ne] = match_entry(j, e, w, nw, seen, data_len)) < 0) return -1;
        ne++;
    } while (lit(j, ','));
    if (j->bad) return -1;
    if (!lit(j, '}')) { fail(j, "expected '}' at the end"); return -1; }
    ws(j);
    if (j->p != j->end) { fail(j, "bytes after the JSON object"); return -1; }
    for (int i = 0; i < nw; i++)
        if (!seen[i] && !w[i].is_i64) {
            snprintf(j->err, j->errlen, "safetensors file lacks tensor \"%s\"", w[i].name);
            return -1;
        }
    return ne;
}

/* every byte of the data belongs to exactly one tensor, in order, and every value is finite */
static int check_data(Entry *entries, int ne, const int *map, const Want *w, const uint8_t *data, size_t data_len,
                      char *err, size_t errlen) {
    Entry *order[MAX_ENTRIES];
    for (int i = 0; i < ne; i++) order[i] = &entries[i];
    qsort(order, ne, sizeof order[0], cmp_begin);
    uint64_t at = 0;
    for (int i = 0; i < ne; i++) {
        if (order[i]->begin != at) {
            snprintf(err, errlen, "safetensors data offsets %s at byte %llu (tensor \"%s\")",
                     order[i]->begin > at ? "leave a gap" : "overlap", (unsigned long long)at, order[i]->name);
            return 1;
        }
        at = order[i]->end;
    }
    if (at != data_len) {
        snprintf(err, errlen, "safetensors file has %llu bytes after its last tensor",
                 (unsigned long long)(data_len - at));
        return 1;
    }
    for (int i = 0; i < ne; i++) {
        const Want *x = &w[map[i]];
        if (x->is_i64) continue;
        const uint8_t *q = data + entries[i].begin;
        for (size_t c = count_of(x), v = 0; v < c; v++)
            if (!isfinite(le_f32_load(q + 4 * v))) {
                snprintf(err, errlen, "safetensors tensor \"%s\" holds NaN or infinity", x->name);
                return 1;
            }
    }
    return 0;
}

int safetensors_load(Net *net, const uint8_t *buf, size_t len, char *err, size_t errlen) {
    if (!buf || len < 8) {
        snprintf(err, errlen, "safetensors file is truncated: %zu bytes, shorter than its 8-byte header length", len);
        return 1;
    }
    if (len > MODEL_MAX_BYTES) {
        snprintf(err, errlen, "safetensors file too large (%zu bytes, limit %u)", len, MODEL_MAX_BYTES);
        return 1;
    }
    uint64_t hlen = le_u64_load(buf);
    if (hlen > SAFETENSORS_MAX_HEADER) {
        snprintf(err, errlen, "safetensors header length %llu is over the %u-byte limit", (unsigned long long)hlen,
                 SAFETENSORS_MAX_HEADER);
        return 1;
    }
    if (hlen > len - 8) {
        snprintf(err, errlen,
                 "safetensors file is truncated: its header is %llu bytes, the file has %zu after the length",
                 (unsigned long long)hlen, len - 8);
        return 1;
    }
    const uint8_t *data = buf + 8 + hlen;
    size_t data_len = len - 8 - (size_t)hlen;
    Want w[MAX_ENTRIES];
    int nw = wanted(net, w), map[MAX_ENTRIES];
    Entry *entries = calloc(MAX_ENTRIES, sizeof *entries);
    if (!entries) { snprintf(err, errlen, "out of memory"); return 1; }
    Json j = { (const char *)buf + 8, (const char *)buf + 8 + hlen, err, errlen, 0 };
    int ne = read_header_entries(&j, net, w, nw, entries, map, data_len);
    int rc = ne < 0 || check_data(entries, ne, map, w, data, data_len, err, errlen);
    for (int i = 0; !rc && i < ne; i++) {          /* everything checked: now copy */
        const Want *x = &w[map[i]];
        if (x->is_i64) continue;
        const uint8_t *q = data + entries[i].begin;
        for (size_t c = count_of(x), v = 0; v < c; v++) x->data[v] = le_f32_load(q + 4 * v);
    }
    free(entries);
    return rc;
}
