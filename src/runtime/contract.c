/* contract.c - the field tables of contract.h as data, for code that walks them. */
#include "contract.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

int field_value_fits(const FieldInfo *f, double v, char *err, size_t errlen) {
    int whole = f->type != FIELD_FLOAT;
    /* a FLOAT field is stored as float: its bounds are compared as the floats they become */
    double lo = whole ? f->min : (double)(float)f->min, hi = whole ? f->max : (double)(float)f->max;
    if (!(v >= lo && v <= hi) || (whole && v != floor(v))) {
        if (f->type == FIELD_BOOL) snprintf(err, errlen, "%s must be on or off", f->name);
        else if (f->type == FIELD_CHOICE) snprintf(err, errlen, "%s must be one of %s", f->name, f->help);
        else snprintf(err, errlen, "%s %g is outside %g..%g%s%s%s", f->name, v, f->min, f->max,
                      whole ? " (a whole number)" : "", *f->unit ? " " : "", f->unit);
        return 0;
    }
    return 1;
}

#define INFO_ROW(name, type, def, min, max, cli, unit, help) { #name, cli, unit, help, FIELD_##type, def, min, max },
const FieldInfo TRAIN_CONFIG_INFO[CFG_COUNT] = { TRAIN_CONFIG_FIELDS(INFO_ROW) };
const FieldInfo RUN_OPTION_INFO[RUN_COUNT] = { RUN_OPTION_FIELDS(INFO_ROW) };
const FieldInfo TEACH_INFO[TEACH_COUNT] = { TEACH_FIELDS(INFO_ROW) };
#undef INFO_ROW

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
