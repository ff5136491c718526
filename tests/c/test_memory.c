/* test_memory.c - the memory plans (nn/net.h net_memory_plan, train/memory_plan.h) against what
 * the allocator really hands out:
 *   net_create_with, for named and random designs, both conv methods and two batch sizes: the
 *     plan is at least the bytes allocated and at most 2 % (plus 64 KB) above them;
 *   trainer_init (with and without the weight average) and teacher_init: the same;
 *   model_save of a run with its average, and the exports: no larger than the plan's file bound;
 *   the app's budget: the app's own memory, two designs at the limit (a switch) or one and the
 *     largest single buffer of a job, fit the wasm heap;
 *   the limit: the named designs and the reference net fit it; the design of issue 31, which
 *     passed the old limits but needs ~600 MB, is refused with its parts named;
 *   onnx_export of a design without a text form refuses with the reason and frees what it made.
 * Bytes in use: glibc's mallinfo2 (blocks in the heap and mapped), or under AddressSanitizer
 * its allocator's count. */
#include "nn/net.h"
#include "nn/arch_spec.h"
#include "train/trainer.h"
#include "train/teach.h"
#include "train/memory_plan.h"
#include "formats/model_io.h"
#include "formats/export_onnx.h"
#include "formats/safetensors.h"
#include "check.h"
#include "tools/synthetic.h"
#include <stdlib.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
/* libasan's own count (gcc's and clang's runtimes both have it; only clang ships its header) */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t live_bytes(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static size_t live_bytes(void) { struct mallinfo2 m = mallinfo2(); return m.uordblks + m.hblkhd; }
#endif

/* the plan covers what was allocated, and is not far above it */
static void close_above(const char *what, size_t plan, size_t actual) {
    CHECK(plan >= actual, "%s: plan %zu bytes < %zu allocated", what, plan, actual);
    CHECK(plan <= actual + actual / 50 + (64 << 10), "%s: plan %zu bytes, far above the %zu allocated", what, plan,
          actual);
}

static size_t pool_bytes(void) {           /* a pool of one thread: its struct only (net.h: the plan leaves it aside) */
    size_t before = live_bytes();
    Pool *p = pool_create(1);
    size_t bytes = live_bytes() - before;
    pool_destroy(p);
    return bytes;
}

static void test_net(const char *spec, int batch, int conv) {
    NetArch a;
    char err[600], what[200];
    CHECK(!arch_spec_parse(spec, &a, err, sizeof err), "%s: %s", spec, err);
    NetOptions options = { conv };
    NetMemory m;
    size_t plan = net_memory_plan(&a, batch, &options, &m), pool = pool_bytes(), before = live_bytes();
    Net *net = net_create_with(&a, batch, 1, &options);
    size_t actual = live_bytes() - before - pool;
    snprintf(what, sizeof what, "net %s, batch %d, %s", spec, batch, conv == NET_CONV_DIRECT ? "direct" : "winograd");
    CHECK(net != NULL, "%s: not created", what);
    close_above(what, plan, actual);
    if (batch == LIMIT_MAX_BATCH)
        printf("%s: plan %.2f MB, allocated %.2f MB\n", what, plan / 1048576.0, actual / 1048576.0);
    size_t sum = 0;
    for (int k = 0; k < NET_MEM_PARTS; k++) sum += m.part[k];
    CHECK(sum == m.total && m.total == plan, "%s: the parts add up to %zu, the total is %zu", what, sum, m.total);
    net_free(net);
}

static void test_training(const char *spec, int batch) {
    NetArch a;
    char err[600];
    CHECK(!arch_spec_parse(spec, &a, err, sizeof err), "%s: %s", spec, err);
    Net *net = net_create(&a, batch, 1);
    IdxView x, y;
    synthetic_mnist(1000, 1, &x, &y);
    for (int average = 0; average < 2; average++) {
        TrainConfig cfg;
        settings_default(&RECIPE_TABLE, &cfg);
        cfg.batch = batch; cfg.epochs = 1; cfg.ema = average ? 0.5f : 0.0f;
        Trainer t;
        size_t before = live_bytes();
        CHECK(!trainer_init(&t, net, &cfg, x, y, err, sizeof err), "trainer_init: %s", err);
        size_t actual = live_bytes() - before;
        char what[200];
        snprintf(what, sizeof what, "trainer of %s, average %d", spec, average);
        close_above(what, trainer_memory_bytes(net->n_params, net->n_bn_state, x.count, net->max_batch, average),
                    actual);
        if (average) { /* a saved run with its average begun fits the file bound, so do the exports */
            trainer_steps(&t, 2);
            uint8_t *file = NULL;
            size_t n = model_save(net, &t, &file), bound = model_file_bound(net->n_params, net->n_bn_state);
            CHECK(n > 0 && n <= bound, "%s: a saved run of %zu bytes, the bound %zu", spec, n, bound);
            free(file);
            n = onnx_export(net, &file, err, sizeof err);
            CHECK(n > 0 && n <= bound, "%s: ONNX of %zu bytes, the bound %zu", spec, n, bound);
            free(file);
            n = safetensors_save(net, &file);
            CHECK(n > 0 && n <= bound, "%s: safetensors of %zu bytes, the bound %zu", spec, n, bound);
            free(file);
        }
        trainer_free(&t);
    }
    uint8_t labels[300], *pixels = calloc(300, 784);
    for (int i = 0; i < 300; i++) labels[i] = (uint8_t)(i % 10);
    TeachConfig tc;
    settings_default(&TEACH_TABLE, &tc);
    tc.batch = batch;
    Teacher teacher;
    size_t before = live_bytes();
    CHECK(!teacher_init(&teacher, net, &tc, labels, pixels, 300, TEACH_PART_ALL, x, y, err, sizeof err),
          "teacher_init: %s", err);
    size_t actual = live_bytes() - before;
    char what[200];
    snprintf(what, sizeof what, "teacher of %s", spec);
    close_above(what, teacher_memory_bytes(net->n_params, net->n_bn_state, 300, batch), actual);
    teacher_free(&teacher);
    free(pixels); free((void *)x.data); free((void *)y.data);
    net_free(net);
}

static void test_limits(void) {
    size_t mb = 1 << 20, design = (size_t)LIMIT_DESIGN_MAX_MB * mb, app = app_memory_bytes(),
           job = app_memory_transient_bytes();
    size_t two = 2 * design > design + job ? 2 * design : design + job;
    CHECK(app + two <= (size_t)LIMIT_WASM_HEAP_MB * mb,
          "the app (%zu MB) and two designs or a design and a job (%zu MB) exceed the %d MB heap", app / mb, two / mb,
          LIMIT_WASM_HEAP_MB);
    char err[600];
    static const char *const fit[] = { "reference", "no-bn", "no-transitions", "flat-fc", "no-dropout", "small" };
    for (size_t i = 0; i < sizeof fit / sizeof fit[0]; i++) {
        NetArch a;
        CHECK(!arch_spec_parse(fit[i], &a, err, sizeof err) && design_memory_check(&a, err, sizeof err), "%s: %s",
              fit[i], err);
    }
    NetArch big;
    CHECK(!arch_spec_parse("c16k3 m2 c16k3 m2 c256k3 c400k3 gap fc10", &big, err, sizeof err), "%s",
          err); /* within the old limits */
    DesignMemory m;
    size_t total = design_memory_plan(&big, &m);
    CHECK(total > 500 * mb && m.net.part[NET_MEM_CHUNK_GRADS] > 300 * mb,
          "issue 31's design: %zu MB, %zu MB of chunk gradients", total / mb, m.net.part[NET_MEM_CHUNK_GRADS] / mb);
    CHECK(!design_memory_check(&big, err, sizeof err) && strstr(err, "more than the limit of 150 MB") &&
              strstr(err, "per-chunk weight gradients"),
          "issue 31's design: %s", err);
    NetArch bad = NET_ARCH_REFERENCE;
    bad.layers[0].out_c = 0;
    CHECK(!design_memory_plan(&bad, &m) && !design_memory_check(&bad, err, sizeof err) && strstr(err, "layer 1"),
          "an invalid table: %s", err);
}

static void test_onnx_refusal(void) {
    /* valid for the network, but its text form is longer than ARCH_SPEC_MAX: 28 x 28 down to
     * 2 x 2, then 19 layers of "c100k1:same:nobn:d0.1234567" */
    NetArch a = {"long",
                 1,
                 28,
                 28,
                 NET_MAX_LAYERS,
                 {{LAYER_CONV, 8, 15, LAYER_NO_BN}, {LAYER_CONV, 8, 7, LAYER_NO_BN}, {LAYER_CONV, 8, 7, LAYER_NO_BN}}};
    for (int i = 3; i < NET_MAX_LAYERS - 2; i++)
        a.layers[i] = (LayerSpec){ LAYER_CONV, 100, 1, LAYER_PAD_SAME | LAYER_NO_BN | LAYER_OWN_DROPOUT, 0.1234567f };
    a.layers[NET_MAX_LAYERS - 2] = (LayerSpec){ LAYER_GAP, 0, 0, 0, 0 };
    a.layers[NET_MAX_LAYERS - 1] = (LayerSpec){ LAYER_DENSE, 10, 0, 0, 0 };
    char text[ARCH_SPEC_MAX];
    CHECK(arch_spec_format(&a, text, sizeof text) != 0, "the long design has a text form: %s", text);
    Net *net = net_create(&a, 1, 1);
    CHECK(net != NULL, "the long design");
    char err[200] = "";
    uint8_t *out = (uint8_t *)1;
    size_t before = live_bytes();
    CHECK(onnx_export(net, &out, err, sizeof err) == 0 && out == NULL && strstr(err, "no text form"),
          "ONNX of a design without text: %s", err);
    CHECK(live_bytes() == before, "ONNX export refused, %zu bytes left allocated", live_bytes() - before);
    net_free(net);
}

int main(void) {
    static const char *const designs[] = {
        "reference", "small", "no-transitions", "flat-fc",
        "c6k5:same:nobn:d0.05 c8k3:same m2 c10k3:d0 c4k1:nobn flat fc12:d0.3 fc10",
        "m2 m2 c64k3 c400k3 gap fc10",
    };
    for (size_t i = 0; i < sizeof designs / sizeof designs[0]; i++)
        for (int conv = NET_CONV_DIRECT; conv <= NET_CONV_WINOGRAD; conv++) {
            test_net(designs[i], LIMIT_MAX_BATCH, conv);
            test_net(designs[i], 7, conv);
        }
    test_training("reference", 64);
    test_training("m2 m2 c64k3 c400k3 gap fc10", 16);
    test_limits();
    test_onnx_refusal();
    return check_summary("test_memory");
}
