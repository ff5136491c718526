/* craft_models.c - writes the crafted model files of craft.h into a folder, one file each,
 * and lists them with the rule each breaks ("accepted" for the ones every reader takes):
 *   craft_models DIR
 * cli.sh hands them to the command-line tools; tests/fuzz/corpus/{model,safetensors} hold a
 * copy (regenerate with this program when the writers change). */
#include "craft.h"
#include <stdio.h>

static int failures;

static void write_one(void *ctx, const char *name, const uint8_t *buf, size_t len, const char *rule) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", (const char *)ctx, name);
    FILE *f = buf ? fopen(path, "wb") : NULL;
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "cannot write %s\n", path);
        failures++;
        return;
    }
    printf("%s\t%s\n", name, rule ? rule : "accepted");
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: craft_models DIR\n"); return 2; }
    craft_all(write_one, argv[1]);
    return failures ? 1 : 0;
}
