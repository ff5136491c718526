/* api_data.c - the MNIST files the worker hands over (web/worker/data.js): which = 0 training
 * images, 1 training labels, 2 test images, 3 test labels, each validated, owned and kept here;
 * and the limit of the training set to its first images. */
#include <stdio.h>
#include <stdlib.h>
#include "api.h"

static uint8_t *files[4];
static IdxView views[4];                  /* views[i].count: as limited by api_limit_train */
static int view_ok[4];
static int full_count[4];                 /* items in each file */

const IdxView *api_data_view(int which) { return which >= 0 && which < 4 && view_ok[which] ? &views[which] : NULL; }

/* Takes ownership of buf (from api_malloc), validates, keeps it. Images and labels of a set
 * must agree in count: a file whose partner is loaded with another count is refused (and the
 * set keeps what it had). The training files stay while a fine-tune reads them. */
API int api_set_data(int which, uint8_t *buf, int len) {
    if (which < 0 || which > 3) { free(buf); api_fail("bad data slot"); return 1; }
    if (api_teaching_active() && which < 2) {
        free(buf);
        api_fail("a fine-tune is reading the training images: end it (or let it finish) before loading new ones; "
                 "nothing changed");
        return 1;
    }
    static const char *what[4] = { "training images", "training labels", "test images", "test labels" };
    IdxView v;
    char err[256];
    int bad = which % 2 == 0 ? idx_read_images(buf, (size_t)len, &v, err, sizeof err)
                             : idx_read_labels(buf, (size_t)len, 10, &v, err, sizeof err);
    if (!bad && which % 2 == 0 && (v.rows != 28 || v.cols != 28)) {
        snprintf(err, sizeof err, "images are %dx%d, not 28x28", v.rows, v.cols);
        bad = 1;
    }
    int partner = which ^ 1;
    if (!bad && view_ok[partner] && full_count[partner] != v.count) {
        snprintf(err, sizeof err, "%d items, but the %s loaded hold %d", v.count, what[partner], full_count[partner]);
        bad = 1;
    }
    if (bad) { free(buf); api_fail("%s: %s", what[which], err); return 1; }
    if (api_trainer() && which < 2) api_trainer_end();
    free(files[which]);
    files[which] = buf; views[which] = v; view_ok[which] = 1; full_count[which] = v.count;
    if (view_ok[partner]) views[partner].count = v.count;     /* a limit (api_limit_train) is undone */
    return 0;
}
API int api_data_count(int which) { return which >= 0 && which < 4 && view_ok[which] ? views[which].count : 0; }

/* limit the training set to its first n images (0: all); call before api_configure */
API int api_limit_train(int n) {
    const FieldInfo *f = &RUN_OPTION_INFO[RUN_subset];
    if (n < f->min || n > f->max) { api_fail("%s %d is outside %g..%g", f->name, n, f->min, f->max); return 1; }
    if (!view_ok[0] || !view_ok[1]) { api_fail("no training data loaded"); return 1; }
    int full = full_count[0];             /* = full_count[1]: api_set_data keeps the pair equal */
    views[0].count = views[1].count = n > 0 && n < full ? n : full;
    return 0;
}
