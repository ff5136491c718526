/* api_training.c - the run (web/worker/training.js): the recipe set field by field (ids: CFG_* of
 * contract.h, CONFIG_FIELDS[i].id in JS, each checked against its range), the trainer made of it
 * over the network in use and the training data (both owned here), steps and progress. */
#include <string.h>
#include "api.h"
#include "runtime/settings.h"

static Trainer trainer;
static int trainer_ready;
static TrainConfig config;            /* the recipe being set field by field (api_config_set) */

Trainer *api_trainer(void) { return trainer_ready ? &trainer : NULL; }
const TrainConfig *api_recipe(void) { return &config; }
void api_trainer_end(void) { trainer_free(&trainer); trainer_ready = 0; }
void api_trainer_adopt(const Trainer *run) { trainer = *run; trainer_ready = 1; }

Net *api_model_net(void) {
    if (api_net() && trainer_ready) trainer_show_model(&trainer);
    return api_net();
}
void api_weights_replaced(void) { if (trainer_ready) trainer_adopt_model(&trainer); }

API void api_config_reset(void) { settings_default(&RECIPE_TABLE, &config); }
API int api_config_set(int id, double value) { return settings_set(&RECIPE_TABLE, &config, id, value, API_ERR); }
API int api_config_set_u64(int id, uint32_t lo, uint32_t hi) {
    return settings_set_u64(&RECIPE_TABLE, &config, id, lo, hi, API_ERR);
}
/* a new trainer for the recipe set so far, over the training data (as limited by api_limit_train) */
API int api_configure(void) {
    const IdxView *images = api_data_view(0), *labels = api_data_view(1);
    if (!api_net()) { api_fail("no network"); return 1; }
    if (!images || !labels) { api_fail("no training data loaded"); return 1; }
    if (trainer_ready) trainer_free(&trainer);
    trainer_ready = 0;
    if (trainer_init(&trainer, api_net(), &config, *images, *labels, API_ERR)) return 1;
    trainer_ready = 1;
    return 0;
}

API int api_train_steps(int n) {
    if (!trainer_ready) { api_fail("training is not configured"); return -1; }
    TRAP_POINT(TRAP_TRAIN);
    return trainer_steps(&trainer, n);
}
/* progress: PROGRESS_FIELDS of contract.h, in that order */
API void api_progress(double *out) {
    memset(out, 0, PROGRESS_COUNT * sizeof(double));
    if (!trainer_ready) return;
    out[PROGRESS_step] = (double)trainer.step; out[PROGRESS_total_steps] = (double)trainer.total_steps;
    out[PROGRESS_epoch] = trainer_epoch(&trainer); out[PROGRESS_steps_per_epoch] = trainer.steps_per_epoch;
    out[PROGRESS_loss] = trainer.last_loss; out[PROGRESS_lr] = trainer.last_lr;
    out[PROGRESS_diverged] = trainer.diverged;
    out[PROGRESS_epoch_loss] = trainer.epoch_loss_count ? trainer.epoch_loss_sum / trainer.epoch_loss_count : 0.0;
}
