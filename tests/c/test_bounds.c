/* test_bounds.c - every field of every settings table (the recipe, the fine-tune, a run's
 * options; runtime/contract.h) at its documented minimum and maximum and just outside them,
 * through the core's setters (settings_set: what api_config_set and api_teach_set call),
 * the CLI's text (settings_parse, with the bound as the decimal the docs and contract.js show)
 * and the whole-struct check trainer_init and teacher_init make (settings_check):
 *   a bound is accepted (a FLOAT's bound too: 0.9 as a double is above the float nearest 0.9,
 *     and was refused as "dropout 0.9 is outside 0..0.9");
 *   the next value beyond (an INT's neighbour, a FLOAT's next float) is refused with a message
 *     naming the field and the bounds as documented, and the struct is left as it was;
 *   a U64 takes 0 and 2^64-1 as text and refuses 2^64 (strtoull saturates to 2^64-1). */
#include "runtime/settings.h"
#include "check.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef union { TrainConfig recipe; TeachConfig teach; RunOptions run; } AnySettings;

/* the value outside the bound: the next whole number, or the next float beyond */
static double beyond(const FieldInfo *f, double bound, int up) {
    if (f->type != FIELD_FLOAT) return bound + (up ? 1 : -1);
    return (double)nextafterf((float)bound, up ? INFINITY : -INFINITY);
}

/* v accepted by settings_set and by settings_parse of its text, and by settings_check after */
static void accepted(const FieldTable *t, int id, double v, const char *text) {
    const FieldInfo *f = &t->fields[id];
    AnySettings s;
    char err[256] = "";
    settings_default(t, &s);
    CHECK(settings_set(t, &s, id, v, err, sizeof err) == 0, "%s %s (set): %s", f->name, text, err);
    CHECK(settings_check(t, &s, err, sizeof err) == 0, "%s %s (check): %s", f->name, text, err);
    settings_default(t, &s);
    CHECK(settings_parse(t, &s, id, text, err, sizeof err) == 0, "%s %s (%s %s): %s", f->name, text, f->cli, text, err);
    CHECK(settings_check(t, &s, err, sizeof err) == 0, "%s %s (check after parse): %s", f->name, text, err);
}

/* v refused by both, with a message naming the field, and nothing changed */
static void refused(const FieldTable *t, int id, double v, const char *text) {
    const FieldInfo *f = &t->fields[id];
    AnySettings s, before;
    char err[256] = "";
    settings_default(t, &s);
    before = s;
    CHECK(settings_set(t, &s, id, v, err, sizeof err) != 0 && strstr(err, f->name), "%s %s (set) accepted: %s", f->name,
          text, err);
    CHECK(!memcmp(&s, &before, sizeof s), "%s %s (set): refused but changed", f->name, text);
    CHECK(settings_parse(t, &s, id, text, err, sizeof err) != 0 && strstr(err, f->name) && strstr(err, f->cli),
          "%s (%s %s) accepted: %s", f->name, f->cli, text, err);
    CHECK(!memcmp(&s, &before, sizeof s), "%s %s (parse): refused but changed", f->name, text);
}

static void number_text(const FieldInfo *f, double v, char *out, size_t len) {
    if (f->type == FIELD_FLOAT) snprintf(out, len, "%.9g", v);       /* a float's exact value, as decimals */
    else snprintf(out, len, "%.0f", v);
}

static void test_field(const FieldTable *t, int id) {
    const FieldInfo *f = &t->fields[id];
    char text[64], lo[32], hi[32];
    if (f->type == FIELD_BOOL) {
        accepted(t, id, 0, "off");
        accepted(t, id, 1, "on");
        refused(t, id, 2, "2");
        refused(t, id, -1, "-1");
        return;
    }
    if (f->type == FIELD_U64) {
        AnySettings s;
        char err[256];
        accepted(t, id, 0, "0");
        settings_default(t, &s);
        CHECK(settings_parse(t, &s, id, "18446744073709551615", err, sizeof err) == 0
              && *(uint64_t *)((char *)&s + f->offset) == UINT64_MAX, "%s 2^64-1: %s", f->name, err);
        CHECK(settings_parse(t, &s, id, "18446744073709551616", err, sizeof err) != 0 && strstr(err, f->cli),
              "%s 2^64 accepted: %s", f->name, err);
        CHECK(settings_parse(t, &s, id, "-1", err, sizeof err) != 0, "%s -1 accepted", f->name);
        CHECK(settings_set(t, &s, id, -1, err, sizeof err) != 0, "%s -1 (set) accepted", f->name);
        return;
    }
    settings_number(f->min, lo, sizeof lo);          /* the bounds as documented */
    settings_number(f->max, hi, sizeof hi);
    if (f->type == FIELD_CHOICE) {
        for (int c = 0; c <= (int)f->max; c++) {
            AnySettings s;
            char err[256];
            settings_default(t, &s);
            CHECK(settings_set(t, &s, id, c, err, sizeof err) == 0, "%s %d: %s", f->name, c, err);
        }
        refused(t, id, f->max + 1, "nope");
        return;
    }
    accepted(t, id, f->min, lo);
    accepted(t, id, f->max, hi);
    double below = beyond(f, f->min, 0), above = beyond(f, f->max, 1);
    number_text(f, below, text, sizeof text);
    refused(t, id, below, text);
    number_text(f, above, text, sizeof text);
    refused(t, id, above, text);
    AnySettings s;                                    /* the message: the field, the value, the documented bounds */
    char err[256], want[96];
    settings_default(t, &s);
    settings_set(t, &s, id, above, err, sizeof err);
    snprintf(want, sizeof want, " is outside %s..%s", lo, hi);
    CHECK(strstr(err, want) != NULL, "%s: \"%s\" does not say \"%s\"", f->name, err, want);
}

int main(void) {
    const FieldTable *tables[] = { &RECIPE_TABLE, &TEACH_TABLE, &RUN_TABLE };
    int fields = 0;
    for (int k = 0; k < 3; k++)
        for (int id = 0; id < tables[k]->count; id++, fields++) test_field(tables[k], id);
    AnySettings s;                                    /* issue 31's cases, by name */
    char err[256];
    settings_default(&RECIPE_TABLE, &s);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_dropout, 0.9, err, sizeof err) == 0 && s.recipe.dropout == 0.9f,
          "dropout 0.9: %s", err);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_adam_beta1, 0.9999, err, sizeof err) == 0, "adamBeta1 0.9999: %s", err);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_adam_beta2, 0.99999, err, sizeof err) == 0, "adamBeta2 0.99999: %s", err);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_adam_eps, 0.01, err, sizeof err) == 0, "adamEps 0.01: %s", err);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_ema, 0.9999, err, sizeof err) == 0, "ema 0.9999: %s", err);
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_lr, NAN, err, sizeof err) != 0, "lr NaN accepted");
    CHECK(settings_set(&RECIPE_TABLE, &s, CFG_lr, 1e300, err, sizeof err) != 0 && strstr(err, "1e+300"), "lr 1e300: %s",
          err);
    printf("%d fields at their bounds\n", fields);
    return check_summary("test_bounds");
}
