/* contract.c - the field tables of contract.h as data, for code that walks them. */
#include "contract.h"
#include <string.h>

#define INFO_ROW(name, type, def, min, max, cli, unit, help) { #name, cli, unit, help, FIELD_##type, def, min, max },
const FieldInfo TRAIN_CONFIG_INFO[CFG_COUNT] = { TRAIN_CONFIG_FIELDS(INFO_ROW) };
const FieldInfo RUN_OPTION_INFO[RUN_COUNT] = { RUN_OPTION_FIELDS(INFO_ROW) };
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
