/* test_designs.c - the text form of a design and the files of any design:
 *   - every named design and every design of MNIST_DESIGNS (tests/data/designs.txt) prints back
 *     exactly as written, and parse(print(a)) is a;
 *   - the text form is canonical (option order, spaces), and what it refuses it names: the
 *     layer, its token and the rule (kernel sizes, pools, the last layer, limits of channels,
 *     layers, parameters and activation memory, flatten then a convolution, bad options);
 *   - the counts of the named designs (the reference net: 15,122 parameters, 3,375,424
 *     multiply-adds per image);
 *   - the counts of a grouped design (parameters and multiply-adds of C/groups inputs per output);
 *   - a model file (version 5) and a safetensors file of a design with every option go out and
 *     come back bit for bit, and say which design they hold; a file of another design is
 *     refused with both designs named, and the network is unchanged;
 *   - older model files (the committed public/models/reference.bin, version 1, when MNIST_MODEL
 *     names it) read as the reference net. */
#include "nn/arch_spec.h"
#include "formats/model_io.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "formats/bytes.h"
#include "check.h"
#include <stdlib.h>
#include <string.h>

static void round_trip(const char *text) {
    NetArch a, b;
    char err[600], out[ARCH_SPEC_MAX];
    CHECK(!arch_spec_parse(text, &a, err, sizeof err), "%s: %s", text, err);
    CHECK(!arch_spec_format(&a, out, sizeof out) && !strcmp(out, text), "\"%s\" printed back as \"%s\"", text, out);
    CHECK(!arch_spec_parse(out, &b, err, sizeof err) && net_arch_same(&a, &b), "%s: parse(print(a)) is not a", text);
}

static void refused(const char *text, const char *want) {
    NetArch a;
    char err[600] = "";
    memset(&a, 0x5a, sizeof a);
    NetArch untouched = a;
    int rc = arch_spec_parse(text, &a, err, sizeof err);
    CHECK(rc != 0 && strstr(err, want), "\"%.60s\": expected a refusal with \"%s\", got %s \"%s\"", text, want,
          rc ? "" : "acceptance", err);
    CHECK(!memcmp(&a, &untouched, sizeof a), "\"%.60s\": a refused design changed the output", text);
}

