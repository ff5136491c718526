/* api_teaching.c - teaching my digits (web/worker/teaching.js, train/teach.h): the digits are
 * copied in (api_teach_digits), the settings set by id (TEACH_FIELDS of contract.h), then the
 * session runs in bounded pieces over the MNIST training images (as limited by api_limit_train).
 * api_teach_end(0) puts back the weights the fine-tune started from. Owns the session, its
 * settings and the digits. */
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "formats/my_digits.h"
#include "runtime/settings.h"
#include "train/teach.h"

static TeachConfig teach_config;
static int teach_config_ready;
static TeachSession session;
static int session_active;                /* a fine-tune is running (it reads the training files) */
static uint8_t *my_labels, *my_pixels;
static int my_count;

int api_teaching_active(void) { return session_active; }
void api_teaching_end(void) { if (session_active) teach_session_free(&session); session_active = 0; }

API void api_teach_config_reset(void) {
    settings_default(&TEACH_TABLE, &teach_config);
    teach_config_ready = 1;
}
API int api_teach_set(int id, double value) {
    if (!teach_config_ready) api_teach_config_reset();
    return settings_set(&TEACH_TABLE, &teach_config, id, value, API_ERR);
}
/* n digits: labels (n), pixels (n x 784, 0..255); copied */
API int api_teach_digits(const uint8_t *labels, const uint8_t *pixels, int n) {
    if (n < 0 || n > LIMIT_MY_DIGITS_MAX) {
        api_fail("%d digits: 0 to %d can be taught", n, LIMIT_MY_DIGITS_MAX);
        return 1;
    }
    for (int i = 0; i < n; i++)
        if (labels[i] > 9) { api_fail("digit %d has label %d, not 0-9", i + 1, labels[i]); return 1; }
    api_teaching_end();
    uint8_t *l = malloc((size_t)n + 1), *p = malloc((size_t)n * MY_DIGIT_PIXELS + 1);
    if (!l || !p) { free(l); free(p); api_fail("out of memory"); return 1; }
    memcpy(l, labels, (size_t)n);
    memcpy(p, pixels, (size_t)n * MY_DIGIT_PIXELS);
    free(my_labels); free(my_pixels);
    my_labels = l; my_pixels = p; my_count = n;
    return 0;
}
API int api_teach_begin(void) {
    const IdxView *images = api_data_view(0), *labels = api_data_view(1);
    if (!api_net()) { api_fail("no network"); return 1; }
    if (!images || !labels) {
        api_fail("MNIST is not loaded yet: the fine-tune mixes MNIST training images in");
        return 1;
    }
    if (!teach_config_ready) api_teach_config_reset();
    api_teaching_end();
    if (teach_session_begin(&session, api_model_net(), &teach_config, my_labels, my_pixels, my_count, *images, *labels,
                            API_ERR)) {
        teach_session_free(&session);
        return 1;
    }
    session_active = 1;
    return 0;
}
/* at most n steps; the steps run, -1 with api_error() */
API int api_teach_steps(int n) {
    if (!session_active) { api_fail("no fine-tune is running"); return -1; }
    TRAP_POINT(TRAP_TRAIN);
    return teach_session_steps(&session, n, API_ERR);
}
/* TEACH_PROGRESS_FIELDS of contract.h, in that order */
API void api_teach_progress(double *out) {
    memset(out, 0, TEACH_PROGRESS_COUNT * sizeof(double));
    if (!session_active) return;
    const TeachSession *s = &session;
    out[TEACH_PROGRESS_steps_done] = s->steps_done; out[TEACH_PROGRESS_total_steps] = s->total_steps;
    out[TEACH_PROGRESS_checking] = s->checking; out[TEACH_PROGRESS_done] = s->done;
    out[TEACH_PROGRESS_diverged] = s->diverged; out[TEACH_PROGRESS_loss] = s->teacher.last_loss;
    out[TEACH_PROGRESS_held_count] = s->held_count; out[TEACH_PROGRESS_held_before] = s->held_before;
    out[TEACH_PROGRESS_held_after] = s->held_after; out[TEACH_PROGRESS_all_count] = s->all_count;
    out[TEACH_PROGRESS_all_before] = s->all_before; out[TEACH_PROGRESS_all_after] = s->all_after;
}
/* stop a fine-tune: keep its weights (keep = 1, when it is done) or put back the ones it started from */
API void api_teach_end(int keep) {
    if (session_active && !keep) teacher_restore(&session.teacher);
    if (session_active && keep && api_trainer())
        trainer_adopt_model(api_trainer());   /* a paused run goes on from what was taught */
    api_teaching_end();
}
