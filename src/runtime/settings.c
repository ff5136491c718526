/* settings.c - the settings mechanism of settings.h over the field tables of contract.h. */
#include "settings.h"
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v as the shortest decimal that reads back as v (as_float: as the float v is); whole numbers
 * without an exponent */
static void shortest(double v, int as_float, char *out, size_t outlen) {
    if (v == floor(v) && fabs(v) < 1e15) { snprintf(out, outlen, "%.0f", v); return; }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, outlen, "%.*g", digits, v);
        double back = strtod(out, NULL);
        if (as_float ? (float)back == (float)v : back == v) return;
    }
}

static void *at(const FieldInfo *f, void *s) { return (char *)s + f->offset; }
static const void *at_c(const FieldInfo *f, const void *s) { return (const char *)s + f->offset; }

/* stores v (already checked) in the field's C type */
static void store(const FieldInfo *f, void *s, double v) {
    switch (f->type) {
    case FIELD_FLOAT: *(float *)at(f, s) = (float)v; break;
    case FIELD_U64: *(uint64_t *)at(f, s) = (uint64_t)v; break;
    default: *(int *)at(f, s) = (int)v; break;
    }
}

void settings_default(const FieldTable *t, void *s) {
    for (int id = 0; id < t->count; id++) store(&t->fields[id], s, t->fields[id].def);
}

double settings_get(const FieldTable *t, const void *s, int id) {
    if (id < 0 || id >= t->count) return 0.0;
    const FieldInfo *f = &t->fields[id];
    switch (f->type) {
    case FIELD_FLOAT: return (double)*(const float *)at_c(f, s);
    case FIELD_U64: return (double)*(const uint64_t *)at_c(f, s);
    default: return (double)*(const int *)at_c(f, s);
    }
}

int settings_set(const FieldTable *t, void *s, int id, double value, char *err, size_t errlen) {
    if (id < 0 || id >= t->count) { snprintf(err, errlen, "no %s %d", t->what, id); return 1; }
    const FieldInfo *f = &t->fields[id];
    if (f->type == FIELD_U64) {
        if (!(value >= 0 && value <= 9007199254740992.0 && value == floor(value))) {
            snprintf(err, errlen, "%s must be a whole number from 0 (set larger values by their 32-bit halves)",
                     f->name);
            return 1;
        }
        return settings_set_u64(t, s, id, (uint32_t)fmod(value, 4294967296.0), (uint32_t)(value / 4294967296.0), err,
                                errlen);
    }
    if (!field_value_fits(f, value, err, errlen)) return 1;
    store(f, s, value);
    return 0;
}

int settings_set_u64(const FieldTable *t, void *s, int id, uint32_t lo, uint32_t hi, char *err, size_t errlen) {
    if (id < 0 || id >= t->count || t->fields[id].type != FIELD_U64) {
        snprintf(err, errlen, "field %d is not a 64-bit field", id);
        return 1;
    }
    *(uint64_t *)at(&t->fields[id], s) = (uint64_t)hi << 32 | lo;
    return 0;
}

int settings_check(const FieldTable *t, const void *s, char *err, size_t errlen) {
    for (int id = 0; id < t->count; id++)
        if (t->fields[id].type != FIELD_U64 && !field_value_fits(&t->fields[id], settings_get(t, s, id), err, errlen))
            return 1;
    return 0;
}

int settings_parse(const FieldTable *t, void *s, int id, const char *v, char *err, size_t errlen) {
    const FieldInfo *f = &t->fields[id];
    char *end = NULL;
    if (f->type == FIELD_U64) {
        errno = 0;
        unsigned long long u = strtoull(v, &end, 10);
        if (!*v || *end || *v == '-' || errno == ERANGE) {
            snprintf(err, errlen, "%s takes a whole number from 0 to 2^64-1, not \"%s\"", f->cli, v);
            return 1;
        }
        return settings_set_u64(t, s, id, (uint32_t)u, (uint32_t)(u >> 32), err, errlen);
    }
    double x;
    if (f->type == FIELD_BOOL)
        x = !strcmp(v, "on") || !strcmp(v, "1") ? 1 : !strcmp(v, "off") || !strcmp(v, "0") ? 0 : -1;
    else if (f->type == FIELD_CHOICE) x = field_choice_index(f, v);
    else { x = strtod(v, &end); if (!*v || *end) x = NAN; }
    if (settings_set(t, s, id, x, err, errlen)) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, " (%s %s)", f->cli, v);
        return 1;
    }
    return 0;
}

