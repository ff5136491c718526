/* test_gate.c - one gate for designs (issue 31): a model file of any version or a safetensors
 * file whose design is not the exercise's is refused by every reader, with the rule it breaks,
 * before a network is made for it, and a network it is loaded into is left as it was:
 *   - a 1 x 1 x 1 input with fc10 (the 216-byte file, written by model_save itself;
 *     also as version 3), a last layer fc1000 (model file and safetensors), a version 3 file
 *     of another design than the reference net, a kernel of 4, a max-pool record with a
 *     channel count or options, a name with a quote, an own dropout with no decimal form;
 *   - a design without convolutions and one at the limits (24 layers, 7x7, 512 channels,
 *     fc1024, dropout 0.9) are read by every reader;
 *   - the text form refuses the same designs by the same rule (arch_spec_parse).
 * The files come from craft.h (craft_models writes them for cli.sh and the fuzz corpus);
 * test_reading.c drives the accepted ones through every consumer. */
#include "craft.h"
#include "formats/model_any.h"
#include "check.h"
#include <stdio.h>

static Net *reference;

static void read_crafted(void *ctx, const char *name, const uint8_t *buf, size_t len, const char *rule) {
    (void)ctx;
    char err[600] = "";
    NetArch arch;
    CHECK(buf != NULL && len > 0, "%s: not written (%s)", name, rule ? rule : "");
    if (!buf) return;
    int read = model_read_arch_any(buf, len, &arch, NULL, err, sizeof err);
    float keep = reference->params[0], keep_bn = reference->bn_state[0];
    int loaded = model_load_any(reference, NULL, buf, len, err, sizeof err);
    if (rule) {
        CHECK(read != 0 && loaded != 0 && strstr(err, rule), "%s: expected a refusal naming \"%s\", got %s: \"%s\"",
              name, rule, read ? "a refusal" : "acceptance", err);
        CHECK(reference->params[0] == keep && reference->bn_state[0] == keep_bn,
              "%s: a refused file changed the network", name);
        return;
    }
    CHECK(read == 0, "%s: refused: %s", name, err);
    if (read) return;
    Net *net = net_create(&arch, 1, 1);
    CHECK(net != NULL && !model_load_any(net, NULL, buf, len, err, sizeof err), "%s: not loaded: %s", name, err);
    net_free(net);
}

/* the text form of a refused design: the same rule (the one gate behind both readers) */
static void text_refused(const char *text, const char *rule) {
    NetArch a;
    char err[600] = "";
    CHECK(arch_spec_parse(text, &a, err, sizeof err) && strstr(err, rule), "\"%s\": expected \"%s\", got \"%s\"",
          text, rule, err);
}

int main(void) {
    reference = net_create(&NET_ARCH_REFERENCE, 1, 1);
    net_init_params(reference, 9);
    craft_all(read_crafted, NULL);
    text_refused("m2 m2 m2 gap fc1000", "the last layer must be fc10");
    text_refused("c8k4 gap fc10", "kernel 4; a convolution's kernel is 1, 3, 5 or 7");
    NetArch a;
    char err[600];
    CHECK(!arch_spec_parse(CRAFT_LIMITS_DESIGN, &a, err, sizeof err) && a.n_layers == NET_MAX_LAYERS,
          "the limits design: %s", err);
    CHECK(!arch_spec_parse("gap fc10", &a, err, sizeof err), "a design without convolutions: %s", err);
    net_free(reference);
    return check_summary("test_gate");
}
