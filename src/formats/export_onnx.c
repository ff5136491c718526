/* export_onnx.c - a protobuf writer just large enough for onnx.proto's ModelProto, and the
 * network's graph in it; see export_onnx.h. Field numbers are onnx.proto's (proto2: repeated
 * scalars written unpacked, one key per value, which every reader accepts). */
#include "export_onnx.h"
#include "data/augment.h"
#include "tensors.h"
#include "nn/arch_spec.h"
#include "bytes.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- protobuf encoding ---------- */

typedef ByteBuf Pb;
#define pb_raw bytebuf_put
static void pb_varint(Pb *b, uint64_t v) {
    uint8_t x[10];
    int n = 0;
    do { x[n++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0)); v >>= 7; } while (v);
    pb_raw(b, x, n);
}
enum { WIRE_VARINT = 0, WIRE_LEN = 2, WIRE_FIXED32 = 5 };
static void pb_key(Pb *b, int field, int wire) { pb_varint(b, (uint64_t)field << 3 | wire); }
static void pb_int(Pb *b, int field, int64_t v) { pb_key(b, field, WIRE_VARINT); pb_varint(b, (uint64_t)v); }
static void pb_bytes(Pb *b, int field, const void *p, size_t n) {
    pb_key(b, field, WIRE_LEN);
    pb_varint(b, n);
    pb_raw(b, p, n);
}
static void pb_str(Pb *b, int field, const char *s) { pb_bytes(b, field, s, strlen(s)); }
static void pb_float(Pb *b, int field, float f) {
    uint8_t x[4];
    le_f32_store(x, f);
    pb_key(b, field, WIRE_FIXED32);
    pb_raw(b, x, 4);
}
/* a nested message: its bytes, length-delimited; frees it */
static void pb_msg(Pb *b, int field, Pb *m) {
    if (m->oom) b->oom = 1;
    pb_bytes(b, field, m->p, m->len);
    free(m->p);
    memset(m, 0, sizeof *m);
}

/* ---------- onnx.proto messages ---------- */

enum { ONNX_FLOAT = 1 };                                  /* TensorProto.DataType */
enum { ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7 };     /* AttributeProto.AttributeType */

/* TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian) */
static void initializer(Pb *graph, const char *name, const float *v, const int64_t *dims, int ndim) {
    Pb t = { 0 };
    size_t count = 1;
    for (int d = 0; d < ndim; d++) { pb_int(&t, 1, dims[d]); count *= (size_t)dims[d]; }
    pb_int(&t, 2, ONNX_FLOAT);
    pb_str(&t, 8, name);
    uint8_t *raw = malloc(4 * count + 1);
    if (!raw) { graph->oom = 1; free(t.p); return; }
    for (size_t i = 0; i < count; i++) le_f32_store(raw + 4 * i, v[i]);
    pb_bytes(&t, 9, raw, 4 * count);
    free(raw);
    pb_msg(graph, 5, &t);                                 /* GraphProto.initializer = 5 */
}

/* AttributeProto: name = 1, f = 2, i = 3, ints = 8, type = 20 */
typedef struct { const char *name; int type; float f; int64_t i; int n_ints; int64_t ints[4]; } Attr;

/* NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 */
static void node(Pb *graph, const char *op, const char *name, const char *const *in, int n_in, const char *out,
                 const Attr *attrs, int n_attrs) {
    Pb n = { 0 };
    for (int i = 0; i < n_in; i++) pb_str(&n, 1, in[i]);
    pb_str(&n, 2, out);
    pb_str(&n, 3, name);
    pb_str(&n, 4, op);
    for (int a = 0; a < n_attrs; a++) {
        Pb m = { 0 };
        pb_str(&m, 1, attrs[a].name);
        if (attrs[a].type == ATTR_FLOAT) pb_float(&m, 2, attrs[a].f);
        if (attrs[a].type == ATTR_INT) pb_int(&m, 3, attrs[a].i);
        for (int k = 0; attrs[a].type == ATTR_INTS && k < attrs[a].n_ints; k++) pb_int(&m, 8, attrs[a].ints[k]);
        pb_int(&m, 20, attrs[a].type);
        pb_msg(&n, 5, &m);
    }
    pb_msg(graph, 1, &n);                                 /* GraphProto.node = 1 */
}

