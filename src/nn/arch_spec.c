/* arch_spec.c - the text form of a design: parse, print, the exercise's rules, the named
 * designs, and what an editor shows per layer; see arch_spec.h. */
#include "arch_spec.h"
#include "layer_token.h"
#include "runtime/contract.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const char *name, *title, *spec; } NamedDesign;
#define NAMED_ROW(name, title, spec) { name, title, spec },
static const NamedDesign NAMED[] = { NAMED_DESIGNS(NAMED_ROW) };
#undef NAMED_ROW

const char *arch_named(const char *name) {
    for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (!strcmp(NAMED[i].name, name)) return NAMED[i].spec;
    return NULL;
}

/* ---------- printing ---------- */

int arch_spec_format(const NetArch *arch, char *buf, size_t len) {
    size_t used = 0;
    if (len) buf[0] = 0;
    for (int i = 0; i < arch->n_layers; i++) {
        char token[48];
        int kind = arch->layers[i].kind;
        if (kind < LAYER_CONV || kind > LAYER_FLATTEN) return 1;
        layer_token(&arch->layers[i], token, sizeof token);
        int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "", token);
        if (n < 0 || (size_t)n >= len - used) return 1;
        used += (size_t)n;
    }
    return 0;
}

/* ---------- parsing ---------- */

/* a whole number of 1..6 digits at *s, advancing it; -1 if none */
static int read_int(const char **s) {
    const char *p = *s;
    long v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 7) { v = v * 10 + (*p - '0'); p++; digits++; }
    if (digits == 0 || digits > 6) return -1;
    *s = p;
    return (int)v;
}

/* ":g<groups>" (n characters at s) into l->groups (g1, one group, stays 0); 0, or 1 and why */
static int read_groups(const char *s, size_t n, LayerSpec *l, char *why, size_t len) {
    const char *digits = s + 1;
    int g = read_int(&digits);
    if (g < 1 || digits != s + n) {
        snprintf(why, len, "groups \"%.*s\": write them as g<groups>, e.g. g16", (int)n, s);
        return 1;
    }
    if (g > NET_MAX_GROUPS) { snprintf(why, len, "%d groups; a convolution has 1 to %d", g, NET_MAX_GROUPS); return 1; }
    l->groups = g > 1 ? g : 0;
    return 0;
}

/* the options after a layer's base token: ":same", ":nobn", ":g<groups>" (convolutions), ":d<p>",
 * each at most once; allowed is the set of flags this kind takes */
static int read_options(const char *s, LayerSpec *l, int allowed, char *why, size_t len) {
    int grouped = 0;
    while (*s) {
        if (*s != ':') { snprintf(why, len, "unexpected \"%s\"", s); return 1; }
        s++;
        const char *end = strchr(s, ':');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        int flag = 0;
        if (n >= 1 && s[0] == 'g' && l->kind == LAYER_CONV) {
            if (grouped++) { snprintf(why, len, "option \"%.*s\" twice", (int)n, s); return 1; }
            if (read_groups(s, n, l, why, len)) return 1;
            s += n;
            continue;
        }
        if (n == 4 && !strncmp(s, "same", 4)) flag = LAYER_PAD_SAME;
        else if (n == 4 && !strncmp(s, "nobn", 4)) flag = LAYER_NO_BN;
        else if (n >= 2 && s[0] == 'd') {
            flag = LAYER_OWN_DROPOUT;
            char num[16];
            size_t digits = n - 1, dots = 0, ok = digits < sizeof num;
            for (size_t i = 1; i < n && ok; i++) {
                dots += s[i] == '.';
                ok = (s[i] >= '0' && s[i] <= '9') || s[i] == '.';
            }
            if (!ok || dots > 1 || s[1] == '.' || s[n - 1] == '.') {
                snprintf(why, len, "dropout \"%.*s\": write it as d0, d0.05 or d0.1", (int)n, s);
                return 1;
            }
            memcpy(num, s + 1, digits); num[digits] = 0;
            l->dropout = strtof(num, NULL);
            if (!(l->dropout <= 0.9f)) { snprintf(why, len, "dropout %s: p is 0 to 0.9", num); return 1; }
        } else { snprintf(why, len, "unknown option \"%.*s\" (same, nobn, g<groups> or d<p>)", (int)n, s); return 1; }
        if (!(flag & allowed)) { snprintf(why, len, "option \"%.*s\" does not apply here", (int)n, s); return 1; }
        if (l->flags & flag) { snprintf(why, len, "option \"%.*s\" twice", (int)n, s); return 1; }
        l->flags |= flag;
        s += n;
    }
    return 0;
}

