/* test_gate.c - one gate for designs (issue 31): a model file of any version or a safetensors
 * file whose design is not the exercise's is refused by every reader, with the rule it breaks,
 * before a network is made for it, and a network it is loaded into is left as it was:
 *   - a 1 x 1 x 1 input with fc10 (the 216-byte file, written by model_save itself;
 *     also as version 3), a last layer fc1000 (model file and safetensors), a version 3 file
 *     of another design than the reference net, a kernel of 4, a max-pool record with a
 *     channel count or options, a name with a quote, an own dropout with no decimal form;
 *   - a design without convolutions and one at the limits (24 layers, 7x7, 512 channels,
 *     fc1024, dropout 0.9) are read by every reader;
 *   - groups: a file whose group count does not divide the channels, is 0 on a convolution or
 *     set on another kind is refused; one that says one group for grouped weights (or a
 *     version 4 file of them) reads as the plain design and its weights are refused;
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

/* A grouped design's file that says one group (version 5 with groups 1, or version 4, which
 * has none): its design reads, as the plain convolution, and a network made for that refuses
 * its weights, whose shape (8, 2, 3, 3) is the grouped one */
static void grouped_weights_refused(void) {
    const LayerSpec layers[4] = {
        {LAYER_CONV, 8, 3}, {LAYER_CONV, 8, 3, 0, 0.0f, 4}, {LAYER_GAP, 0, 0}, {LAYER_DENSE, 10, 0}};
    NetArch a = craft_arch(1, 28, 28, layers, 4), read;
    char err[600] = "";
    for (int version = 5; version >= 4; version--) {
        size_t n;
        uint8_t *b = craft_model_file(&a, &n);
        if (version == 5) craft_set_layer_field(b, n, 1, 5, 1);
        else n = craft_downgrade(b, n, 4);
        CHECK(!model_read_arch_any(b, n, &read, NULL, err, sizeof err) && net_layer_groups(&read.layers[1]) == 1,
              "version %d, one group: design not read as c8k3: %s", version, err);
        Net *net = net_create(&read, 1, 1);
        net_init_params(net, 3);
        float keep = net->params[net->layer[1].w];
        CHECK(model_load_any(net, NULL, b, n, err, sizeof err) && strstr(err, "conv2.weight") &&
                  net->params[net->layer[1].w] == keep,
              "version %d, one group: grouped weights not refused by name: \"%s\"", version, err);
        net_free(net);
        free(b);
    }
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
    text_refused("c8k3 c8k3:g3 gap fc10", "layer 2 (c8k3:g3): 3 groups; the group count (1 to 512) divides");
    text_refused("c8k3:g2 gap fc10",
                 "layer 1 (c8k3:g2): 2 groups; the group count (1 to 512) divides the input channels (1)");
    text_refused("c8k3 c8k3:g0 gap fc10", "groups \"g0\": write them as g<groups>");
    text_refused("c8k3 c8k3:g513 gap fc10", "513 groups; a convolution has 1 to 512");
    text_refused("c8k3 c8k3:g2:g2 gap fc10", "option \"g2\" twice");
    text_refused("c8k3 gap fc10:g2", "unknown option \"g2\"");
    grouped_weights_refused();
    NetArch a;
    char err[600];
    CHECK(!arch_spec_parse(CRAFT_LIMITS_DESIGN, &a, err, sizeof err) && a.n_layers == NET_MAX_LAYERS,
          "the limits design: %s", err);
    CHECK(!arch_spec_parse("gap fc10", &a, err, sizeof err), "a design without convolutions: %s", err);
    net_free(reference);
    return check_summary("test_gate");
}