/* ValueInfoProto{name = 1, type = 2: TypeProto{tensor_type = 1: {elem_type = 1, shape = 2:
 * TensorShapeProto{dim = 1: {dim_value = 1 | dim_param = 2}}}}}; dims < 0 are the symbolic N */
static void value_info(Pb *graph, int field, const char *name, const int64_t *dims, int ndim) {
    Pb shape = { 0 }, tensor = { 0 }, type = { 0 }, vi = { 0 };
    for (int d = 0; d < ndim; d++) {
        Pb dim = { 0 };
        if (dims[d] < 0) pb_str(&dim, 2, "N"); else pb_int(&dim, 1, dims[d]);
        pb_msg(&shape, 1, &dim);
    }
    pb_int(&tensor, 1, ONNX_FLOAT);
    pb_msg(&tensor, 2, &shape);
    pb_msg(&type, 1, &tensor);
    pb_str(&vi, 1, name);
    pb_msg(&vi, 2, &type);
    pb_msg(graph, field, &vi);                            /* input = 11, output = 12 */
}

/* the tensor of this name, or NULL */
static const TensorRef *find_tensor(const TensorRef *t, int nt, const char *name) {
    for (int k = 0; k < nt; k++) if (!strcmp(t[k].name, name)) return &t[k];
    return NULL;
}

/* Conv (+ BatchNormalization, or the conv's own bias) + Relu of conv layer number `conv` (from
 * 1), input x, output y */
static int conv_nodes(Pb *g, const Net *net, const Layer *l, int conv, const TensorRef *t, int nt, const char *x,
                      const char *y, char *err, size_t errlen) {
    char w[24], cb[24], gm[24], bt[24], rm[32], rv[32], c[24], bn[24], name[48];
    snprintf(w, sizeof w, "conv%d.weight", conv); snprintf(cb, sizeof cb, "conv%d.bias", conv);
    snprintf(gm, sizeof gm, "bn%d.weight", conv); snprintf(bt, sizeof bt, "bn%d.bias", conv);
    snprintf(rm, sizeof rm, "bn%d.running_mean", conv); snprintf(rv, sizeof rv, "bn%d.running_var", conv);
    int with_bn = l->gamma >= 0;
    const TensorRef *tw = find_tensor(t, nt, w), *tcb = find_tensor(t, nt, cb), *tg = find_tensor(t, nt, gm),
                    *tb = find_tensor(t, nt, bt);
    const TensorRef *trm = find_tensor(t, nt, rm), *trv = find_tensor(t, nt, rv);
    if (!tw || (with_bn ? !tg || !tb || !trm || !trv : !tcb)) {
        snprintf(err, errlen, "conv layer %d: tensors missing", conv);
        return 1;
    }
    int64_t wd[4] = { tw->dims[0], tw->dims[1], tw->dims[2], tw->dims[3] }, kd[1] = { l->K };
    initializer(g, w, tw->data, wd, 4);
    if (!with_bn) initializer(g, cb, tcb->data, kd, 1);
    int64_t R = l->spec.size, p = l->pad;
    int groups = net_layer_groups(&l->spec);       /* one group: no attribute (ONNX's default), as before groups */
    Attr ca[] = { { "kernel_shape", ATTR_INTS, 0, 0, 2, { R, R } }, { "strides", ATTR_INTS, 0, 0, 2, { 1, 1 } },
                  { "pads", ATTR_INTS, 0, 0, 4, { p, p, p, p } }, { "dilations", ATTR_INTS, 0, 0, 2, { 1, 1 } },
                  { "group", ATTR_INT, 0, groups, 0, { 0 } } };
    snprintf(c, sizeof c, "conv%d_out", conv); snprintf(bn, sizeof bn, "bn%d_out", conv);
    snprintf(name, sizeof name, "conv%d", conv);
    { const char *in[] = { x, w, cb }; node(g, "Conv", name, in, with_bn ? 2 : 3, c, ca, groups > 1 ? 5 : 4); }
    if (with_bn) {
        initializer(g, gm, tg->data, kd, 1);
        initializer(g, bt, tb->data, kd, 1);
        initializer(g, rm, trm->data, kd, 1);
        initializer(g, rv, trv->data, kd, 1);
        Attr ba[] = { { "epsilon", ATTR_FLOAT, net->bn_eps, 0, 0, { 0 } } };
        snprintf(name, sizeof name, "bn%d", conv);
        { const char *in[] = { c, gm, bt, rm, rv }; node(g, "BatchNormalization", name, in, 5, bn, ba, 1); }
    }
    snprintf(name, sizeof name, "relu%d", conv);
    { const char *in[] = { with_bn ? bn : c }; node(g, "Relu", name, in, 1, y, NULL, 0); }
    return 0;
}

