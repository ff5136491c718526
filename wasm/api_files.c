/* api_files.c - model files (web/worker/models.js): saved (with the run, when asked), loaded (a
 * file of another design switches the network to it), exported (ONNX, safetensors, PyTorch code).
 * Owns the output buffer that api_saved_ptr gives (a saved file, an export, a description, a
 * my-digits file): each output replaces the one before. */
#include <stdlib.h>
#include "api.h"
#include "formats/export_onnx.h"
#include "formats/export_pytorch.h"
#include "formats/model_any.h"
#include "formats/safetensors.h"
#include "nn/arch_spec.h"

static uint8_t *saved;
uint8_t **api_output_reset(void) {
    free(saved);
    saved = NULL;
    return &saved;
}
API uint8_t *api_saved_ptr(void) { return saved; }

/* the model (with its run when with_training and one is configured) into the output buffer; its size */
API int api_save(int with_training) {
    uint8_t **out = api_output_reset();
    if (!api_net()) return 0;
    Net *model = api_model_net();
    return (int)model_save(model, with_training ? api_trainer() : NULL, out);
}

/* A file of another design: a network of that design is made and the file loaded into it
 * first (with its run into a trainer of its own, when asked); it replaces the one in use only
 * if all of that worked, so a refused file leaves the model in use, and its run, as they were. */
static int load_other_design(const NetArch *arch, const uint8_t *buf, int len, int with_run) {
    if (!api_design_fits(arch)) return 1;
    Net *next = net_create(arch, WASM_MAX_BATCH, 1);
    if (!next) { api_fail("out of memory creating the file's network; nothing changed"); return 1; }
    Trainer run;
    const IdxView *images = api_data_view(0), *labels = api_data_view(1);
    if (with_run && (!images || !labels)) { api_fail("no training data loaded"); net_free(next); return 1; }
    if (with_run && trainer_init(&run, next, api_recipe(), *images, *labels, API_ERR)) { net_free(next); return 1; }
    if (model_load_any(next, with_run ? &run : NULL, buf, (size_t)len, API_ERR)) {
        if (with_run) trainer_free(&run);
        net_free(next);
        return 1;
    }
    api_net_replace(next, pool_threads(api_net()->pool));   /* ends the old network's run; its pool goes on */
    if (with_run) api_trainer_adopt(&run);
    return 0;
}

/* with_training: restore the run too (needs training data and a configured trainer).
 * A safetensors file is read too (weights only). */
API int api_load(const uint8_t *buf, int len, int with_training) {
    Net *net = api_net();
    if (!net) { api_fail("no network"); return 1; }
    NetArch file_design;
    int file_has_training = 0;
    if (model_read_arch_any(buf, (size_t)len, &file_design, &file_has_training, API_ERR)) return 1;
    if (!net_arch_same(&file_design, &net->arch))
        return load_other_design(&file_design, buf, len, with_training && file_has_training);
    if (safetensors_detect(buf, (size_t)len)) {
        api_model_net();
        int rc = safetensors_load(net, buf, (size_t)len, API_ERR);
        if (rc == 0) api_weights_replaced();
        return rc;
    }
    int has_training = 0;
    NetArch arch;
    if (model_read_arch(buf, (size_t)len, &arch, &has_training, API_ERR)) return 1;
    Trainer *t = NULL;
    if (with_training && has_training) {
        if (!api_trainer() && api_configure()) return 1;
        t = api_trainer();
    }
    if (!t) api_model_net();
    int rc = model_load(net, t, buf, (size_t)len, API_ERR);
    if (rc == 0 && !t) api_weights_replaced();
    return rc;
}

/* A run continued from its checkpoint (a model file saved with its run): the training set
 * limited to `subset` images (0: all) as the run had it, the recipe set by api_config_set, a
 * trainer made beside the one in use and the file loaded into it. The trainer, the limit, the
 * weights and the design in use are replaced only if all of that worked: a refused checkpoint
 * leaves them, and a run that ended before it, as they were. */
static int resume_same_design(const uint8_t *buf, int len) {
    Net *net = api_net();
    float dropout = net->dropout, label_smoothing = net->label_smoothing;   /* trainer_init sets them */
    const IdxView *images = api_data_view(0), *labels = api_data_view(1);
    Trainer run;
    int bad = trainer_init(&run, net, api_recipe(), *images, *labels, API_ERR);
    if (!bad && model_load(net, &run, buf, (size_t)len, API_ERR)) { trainer_free(&run); bad = 1; }
    if (bad) { net->dropout = dropout; net->label_smoothing = label_smoothing; return 1; }
    if (api_trainer()) api_trainer_end();
    api_trainer_adopt(&run);
    return 0;
}
API int api_resume(const uint8_t *buf, int len, int subset) {
    if (!api_net()) { api_fail("no network"); return 1; }
    NetArch design;
    int has_run = 0;
    if (model_read_arch_any(buf, (size_t)len, &design, &has_run, API_ERR)) return 1;
    if (!has_run) {
        api_fail("the file holds weights only (saved without its run): there is no run to continue");
        return 1;
    }
    int limit_before = api_train_limit();
    if (api_limit_train(subset)) return 1;
    int rc = net_arch_same(&design, &api_net()->arch) ? resume_same_design(buf, len)
                                                      : load_other_design(&design, buf, len, 1);
    if (rc) api_train_limit_restore(limit_before);
    return rc;
}

/* the current weights as ONNX (format 0) or safetensors (1), or the design as PyTorch code (2,
 * export_pytorch.h), in the output buffer; returns the size, 0 with api_error() on failure
 * (another format is refused: it does not become one of these) */
enum { EXPORT_ONNX = 0, EXPORT_SAFETENSORS = 1, EXPORT_PYTORCH = 2 };
API int api_export(int format) {
    uint8_t **out = api_output_reset();
    Net *net = api_net();
    if (format < EXPORT_ONNX || format > EXPORT_PYTORCH) {
        api_fail("export format %d: 0 (ONNX), 1 (safetensors) or 2 (PyTorch code)", format);
        return 0;
    }
    if (!net) { api_fail("no network"); return 0; }
    char spec[ARCH_SPEC_MAX];                 /* every format names the design by its text form */
    if (arch_spec_format(&net->arch, spec, sizeof spec)) { api_fail("the design has no text form"); return 0; }
    api_model_net();
    size_t n;
    if (format == EXPORT_PYTORCH) n = pytorch_export(net, (char **)out, API_ERR);
    else if (format == EXPORT_ONNX) n = onnx_export(net, out, API_ERR);
    else if (!(n = safetensors_save(net, out))) api_fail("out of memory");
    return (int)n;
}