/* one token into a LayerSpec; 0, or 1 and why */
static int parse_token(const char *t, LayerSpec *l, char *why, size_t len) {
    memset(l, 0, sizeof *l);
    const char *s = t;
    if (t[0] == 'c' && t[1] >= '0' && t[1] <= '9') {
        s = t + 1;
        l->kind = LAYER_CONV;
        l->out_c = read_int(&s);
        if (l->out_c < 1 || *s != 'k') { snprintf(why, len, "a convolution is c<out>k<size>, e.g. c16k3"); return 1; }
        s++;
        l->size = read_int(&s);
        if (l->size < 0) { snprintf(why, len, "a convolution is c<out>k<size>, e.g. c16k3"); return 1; }
        return read_options(s, l, LAYER_PAD_SAME | LAYER_NO_BN | LAYER_OWN_DROPOUT, why, len);
    }
    if (t[0] == 'f' && t[1] == 'c') {
        s = t + 2;
        l->kind = LAYER_DENSE;
        l->out_c = read_int(&s);
        if (l->out_c < 1) { snprintf(why, len, "a fully connected layer is fc<out>, e.g. fc10"); return 1; }
        return read_options(s, l, LAYER_OWN_DROPOUT, why, len);
    }
    if (t[0] == 'm' && t[1] >= '0' && t[1] <= '9') {
        s = t + 1;
        l->kind = LAYER_MAXPOOL;
        l->size = read_int(&s);
        if (*s) { snprintf(why, len, "a max-pool is m2"); return 1; }
        return 0;
    }
    if (!strcmp(t, "gap")) { l->kind = LAYER_GAP; return 0; }
    if (!strcmp(t, "flat")) { l->kind = LAYER_FLATTEN; return 0; }
    snprintf(why, len, "unknown layer (c<out>k<size>, m2, gap, flat or fc<out>)");
    return 1;
}

int arch_spec_parse(const char *text, NetArch *out, char *err, size_t errlen) {
    if (!text) { snprintf(err, errlen, "no design"); return 1; }
    size_t total = strlen(text);
    if (total >= ARCH_SPEC_MAX) {
        snprintf(err, errlen, "the design's text is %zu characters long, more than %d", total, ARCH_SPEC_MAX - 1);
        return 1;
    }
    const char *named = arch_named(text);
    NetArch a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%.31s", named ? text : "custom");
    if (named) text = named;
    a.in_c = 1; a.in_h = 28; a.in_w = 28;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        size_t n = strcspn(p, " \t\n");
        char token[64], why[160];
        if (n >= sizeof token) {
            snprintf(err, errlen, "layer %d: \"%.20s...\" is not a layer", a.n_layers + 1, p);
            return 1;
        }
        memcpy(token, p, n); token[n] = 0;
        p += n;
        if (a.n_layers == NET_MAX_LAYERS) { snprintf(err, errlen, "more than %d layers", NET_MAX_LAYERS); return 1; }
        if (parse_token(token, &a.layers[a.n_layers], why, sizeof why)) {
            snprintf(err, errlen, "layer %d (\"%s\"): %s", a.n_layers + 1, token, why);
            return 1;
        }
        a.n_layers++;
    }
    if (!a.n_layers) {
        snprintf(err, errlen, "the design has no layers (e.g. \"%s\")", arch_named("reference"));
        return 1;
    }
    if (!arch_design_check(&a, err, errlen)) return 1;
    char canonical[ARCH_SPEC_MAX];                   /* a named design's text (canonical, as written there): its name */
    for (size_t i = 0;
         !named && !arch_spec_format(&a, canonical, sizeof canonical) && i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (!strcmp(NAMED[i].spec, canonical)) { snprintf(a.name, sizeof a.name, "%.31s", NAMED[i].name); break; }
    *out = a;
    return 0;
}

/* ---------- the exercise's rules: the one gate ---------- */

/* A layer record (a model file's, or one built in code) says no more than its token: the fields
 * its kind has no text for are zero, its options are the kind's, and its own dropout is one the
 * text form prints exactly. So a design read from a file and the same design read from its
 * text are the same network (net_arch_same), and what is printed is what runs. */