/* Flatten + Gemm of a dense layer (tensors prefix.weight, prefix.bias), input x; then Relu to y
 * (a hidden layer) or LogSoftmax to log_probs (the last) */
static int dense_nodes(Pb *g, const char *prefix, int last, const TensorRef *t, int nt, const char *x, const char *y,
                       char *err, size_t errlen) {
    char w[24], b[24], flat[32], out[32], name[48];
    snprintf(w, sizeof w, "%s.weight", prefix); snprintf(b, sizeof b, "%s.bias", prefix);
    const TensorRef *tw = find_tensor(t, nt, w), *tb = find_tensor(t, nt, b);
    if (!tw || !tb) { snprintf(err, errlen, "dense layer %s: tensors missing", prefix); return 1; }
    int64_t wd[2] = { tw->dims[0], tw->dims[1] }, bd[1] = { tb->dims[0] };
    initializer(g, w, tw->data, wd, 2);
    initializer(g, b, tb->data, bd, 1);
    snprintf(flat, sizeof flat, "%s_in", prefix);
    snprintf(out, sizeof out, last ? "logits" : "%s_out", prefix);
    Attr fa[] = { { "axis", ATTR_INT, 0, 1, 0, { 0 } } };
    snprintf(name, sizeof name, "%s_flatten", prefix);
    { const char *in[] = { x }; node(g, "Flatten", name, in, 1, flat, fa, 1); }
    Attr ga[] = { { "transB", ATTR_INT, 0, 1, 0, { 0 } } };
    { const char *in[] = { flat, w, b }; node(g, "Gemm", prefix, in, 3, out, ga, 1); }
    if (!last) {
        snprintf(name, sizeof name, "%s_relu", prefix);
        { const char *in[] = { out }; node(g, "Relu", name, in, 1, y, NULL, 0); }
        return 0;
    }
    Attr la[] = { { "axis", ATTR_INT, 0, 1, 0, { 0 } } };
    { const char *in[] = { "logits" }; node(g, "LogSoftmax", "log_softmax", in, 1, "log_probs", la, 1); }
    return 0;
}

