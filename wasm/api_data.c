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

static const char *const DATA_WHAT[4] = { "training images", "training labels", "test images", "test labels" };

/* reads file `which` into *v, or says in err what is wrong with it (the buffer stays the caller's) */
static int data_read(int which, const uint8_t *buf, int len, IdxView *v, char *err, size_t errlen) {
    int bad = which % 2 == 0 ? idx_read_images(buf, (size_t)len, v, err, errlen)
                             : idx_read_labels(buf, (size_t)len, 10, v, err, errlen);
    if (!bad && which % 2 == 0 && (v->rows != 28 || v->cols != 28)) {
        snprintf(err, errlen, "images are %dx%d, not 28x28", v->rows, v->cols);
        bad = 1;
    }
    return bad;
}

/* file `which` (read into v) replaces the one held; the caller checked it against its partner */
static void data_keep(int which, uint8_t *buf, const IdxView *v) {
    if (api_trainer() && which < 2) api_trainer_end();
    free(files[which]);
    files[which] = buf; views[which] = *v; view_ok[which] = 1; full_count[which] = v->count;
}

static int refuse_during_session(void) {
    api_fail("a fine-tune is reading the training images: end it (or let it finish) before loading new ones; "
             "nothing changed");
    return 1;
}

/* Takes ownership of buf (from api_malloc), validates, keeps it. Images and labels of a set
 * must agree in count: a file whose partner is loaded with another count is refused (and the
 * set keeps what it had). The training files stay while a fine-tune reads them. */
API int api_set_data(int which, uint8_t *buf, int len) {
    if (which < 0 || which > 3) { free(buf); api_fail("bad data slot"); return 1; }
    if (api_teaching_active() && which < 2) { free(buf); return refuse_during_session(); }
    IdxView v;
    char err[256];
    int bad = data_read(which, buf, len, &v, err, sizeof err);
    int partner = which ^ 1;
    if (!bad && view_ok[partner] && full_count[partner] != v.count) {
        snprintf(err, sizeof err, "%d items, but the %s loaded hold %d", v.count, DATA_WHAT[partner],
                 full_count[partner]);
        bad = 1;
    }
    if (bad) { free(buf); api_fail("%s: %s", DATA_WHAT[which], err); return 1; }
    data_keep(which, buf, &v);
    if (view_ok[partner]) views[partner].count = v.count;     /* a limit (api_limit_train) is undone */
    return 0;
}

/* All four files at once (training images, labels, test images, labels; each from api_malloc,
 * owned by the core from here on): every file is read and each pair checked for equal counts
 * before any replaces the data held, so a set of any size replaces the one in use, and a
 * refused set leaves it as it was (the four buffers are freed then). */
API int api_set_data_all(uint8_t *b0, int l0, uint8_t *b1, int l1, uint8_t *b2, int l2, uint8_t *b3, int l3) {
    uint8_t *buf[4] = { b0, b1, b2, b3 };
    int len[4] = { l0, l1, l2, l3 }, bad = 0;
    IdxView v[4];
    char err[256] = "";
    if (api_teaching_active()) bad = refuse_during_session();
    for (int i = 0; i < 4 && !bad; i++)
        if (data_read(i, buf[i], len[i], &v[i], err, sizeof err)) {
            api_fail("%s: %s", DATA_WHAT[i], err);
            bad = 1;
        }
    for (int i = 0; i < 4 && !bad; i += 2)
        if (v[i].count != v[i + 1].count) {
            api_fail("%d %s but %d %s; nothing changed", v[i].count, DATA_WHAT[i], v[i + 1].count, DATA_WHAT[i + 1]);
            bad = 1;
        }
    if (bad) { for (int i = 0; i < 4; i++) free(buf[i]); return 1; }
    for (int i = 0; i < 4; i++) data_keep(i, buf[i], &v[i]);
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

/* the training set's limit now (images used), and that limit put back (a refused resume) */
int api_train_limit(void) { return view_ok[0] ? views[0].count : 0; }
void api_train_limit_restore(int count) { if (view_ok[0] && view_ok[1]) views[0].count = views[1].count = count; }