static void text_form(void) {
    const char *named[] = { "reference", "no-bn", "no-transitions", "flat-fc", "no-dropout", "small" };
    for (int i = 0; i < 6; i++) {
        CHECK(arch_named(named[i]) != NULL, "no named design %s", named[i]);
        round_trip(arch_named(named[i]));
        NetArch a;
        char err[600];
        CHECK(!arch_spec_parse(named[i], &a, err, sizeof err) && !strcmp(a.name, named[i]), "--arch %s: %s (name %s)",
              named[i], err, a.name);
        CHECK(!arch_spec_parse(arch_named(named[i]), &a, err, sizeof err) && !strcmp(a.name, named[i]),
              "the text of %s is not named so", named[i]);
    }
    NetArch a;
    char err[600], out[ARCH_SPEC_MAX];
    CHECK(!arch_spec_parse("reference", &a, err, sizeof err) && net_arch_same(&a, &NET_ARCH_REFERENCE),
          "the named reference is the reference net");
    ArchLayerInfo info[NET_MAX_LAYERS];
    size_t params, macs;
    CHECK(arch_describe(&a, info, &params, &macs, err, sizeof err) == 11 && params == 15122 && macs == 3375424,
          "reference: %zu parameters, %zu multiply-adds", params, macs);
    CHECK(info[2].P == 22 && info[2].macs == 2230272 && info[8].rf == 20 && info[9].rf == 28 && info[0].rf == 3 &&
              info[4].rf == 8,
          "reference layer info");
    CHECK(!arch_spec_parse("  c8k3:d0.05:nobn:same   m2\tgap fc10 ", &a, err, sizeof err) &&
              !arch_spec_format(&a, out, sizeof out) && !strcmp(out, "c8k3:same:nobn:d0.05 m2 gap fc10"),
          "canonical form: \"%s\"", out);
    CHECK(!arch_spec_parse("c8k3 c8k3:d0.05:g4:same gap fc10", &a, err, sizeof err) &&
              !arch_spec_format(&a, out, sizeof out) && !strcmp(out, "c8k3 c8k3:same:g4:d0.05 gap fc10"),
          "canonical form with groups: \"%s\"", out);
    CHECK(!arch_spec_parse("c8k3 c8k3:g1 gap fc10", &a, err, sizeof err) && !arch_spec_format(&a, out, sizeof out) &&
          !strcmp(out, "c8k3 c8k3 gap fc10") && !a.layers[1].groups, "g1 is the plain convolution: \"%s\"", out);
    /* depthwise 8 -> 16: 16 filters of 1 x 3 x 3 (144 weights, 82,944 multiply-adds on 24 x 24) */
    CHECK(!arch_spec_parse("c8k3 c16k3:g8 gap fc10", &a, err, sizeof err) &&
              arch_describe(&a, info, &params, &macs, err, sizeof err) == 4 && params == 88 + 176 + 170 &&
              info[1].params == 144 + 32 && info[1].macs == 82944 && macs == 48672 + 82944 + 160 &&
              info[1].groups == 8 && info[0].groups == 1 && info[2].groups == 0 && net_arch_param_count(&a) == params,
          "grouped counts: %zu parameters, %zu multiply-adds (%s)", params, macs, err);
    char *json = arch_describe_json(&a, err, sizeof err);
    const char *shown = json ? json : err;
    CHECK(json && strstr(json, "{\"token\":\"c16k3:g8\",\"in\":[8,26,26],\"out\":[16,24,24],\"groups\":8,"
                               "\"params\":176,"),
          "describe JSON: %s", shown);
    /* the settings an editor edits, as the core parsed them (web/panels/layer-settings.js) */
    CHECK(json && strstr(json, "\"settings\":{\"kind\":\"conv\",\"channels\":16,\"kernel\":3,\"same\":false,"
                               "\"bn\":true,\"groups\":8,\"dropout\":\"\"}}") && strstr(json, "{\"kind\":\"gap\"}")
          && strstr(json, "\"settings\":{\"kind\":\"fc\",\"channels\":10,\"dropout\":\"\"}}"),
          "describe JSON settings: %s", shown);
    free(json);
    CHECK(!arch_spec_parse("c8k3:d0.050 gap fc10", &a, err, sizeof err) && !arch_spec_format(&a, out, sizeof out) &&
              !strcmp(out, "c8k3:d0.05 gap fc10"),
          "p printed shortest: %s", out);
    CHECK(!arch_spec_parse("c8k3 fc10", &a, err, sizeof err), "fc on a feature map: %s", err);

    refused("", "no layers");
    refused("c8k4 gap fc10", "layer 1 (c8k4)");
    refused("c8k3 c16k4 gap fc10", "kernel 4; a convolution's kernel is 1, 3, 5 or 7");
    refused("c8k3 m3 gap fc10", "a max-pool is m2");
    refused("c8k3 gap fc12", "the last layer must be fc10");
    refused("c8k3 gap", "the last layer must be fc10");
    refused("c8k3 flat c8k1 fc10", "layer 3 (c8k1): after a flatten");
    refused("c8k3 fc10 gap fc10", "layer 3 (gap): after a flatten or a fully connected layer");
    refused("c0k3 gap fc10", "layer 1 (\"c0k3\"): a convolution is c<out>k<size>");
    refused("c513k3 gap fc10", "513 output channels; a convolution has 1 to 512");
    refused("c8k3:same:same gap fc10", "option \"same\" twice");
    refused("c8k3 c12k3:g8 gap fc10",
            "layer 2 (c12k3:g8): 8 groups; the group count (1 to 512) divides the input channels (8) and the output "
            "channels (12)");
    refused("c8k3 c8k3:gx gap fc10", "groups \"gx\": write them as g<groups>");
    refused("c8k3:d1 gap fc10", "dropout 1: p is 0 to 0.9");
    refused("c8k3:d.5 gap fc10", "write it as d0");
    refused("c8k3:wide gap fc10", "unknown option \"wide\"");
    refused("m2:same gap fc10", "a max-pool is m2");
    refused("fc10:nobn", "does not apply here");
    refused("c8k3 gap fc10:d0.1", "the last fully connected layer takes no options");
    refused("x", "layer 1 (\"x\"): unknown layer");
    refused("c8k3 gap fc2000 fc10", "2000 outputs; a hidden fully connected layer has 1 to 1024");
    refused("m2 m2 m2 c8k5 gap fc10", "a 5x5 kernel does not fit its 3x3 input");
    refused("m2 m2 c64k3 c512k3 c512k3 gap fc10",
            "layer 5 (c512k3): the design has 2656960 parameters by here, more than the limit of 1000000");
    refused("c256k3:same c256k3:same gap fc10", "activations need");
    char many[ARCH_SPEC_MAX] = "";
    for (int i = 0; i < 25; i++) strcat(many, "c2k1 ");
    strcat(many, "fc10");
    refused(many, "more than 24 layers");
    char longer[700];
    memset(longer, ' ', sizeof longer);
    memcpy(longer + 650, "c8k3 fc10", 10);
    refused(longer, "more than 511");
}

static int design_count(const char *path) {
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return 0;
    char line[ARCH_SPEC_MAX + 2];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0]) continue;
        round_trip(line);
        n++;
    }
    fclose(f);
    return n;
}