static int layer_record_check(const LayerSpec *s, char *why, size_t len) {
    int k = s->kind;
    int options = k == LAYER_CONV ? LAYER_PAD_SAME | LAYER_NO_BN | LAYER_OWN_DROPOUT
                : k == LAYER_DENSE ? LAYER_OWN_DROPOUT : 0;
    int has_out = k == LAYER_CONV || k == LAYER_DENSE, has_size = k == LAYER_CONV || k == LAYER_MAXPOOL;
    double p = s->dropout;
    char text[24];
    if (k < LAYER_CONV || k > LAYER_FLATTEN) snprintf(why, len, "unknown kind %d (1 convolution .. 5 flatten)", k);
    else if (s->flags & ~options)
        snprintf(why, len, "options 0x%x; this kind takes %s", (unsigned)s->flags, options ? "fewer" : "none");
    else if (!has_out && s->out_c) snprintf(why, len, "a channel count (%d) this kind does not have (0)", s->out_c);
    else if (!has_size && s->size) snprintf(why, len, "a size (%d) that this kind does not have (0)", s->size);
    else if (k != LAYER_CONV && s->groups)
        snprintf(why, len, "groups (%d) that this kind does not have (0)", s->groups);
    else if (s->groups < 0 || s->groups > NET_MAX_GROUPS)
        snprintf(why, len, "%d groups; a convolution has 1 to %d", s->groups, NET_MAX_GROUPS);
    else if (!(s->flags & LAYER_OWN_DROPOUT)) {
        if (p == 0.0) return 0;
        snprintf(why, len, "a dropout %g without the option that gives it one", p);
    } else if (!(p >= 0.0 && s->dropout <= 0.9f)) snprintf(why, len, "dropout %g; p is 0 to 0.9", p);
    else {
        layer_format_dropout(s->dropout, text, sizeof text);
        if (strtof(text, NULL) == s->dropout) return 0;
        snprintf(why, len, "dropout %g has no decimal form of at most 9 places", p);
    }
    return 1;
}

/* a design's name goes into JSON and messages as it is: printable ASCII without quotes */
static int name_check(const char *name, char *err, size_t errlen) {
    size_t n = strnlen(name, 32);
    if (n > 31) { snprintf(err, errlen, "a design's name is at most 31 characters"); return 0; }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
            snprintf(err, errlen, "a design's name is printable ASCII without quotes or backslashes "
                     "(character %zu is 0x%02x)", i + 1, c);
            return 0;
        }
    }
    return 1;
}

int arch_design_check(const NetArch *a, char *err, size_t errlen) {
    if (a->in_c != 1 || a->in_h != 28 || a->in_w != 28) {
        snprintf(err, errlen, "a design takes 1 x 28 x 28 images, not %d x %d x %d", a->in_c, a->in_h, a->in_w);
        return 0;
    }
    if (a->n_layers < 1 || a->n_layers > NET_MAX_LAYERS) {
        snprintf(err, errlen, "a design has 1 to %d layers, not %d", NET_MAX_LAYERS, a->n_layers);
        return 0;
    }
    if (!name_check(a->name, err, errlen)) return 0;
    for (int i = 0; i < a->n_layers; i++) {
        const LayerSpec *s = &a->layers[i];
        char token[48], why[160];
        layer_token(s, token, sizeof token);
        if (layer_record_check(s, why, sizeof why)) {
            snprintf(err, errlen, "layer %d (%s): %s", i + 1, token, why);
            return 0;
        }
        int k = s->size;
        if (s->kind == LAYER_CONV && k != 1 && k != 3 && k != 5 && k != 7) {
            snprintf(err, errlen, "layer %d (%s): kernel %d; a convolution's kernel is 1, 3, 5 or 7", i + 1, token, k);
            return 0;
        }
        if (s->kind == LAYER_MAXPOOL && k != 2) {
            snprintf(err, errlen, "layer %d (%s): a max-pool is m2 (2x2, stride 2)", i + 1, token);
            return 0;
        }
    }
    const LayerSpec *last = &a->layers[a->n_layers - 1];
    if (last->kind != LAYER_DENSE || last->out_c != LIMIT_CLASSES) {
        char token[48];
        layer_token(last, token, sizeof token);
        snprintf(err, errlen, "the last layer must be fc%d (the %d digits; log-softmax follows it), not %s",
                 LIMIT_CLASSES, LIMIT_CLASSES, token);
        return 0;
    }
    return net_arch_validate(a, err, errlen);
}

int arch_net_reads_digits(const Net *net, const char *what, char *err, size_t errlen) {
    const NetArch *a = &net->arch;
    if (a->in_c == 1 && a->in_h == 28 && a->in_w == 28 && net->n_classes == LIMIT_CLASSES) return 1;
    snprintf(err, errlen, "%s needs a network of 1 x 28 x 28 images and %d classes; "
             "this one takes %d x %d x %d and gives %d",
             what, LIMIT_CLASSES, a->in_c, a->in_h, a->in_w, net->n_classes);
    return 0;
}

/* ---------- what an editor shows ---------- */