void settings_format(const FieldTable *t, const void *s, int id, char *out, size_t outlen) {
    const FieldInfo *f = &t->fields[id];
    double v = settings_get(t, s, id);
    if (f->type == FIELD_U64) {
        snprintf(out, outlen, "%llu", (unsigned long long)*(const uint64_t *)at_c(f, s));
        return;
    }
    if (f->type == FIELD_BOOL) { snprintf(out, outlen, "%s", v ? "on" : "off"); return; }
    if (f->type == FIELD_CHOICE) {
        const char *p = f->help;
        for (int i = 0; i < (int)v && strchr(p, '|'); i++) p = strchr(p, '|') + 1;
        size_t len = strchr(p, '|') ? (size_t)(strchr(p, '|') - p) : strlen(p);
        snprintf(out, outlen, "%.*s", (int)len, p);
        return;
    }
    shortest(v, f->type == FIELD_FLOAT, out, outlen);
}

void settings_number(double v, char *out, size_t outlen) { shortest(v, 0, out, outlen); }

int settings_apply(const FieldTable *t, void *s, const char *p, char *err, size_t errlen) {
    while (*p) {
        char field[64];
        double value;
        int used = 0;
        while (*p == ' ') p++;
        if (!*p) break;
        if (sscanf(p, "%63[^=]=%lf%n", field, &value, &used) != 2) {
            snprintf(err, errlen, "cannot read \"%s\"", p);
            return 1;
        }
        int id = settings_find(t, field);
        if (id < 0) { snprintf(err, errlen, "no field %s", field); return 1; }
        if (settings_set(t, s, id, value, err, errlen)) return 1;
        p += used;
    }
    return 0;
}

int settings_find(const FieldTable *t, const char *name) {
    for (int id = 0; id < t->count; id++) if (!strcmp(t->fields[id].name, name)) return id;
    return -1;
}

int settings_find_cli(const FieldTable *t, const char *option) {
    for (int id = 0; id < t->count; id++) if (!strcmp(t->fields[id].cli, option)) return id;
    return -1;
}

void settings_print_help(const FieldTable *t, const void *defaults, FILE *out) {
    for (int id = 0; id < t->count; id++) {
        const FieldInfo *f = &t->fields[id];
        char def[32], range[80] = "", lo[32], hi[32];
        settings_format(t, defaults, id, def, sizeof def);
        const char *arg = f->type == FIELD_BOOL ? "on|off"
            : f->type == FIELD_CHOICE           ? f->help
            : f->type == FIELD_FLOAT            ? "X"
                                                : "N";
        settings_number(f->min, lo, sizeof lo);
        settings_number(f->max, hi, sizeof hi);
        if (f->type == FIELD_U64) snprintf(range, sizeof range, "; 0 to 18446744073709551615");
        else if (f->type == FIELD_INT || f->type == FIELD_FLOAT) snprintf(range, sizeof range, "; %s to %s", lo, hi);
        fprintf(out, "  %-20s %-9s %s (%s%s%s%s)\n", f->cli, arg, f->type == FIELD_CHOICE ? "" : f->help, def,
                *f->unit ? " " : "", f->unit, range);
    }
}

int field_value_fits(const FieldInfo *f, double v, char *err, size_t errlen) {
    int whole = f->type != FIELD_FLOAT;
    /* A FLOAT field is stored as float: the value and its bounds are compared as the floats they
     * become, so a documented bound is inside (0.9 as a double is above the float nearest 0.9,
     * the bound as stored) and a value outside is one whose float is outside. */
    double x = v, lo = f->min, hi = f->max;
    if (!whole) {
        lo = (float)lo; hi = (float)hi;
        if (fabs(v) <= FLT_MAX) x = (float)v;          /* beyond float's range (or NaN): outside as it is */
    }
    if (!(x >= lo && x <= hi) || (whole && v != floor(v))) {
        char value[32], min[32], max[32];
        settings_number(v, value, sizeof value);
        settings_number(f->min, min, sizeof min);
        settings_number(f->max, max, sizeof max);
        if (f->type == FIELD_BOOL) snprintf(err, errlen, "%s must be on or off", f->name);
        else if (f->type == FIELD_CHOICE) snprintf(err, errlen, "%s must be one of %s", f->name, f->help);
        else snprintf(err, errlen, "%s %s is outside %s..%s%s%s%s", f->name, value, min, max,
                      whole ? " (a whole number)" : "", *f->unit ? " " : "", f->unit);
        return 0;
    }
    return 1;
}


int field_choice_index(const FieldInfo *f, const char *word) {
    const char *p = f->help;
    size_t n = strlen(word);
    for (int i = 0; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && n && !strncmp(p, word, n)) return i;
        if (!bar) break;
        p = bar + 1;
    }
    return -1;
}
