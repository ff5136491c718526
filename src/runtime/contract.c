/* contract.c - the field tables of contract.h as data, for code that walks them. */
#include "contract.h"
#include <stddef.h>

#define INFO_ROW(name, type, def, min, max, cli, unit, help) \
    {#name, cli, unit, help, FIELD_##type, def, min, max, offsetof(STRUCT, name)},
#define STRUCT TrainConfig
static const FieldInfo RECIPE_ROWS[CFG_COUNT] = { TRAIN_CONFIG_FIELDS(INFO_ROW) };
#undef STRUCT
#define STRUCT TeachConfig
static const FieldInfo TEACH_ROWS[TEACH_COUNT] = { TEACH_FIELDS(INFO_ROW) };
#undef STRUCT
#define STRUCT RunOptions
static const FieldInfo RUN_ROWS[RUN_COUNT] = { RUN_OPTION_FIELDS(INFO_ROW) };
#undef STRUCT
#undef INFO_ROW

const FieldTable RECIPE_TABLE = { RECIPE_ROWS, CFG_COUNT, "configuration field" };
const FieldTable TEACH_TABLE = { TEACH_ROWS, TEACH_COUNT, "teaching field" };
const FieldTable RUN_TABLE = { RUN_ROWS, RUN_COUNT, "run option" };