int arch_describe(const NetArch *arch, ArchLayerInfo info[NET_MAX_LAYERS], size_t *params, size_t *macs, char *err,
                  size_t errlen) {
    Layer L[NET_MAX_LAYERS];
    size_t bn;
    if (!arch_design_check(arch, err, errlen)) return 0;
    *params = net_arch_plan(arch, L, &bn, err, errlen);
    *macs = 0;
    int rf = 1, jump = 1, whole = 0;
    for (int i = 0; i < arch->n_layers; i++) {
        const Layer *l = &L[i];
        ArchLayerInfo *o = &info[i];
        layer_token(&l->spec, o->token, sizeof o->token);
        o->C = l->C; o->H = l->H; o->W = l->W; o->K = l->K; o->P = l->P; o->Q = l->Q;
        o->groups = l->spec.kind == LAYER_CONV ? net_layer_groups(&l->spec) : 0;
        o->params = 0;
        if (l->w >= 0) { /* a layer's parameters lie together, from its weights on */
            size_t end = *params;
            for (int j = i + 1; j < arch->n_layers; j++) if (L[j].w >= 0) { end = (size_t)L[j].w; break; }
            o->params = end - (size_t)l->w;
        }
        o->macs = l->macs;
        *macs += l->macs;
        if (l->spec.kind == LAYER_CONV) rf += (l->spec.size - 1) * jump;
        if (l->spec.kind == LAYER_MAXPOOL) { rf += (l->spec.size - 1) * jump; jump *= l->spec.size; }
        whole |= l->spec.kind == LAYER_GAP || l->spec.kind == LAYER_FLATTEN || l->spec.kind == LAYER_DENSE;
        o->rf = whole || rf > arch->in_h ? arch->in_h : rf;
    }
    return arch->n_layers;
}

/* a layer's settings as an editor edits them (web/panels/layer-settings.js writes them back as
 * the token): kind, channels, kernel, same, bn, groups, dropout (its text, "": the recipe's) for a
 * convolution; size for a max-pool; channels and dropout for a dense layer; the kind alone else */
static int settings_json(const LayerSpec *s, char *buf, size_t len) {
    char p[24] = "";
    if (s->flags & LAYER_OWN_DROPOUT) layer_format_dropout(s->dropout, p, sizeof p);
    switch (s->kind) {
    case LAYER_CONV:
        return snprintf(buf, len, "{\"kind\":\"conv\",\"channels\":%d,\"kernel\":%d,\"same\":%s,\"bn\":%s,"
                        "\"groups\":%d,\"dropout\":\"%s\"}", s->out_c, s->size,
                        s->flags & LAYER_PAD_SAME ? "true" : "false", s->flags & LAYER_NO_BN ? "false" : "true",
                        net_layer_groups(s), p);
    case LAYER_MAXPOOL: return snprintf(buf, len, "{\"kind\":\"pool\",\"size\":%d}", s->size);
    case LAYER_GAP: return snprintf(buf, len, "{\"kind\":\"gap\"}");
    case LAYER_FLATTEN: return snprintf(buf, len, "{\"kind\":\"flat\"}");
    default:                                     /* LAYER_DENSE: the design check allows no other kind */
        return snprintf(buf, len, "{\"kind\":\"fc\",\"channels\":%d,\"dropout\":\"%s\"}", s->out_c, p);
    }
}

char *arch_describe_json(const NetArch *arch, char *err, size_t errlen) {
    ArchLayerInfo info[NET_MAX_LAYERS];
    size_t params, macs;
    char spec[ARCH_SPEC_MAX];
    int n = arch_describe(arch, info, &params, &macs, err, errlen);
    if (!n || arch_spec_format(arch, spec, sizeof spec)) return NULL;
    size_t cap = 256 + sizeof spec + (size_t)n * 512, used;
    char *out = malloc(cap);
    if (!out) { snprintf(err, errlen, "out of memory"); return NULL; }
    used = (size_t)snprintf(out, cap, "{\"arch\":\"%s\",\"name\":\"%s\",\"params\":%zu,\"macs\":%zu,\"layers\":[",
                            spec, arch->name, params, macs);
    for (int i = 0; i < n; i++) {
        const ArchLayerInfo *l = &info[i];
        used += (size_t)snprintf(out + used, cap - used, "%s{\"token\":\"%s\",\"in\":[%d,%d,%d],\"out\":[%d,%d,%d],"
                                 "\"groups\":%d,\"params\":%zu,\"macs\":%zu,\"rf\":%d,\"settings\":", i ? "," : "",
                                 l->token, l->C, l->H, l->W, l->K, l->P, l->Q, l->groups, l->params, l->macs, l->rf);
        used += (size_t)settings_json(&arch->layers[i], out + used, cap - used);
        used += (size_t)snprintf(out + used, cap - used, "}");
    }
    snprintf(out + used, cap - used, "]}");
    return out;
}
