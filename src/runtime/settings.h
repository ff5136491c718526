/* settings.h - one mechanism for every table of settings in contract.h (the recipe, the
 * fine-tune, a run's options): defaults, get and set by id with the field's type and range
 * checked, a whole-struct check, the CLI's text form (parse and format), named changes
 * ("name=value ..."), and --help. A settings struct is reached through its table's offsets,
 * so a field added to a table needs no code here or in its users.
 *
 * Values cross as double (every INT, FLOAT, BOOL and CHOICE value, and a U64 up to 2^53 exactly);
 * a U64 also by its 32-bit halves. Setters refuse, with a message naming the field, any value
 * not of the field's type or outside its range, and leave the struct unchanged then. A FLOAT
 * field's range is compared as floats (the value's float against the bounds' floats), so its
 * documented bounds, written as decimals, are accepted and the next float beyond is not. */
#ifndef SETTINGS_H
#define SETTINGS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "contract.h"

void   settings_default(const FieldTable *t, void *s);
double settings_get(const FieldTable *t, const void *s, int id);
int    settings_set(const FieldTable *t, void *s, int id, double value, char *err, size_t errlen);
int    settings_set_u64(const FieldTable *t, void *s, int id, uint32_t lo, uint32_t hi, char *err, size_t errlen);
/* every field within its range; 0, or 1 with a message */
int    settings_check(const FieldTable *t, const void *s, char *err, size_t errlen);
/* field id from the CLI's text: numbers, on|off (or 1|0) for BOOL, the word for CHOICE */
int    settings_parse(const FieldTable *t, void *s, int id, const char *text, char *err, size_t errlen);
/* the value as the CLI takes it */
void   settings_format(const FieldTable *t, const void *s, int id, char *out, size_t outlen);
/* "name=value name=value ..." (values as numbers, CHOICE and BOOL by index) */
int    settings_apply(const FieldTable *t, void *s, const char *changes, char *err, size_t errlen);
/* the id of the field with this name, or with this CLI option; -1 if none */
int    settings_find(const FieldTable *t, const char *name);
int    settings_find_cli(const FieldTable *t, const char *option);
/* v in the shortest decimal that reads back as the same double ("0.9", "1e-05", "2147483647") */
void   settings_number(double v, char *out, size_t outlen);
/* one line per field: option, argument, help, the value in defaults, the range */
void   settings_print_help(const FieldTable *t, const void *defaults, FILE *out);

/* 1 when v is a value of field f (its type, its range), else 0 with a message in err. */
int field_value_fits(const FieldInfo *f, double v, char *err, size_t errlen);
/* Index of `word` in a CHOICE field's "a|b" help list, or -1. */
int field_choice_index(const FieldInfo *f, const char *word);
#endif