/* a file of a design with every option, both formats, out and back */
static void files_of_a_design(void) {
    const char *spec = "c6k5:same:nobn:d0.05 c8k3:same m2 c10k3:g2:d0 c10k1:nobn:g10 flat fc12:d0.3 fc10";
    NetArch arch, back;
    char err[600];
    CHECK(!arch_spec_parse(spec, &arch, err, sizeof err), "%s", err);
    Net *net = net_create(&arch, 4, 1), *copy = net_create(&arch, 4, 1), *ref = net_create(&NET_ARCH_REFERENCE, 4, 1);
    net_init_params(net, 3);
    net_init_params(copy, 4);
    net_init_params(ref, 5);
    for (size_t i = 0; i < net->n_bn_state; i++) net->bn_state[i] += 0.25f * (float)(i % 7);
    uint8_t *buf;
    size_t n = model_save(net, NULL, &buf);
    CHECK(n > 0 && le_u32_load(buf + 8) == 5, "model file version 5");
    int has;
    CHECK(!model_read_arch_any(buf, n, &back, &has, err, sizeof err) && net_arch_same(&back, &arch) && !has,
          "model file's design: %s", err);
    CHECK(!model_load_any(copy, NULL, buf, n, err, sizeof err), "load: %s", err);
    CHECK(!memcmp(copy->params, net->params, net->n_params * sizeof(float)) &&
              !memcmp(copy->bn_state, net->bn_state, net->n_bn_state * sizeof(float)),
          "model file: weights not bit for bit");
    float keep = ref->params[0];
    CHECK(model_load_any(ref, NULL, buf, n, err, sizeof err) && strstr(err, spec) &&
              strstr(err, "c8k3 c16k3 c32k3 m2") && ref->params[0] == keep,
          "a design's file into the reference net: %s", err);
    /* its layer table altered (the second layer's kernel 3 -> 4), CRC re-stamped: refused by the
     * exercise's rule, as the same design in text is (the gate, arch_design_check) */
    uint8_t *bad = malloc(n);
    memcpy(bad, buf, n);
    le_u32_store(bad + 64 + 24 + 8, 4);
    le_u32_store(bad + n - 4, crc32_ieee(bad, n - 4));
    net_init_params(copy, 7);
    float copy_keep = copy->params[0];
    CHECK(model_load_any(copy, NULL, bad, n, err, sizeof err) &&
          strstr(err, "layer 2 (c8k4:same): kernel 4; a convolution's kernel is 1, 3, 5 or 7") &&
          copy->params[0] == copy_keep, "an impossible table in a model file: %s", err);
    free(bad);
    free(buf);

    n = safetensors_save(net, &buf);
    CHECK(n > 0 && strstr((const char *)buf + 8, spec), "safetensors: the design in the metadata");
    CHECK(!model_read_arch_any(buf, n, &back, NULL, err, sizeof err) && net_arch_same(&back, &arch),
          "safetensors' design: %s", err);
    net_init_params(copy, 6);
    CHECK(!model_load_any(copy, NULL, buf, n, err, sizeof err), "safetensors load: %s", err);
    CHECK(!memcmp(copy->params, net->params, net->n_params * sizeof(float)) &&
              !memcmp(copy->bn_state, net->bn_state, net->n_bn_state * sizeof(float)),
          "safetensors: weights not bit for bit");
    CHECK(model_load_any(ref, NULL, buf, n, err, sizeof err) && strstr(err, "the file is for the network") &&
              ref->params[0] == keep,
          "a design's safetensors into the reference net: %s", err);
    const char *names[] = {"conv1.weight",    "conv1.bias",   "conv2.weight", "bn2.weight",
                           "bn2.running_var", "conv3.weight", "bn3.bias",     "conv4.bias",
                           "fc1.weight",      "fc1.bias",     "fc2.weight",   "fc2.bias"};
    for (int i = 0; i < 12; i++)
        CHECK(strstr((const char *)buf + 8, names[i]) != NULL, "safetensors lacks %s", names[i]);
    CHECK(!strstr((const char *)buf + 8, "bn1.") && !strstr((const char *)buf + 8, "bn4.") &&
              !strstr((const char *)buf + 8, "\"fc.weight"),
          "a layer without BatchNorm has no bn tensors; two fully connected layers are fc1 and fc2");
    /* a design this app cannot run, named in the metadata: refused by its rule */
    char *at = strstr((char *)buf + 8, "fc10\"");
    if (at) { memcpy(at, "fc11\"", 5); }
    CHECK(model_read_arch_any(buf, n, &back, NULL, err, sizeof err) && strstr(err, "must be fc10"),
          "another design in the metadata: %s", err);
    free(buf);
    net_free(net); net_free(copy); net_free(ref);
}

/* files of versions before 4 (written before designs) read as the reference net */
static void older_files(void) {
    const char *path = getenv("MNIST_MODEL");
    if (!path) { printf("MNIST_MODEL not set: no older file is read\n"); return; }
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    NetArch arch;
    char err[600];
    CHECK(le_u32_load(buf + 8) < 4, "%s is a file of an older version", path);
    CHECK(!model_read_arch_any(buf, n, &arch, NULL, err, sizeof err) && net_arch_same(&arch, &NET_ARCH_REFERENCE),
          "older version: %s", err);
    Net *net = net_create(&arch, 2, 1);
    CHECK(!model_load_any(net, NULL, buf, n, err, sizeof err), "older version, load: %s", err);
    net_free(net);
}

int main(void) {
    text_form();
    int n = design_count(getenv("MNIST_DESIGNS"));
    printf("%d designs of MNIST_DESIGNS print back as written\n", n);
    CHECK(!getenv("MNIST_DESIGNS") || n >= 20, "MNIST_DESIGNS has %d designs", n);
    files_of_a_design();
    older_files();
    return check_summary("test_designs");
}