/* the graph's nodes and initializers, from the input normalisation to the log-probabilities */
static int graph_nodes(Pb *g, const Net *net, char *err, size_t errlen) {
    TensorRef t[MODEL_MAX_TENSORS];
    int nt = model_list_tensors(net, NULL, t, MODEL_MAX_TENSORS);
    if (nt > MODEL_MAX_TENSORS) { snprintf(err, errlen, "too many tensors"); return 1; }
    char x[32], y[32], name[48];
    /* (p - mean) / std, as scalars broadcast over the image */
    float mean = MNIST_MEAN, std = MNIST_STD;
    initializer(g, "input_mean", &mean, NULL, 0);
    initializer(g, "input_std", &std, NULL, 0);
    { const char *in[] = { "image", "input_mean" }; node(g, "Sub", "normalise_sub", in, 2, "centred", NULL, 0); }
    { const char *in[] = { "centred", "input_std" }; node(g, "Div", "normalise_div", in, 2, "x0", NULL, 0); }
    snprintf(x, sizeof x, "x0");
    int conv = 0, flat = 0, denses = 0, dense = 0;
    for (int i = 0; i < net->n_layers; i++) denses += net->layer[i].spec.kind == LAYER_DENSE;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layer[i];
        snprintf(y, sizeof y, "x%d", i + 1);
        if (l->spec.kind == LAYER_CONV) {
            if (conv_nodes(g, net, l, ++conv, t, nt, x, y, err, errlen)) return 1;
        } else if (l->spec.kind == LAYER_MAXPOOL) {
            int64_t S = l->spec.size;
            Attr pa[] = { { "kernel_shape", ATTR_INTS, 0, 0, 2, { S, S } }, { "strides", ATTR_INTS, 0, 0, 2, { S, S } },
                          { "pads", ATTR_INTS, 0, 0, 4, { 0, 0, 0, 0 } } };
            snprintf(name, sizeof name, "maxpool%d", i + 1);
            { const char *in[] = { x }; node(g, "MaxPool", name, in, 1, y, pa, 3); }
        } else if (l->spec.kind == LAYER_GAP) {
            snprintf(name, sizeof name, "gap%d", i + 1);
            { const char *in[] = { x }; node(g, "GlobalAveragePool", name, in, 1, y, NULL, 0); }
        } else if (l->spec.kind == LAYER_FLATTEN) {
            Attr fa[] = { { "axis", ATTR_INT, 0, 1, 0, { 0 } } };
            snprintf(name, sizeof name, "flatten%d", i + 1);
            { const char *in[] = { x }; node(g, "Flatten", name, in, 1, y, fa, 1); }
        } else if (l->spec.kind == LAYER_DENSE) {
            char prefix[16] = "fc";                       /* tensors.h's names */
            if (denses > 1) snprintf(prefix, sizeof prefix, "fc%d", ++dense);
            flat = i == net->n_layers - 1;
            if (dense_nodes(g, prefix, flat, t, nt, x, y, err, errlen)) return 1;
        } else {                                          /* plan() admits no other kind */
            snprintf(err, errlen, "layer %d: a kind the ONNX export does not know", i + 1);
            return 1;
        }
        snprintf(x, sizeof x, "%s", y);
    }
    if (!flat) { snprintf(err, errlen, "the network does not end in a dense layer"); return 1; }
    return 0;
}

size_t onnx_export(const Net *net, uint8_t **out, char *err, size_t errlen) {
    *out = NULL;
    Pb g = { 0 };
    const NetArch *a = &net->arch;
    char spec[ARCH_SPEC_MAX];                             /* first: a refusal has nothing to free */
    if (arch_spec_format(a, spec, sizeof spec)) { snprintf(err, errlen, "the design has no text form"); return 0; }
    if (graph_nodes(&g, net, err, errlen)) { free(g.p); return 0; }
    pb_str(&g, 2, "mnist_in_a_tab");                     /* GraphProto.name */
    int64_t in_dims[4] = { -1, a->in_c, a->in_h, a->in_w };
    value_info(&g, 11, "image", in_dims, 4);
    int64_t out_dims[2] = { -1, net->n_classes };
    value_info(&g, 12, "log_probs", out_dims, 2);

    Pb m = { 0 }, opset = { 0 }, meta = { 0 };
    pb_int(&m, 1, 7);                                     /* ir_version */
    pb_str(&m, 2, "mnist-in-a-tab");                      /* producer_name */
    pb_str(&m, 3, "1");                                   /* producer_version */
    pb_str(&opset, 1, "");                                /* OperatorSetIdProto: domain, version */
    pb_int(&opset, 2, 13);
    pb_msg(&m, 8, &opset);
    pb_msg(&m, 7, &g);                                    /* graph */
    pb_str(&meta, 1, "architecture");                     /* metadata_props: StringStringEntryProto */
    pb_str(&meta, 2, spec);
    pb_msg(&m, 14, &meta);
    if (m.oom) { free(m.p); snprintf(err, errlen, "out of memory"); return 0; }
    *out = m.p;
    return m.len;
}
