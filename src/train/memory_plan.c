/* memory_plan.c - what a design costs in the app; see memory_plan.h. */
#include "memory_plan.h"
#include "trainer.h"
#include "teach.h"
#include "runtime/contract.h"
#include <stdio.h>

/* model_save: the model tensors (P + S), the optimiser's m and v (2P) and the weight average
 * (P + S), each with its name and shape; the header, the layer table and the run's fields */
size_t model_file_bound(size_t n_params, size_t n_bn_state) {
    size_t per_tensor = 4 + 40 + 4 + 4 * 4, tensors = 2 * NET_MAX_LAYERS * 3 + 8 + 3;
    size_t header = 8 + 4 + 4 + 32 + 16 + 24 * NET_MAX_LAYERS + 4 + 8 * 64 + 4 + 4;
    return (4 * n_params + 2 * n_bn_state) * sizeof(float) + per_tensor * tensors + header;
}

/* the inside view's copies (wasm/api_reading.c api_inspect_*, the worker's buffers): every conv
 * layer's output of one image, the first conv layer's filters, the saliency map */
static size_t inside_view_bytes(const Layer *L, int n_layers, const NetArch *arch) {
    size_t bytes = net_block_cost(sizeof(float) * (size_t)arch->in_c * arch->in_h * arch->in_w), filters = 0;
    for (int i = 0; i < n_layers; i++) {
        if (L[i].spec.kind != LAYER_CONV) continue;
        bytes += net_block_cost(sizeof(float) * (size_t)L[i].K * L[i].P * L[i].Q);
        if (!filters) filters = net_block_cost(sizeof(float) * L[i].fan_in * L[i].K);
    }
    return bytes + filters;
}

size_t design_memory_plan(const NetArch *arch, DesignMemory *m) {
    static const DesignMemory zero;
    *m = zero;
    Layer L[NET_MAX_LAYERS];
    size_t S;
    char err[200];
    size_t P = net_arch_plan(arch, L, &S, err, sizeof err);
    if (!P) return 0;
    static const int methods[] = { NET_CONV_DIRECT, NET_CONV_WINOGRAD };
    for (int k = 0; k < 2; k++) {
        NetOptions options = { methods[k] };
        NetMemory net;
        if (net_memory_plan(arch, LIMIT_MAX_BATCH, &options, &net) > m->net.total) m->net = net;
    }
    int teach_batch = (int)TEACH_INFO[TEACH_batch].max, train_images = (int)RUN_OPTION_INFO[RUN_subset].max;
    /* a run with the weight average, and the moment a saved run's average arrives in a trainer
     * set up without one (model_load: trainer_reserve makes the new backups before it frees the old) */
    m->training = trainer_memory_bytes(P, S, train_images, LIMIT_MAX_BATCH, 1)
                  + 2 * net_block_cost(sizeof(float) * (3 * P + S));
    m->teaching = teacher_memory_bytes(P, S, LIMIT_MY_DIGITS_MAX, teach_batch);
    m->files = 3 * model_file_bound(P, S);
    m->inside_view = inside_view_bytes(L, arch->n_layers, arch);
    m->total = m->net.total + m->training + m->teaching + m->files + m->inside_view;
    return m->total;
}

static double mb(size_t bytes) { return (double)bytes / 1048576.0; }

int design_memory_check(const NetArch *arch, char *err, size_t errlen) {
    DesignMemory m;
    if (!design_memory_plan(arch, &m)) { net_arch_validate(arch, err, errlen); return 0; }
    if (m.total <= (size_t)LIMIT_DESIGN_MAX_MB << 20) return 1;
    int n = snprintf(err, errlen, "the design needs %.0f MB at a batch of %d, more than the limit of %d MB (",
                     mb(m.total), LIMIT_MAX_BATCH, LIMIT_DESIGN_MAX_MB);
    for (int k = 0; k < NET_MEM_PARTS && n > 0 && (size_t)n < errlen; k++)
        n += snprintf(err + n, errlen - (size_t)n, "%s %.0f MB, ", NET_MEM_PART_NAMES[k], mb(m.net.part[k]));
    if (n > 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, "training state %.0f MB, fine-tune %.0f MB, files %.0f MB)",
                 mb(m.training), mb(m.teaching), mb(m.files));
    return 0;
}

/* The C stack and static data (5 MB of stack in Emscripten 3.1.6, TOTAL_STACK; the module's
 * data well under 1 MB), each pthread's stack (2 MB, DEFAULT_PTHREAD_STACK_SIZE) with its
 * thread block, the MNIST files as IDX (60,000 + 10,000 images and labels) and a person's
 * digits (kept, and a copy while they are handed over). */
enum { STACK_AND_DATA = 6 << 20, PTHREAD_BYTES = (2 << 20) + (64 << 10) };
size_t app_memory_bytes(void) {
    size_t mnist = (16 + 60000 * 784) + (8 + 60000) + (16 + 10000 * 784) + (8 + 10000);
    size_t digits = 2 * (size_t)LIMIT_MY_DIGITS_MAX * (1 + 784);
    return STACK_AND_DATA + (size_t)(LIMIT_MAX_THREADS - 1) * PTHREAD_BYTES + mnist + digits;
}

/* the largest of: a model file being read (LIMIT_MODEL_MAX_BYTES), a drawing of the largest
 * side as floats, a new copy of the training images while the old one is still held */
size_t app_memory_transient_bytes(void) {
    size_t file = (size_t)LIMIT_MODEL_MAX_BYTES,
           drawing = sizeof(float) * (size_t)LIMIT_DRAWING_MAX_SIDE * LIMIT_DRAWING_MAX_SIDE;
    size_t images = 16 + 60000 * 784, most = file > drawing ? file : drawing;
    return most > images ? most : images;
}
