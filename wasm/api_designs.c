/* api_designs.c - designs (web/worker/designs.js): the network in use (owned here), the design
 * the next one is made of, what an editor shows of a design, fresh weights.
 * A 64-bit seed arrives as two 32-bit halves (a JS number holds 53 bits).
 * A design switch is atomic: the new network is made first (with one thread, and no pool of
 * its own threads: it takes over the old one's), and only once it exists does it replace the
 * one in use; a design refused at any stage (its memory plan, the heap, a file) leaves the
 * design, the weights, the run and the data as they were. */
#include <emscripten/heap.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "nn/arch_spec.h"
#include "train/memory_plan.h"

static Net *net;
static NetArch pending;                /* the design the next api_create makes (api_set_design) */
static int pending_set;
static char design_text[ARCH_SPEC_MAX];
static uint64_t seed_of(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

Net *api_net(void) { return net; }

int api_design_fits(const NetArch *a) {
    char why[API_ERROR_MAX];
    if (!design_memory_check(a, why, sizeof why)) { api_fail("%s", why); return 0; }
    DesignMemory m;
    design_memory_plan(a, &m);
    size_t heap = emscripten_get_heap_size(), top = (size_t)sbrk(0);
    size_t free_now = (heap > top ? heap - top : 0) + (size_t)mallinfo().fordblks;
    if (m.net.total <= free_now) return 1;
    api_fail("the design's network needs %.0f MB and %.0f MB are free beside the model in use and the data; "
             "nothing changed", m.net.total / 1048576.0, free_now / 1048576.0);
    return 0;
}

void api_net_replace(Net *next, int threads) {
    if (net) {
        api_teaching_end();
        api_trainer_end();
        net_swap_pool(next, net);
        net_free(net);
    }
    net = next;
    pending_set = 0;                   /* a design asked for is used up by whatever replaced the network */
    net_set_threads(net, threads);
}

/* the design (its text form or a name) for the next api_create; 0, or 1 with api_error() and
 * nothing changed */
API int api_set_design(const char *spec) {
    NetArch a;
    if (arch_spec_parse(spec, &a, API_ERR)) return 1;
    if (!design_memory_check(&a, API_ERR)) return 1;
    pending = a;
    pending_set = 1;
    return 0;
}
/* the current network's design, canonical text ("" before api_create) */
API const char *api_design(void) {
    design_text[0] = 0;
    if (net) arch_spec_format(&net->arch, design_text, sizeof design_text);
    return design_text;
}
/* what an editor shows of a design (spec: text form or name) as JSON (arch_spec.h
 * arch_describe_json) in the buffer of api_saved_ptr; its length, or 0 with api_error() */
API int api_describe(const char *spec) {
    NetArch a;
    uint8_t **out = api_output_reset();
    if (arch_spec_parse(spec, &a, API_ERR)) return 0;
    if (!design_memory_check(&a, API_ERR)) return 0;
    char *json = arch_describe_json(&a, API_ERR);
    *out = (uint8_t *)json;
    return json ? (int)strlen(json) : 0;
}
/* A network of the design set by api_set_design (once: asked for, it is used up, made or
 * refused), else of the design in use (a reset), else the reference net, with fresh weights
 * from the seed; the run, a fine-tune and the recipe set so far end. On failure (the design's
 * memory, out of memory) nothing changed: the network, its weights, its run are as they were. */
API int api_create(int threads, uint32_t seed_lo, uint32_t seed_hi) {
    NetArch a = pending_set ? pending : net ? net->arch : NET_ARCH_REFERENCE;
    pending_set = 0;
    if (!api_design_fits(&a)) return 1;
    Net *next = net_create(&a, WASM_MAX_BATCH, 1);
    if (!next) { api_fail("out of memory creating the network; nothing changed"); return 1; }
    api_net_replace(next, threads);
    net_init_params(net, seed_of(seed_lo, seed_hi));
    api_config_reset();
    return 0;
}

/* fresh random weights (PyTorch's default initialisation) from seed; running statistics reset */
API void api_init_params(uint32_t seed_lo, uint32_t seed_hi) {
    if (!net) return;
    api_model_net();
    net_init_params(net, seed_of(seed_lo, seed_hi));
    api_weights_replaced();
}
API int api_param_count(void) { return net ? (int)net->n_params : 0; }
