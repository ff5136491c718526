/* api_train.c - the public header's training recipe, trainer and evaluation over the core
 * (runtime/settings.h over the recipe's table, train/trainer.h). */
#include "api/api.h"
#include "runtime/settings.h"
#include <stdlib.h>
#include <string.h>

/* ---------- the recipe ---------- */

const char *mnist_train_preset_name(int i) { return train_preset_name(i); }
const char *mnist_train_preset_help(int i) { return train_preset_help(i); }
static const FieldInfo *field_at(int i) { return i >= 0 && i < RECIPE_TABLE.count ? &RECIPE_TABLE.fields[i] : NULL; }
const char *mnist_train_field_name(int i) { return field_at(i) ? field_at(i)->name : NULL; }
const char *mnist_train_field_help(int i) { return field_at(i) ? field_at(i)->help : NULL; }

MnistTrainConfig *mnist_train_config_create(const char *preset, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    MnistTrainConfig *cfg = malloc(sizeof *cfg);
    if (!cfg) { api_fail(err, errlen, "out of memory"); return NULL; }
    if (!preset) settings_default(&RECIPE_TABLE, &cfg->c);
    else if (train_config_preset(&cfg->c, preset, err, errlen)) { free(cfg); return NULL; }
    return cfg;
}

void mnist_train_config_free(MnistTrainConfig *cfg) { free(cfg); }

/* the field's id, or -1 and a message listing the fields */
static int field_id(const char *field, char *err, size_t errlen) {
    int id = field ? settings_find(&RECIPE_TABLE, field) : -1;
    if (id >= 0) return id;
    int n = snprintf(err, errlen, "the recipe has no field \"%s\" (", field ? field : "(null)");
    for (int i = 0; field_at(i) && n > 0 && (size_t)n < errlen; i++)
        n += snprintf(err + n, errlen - (size_t)n, "%s%s", field_at(i)->name, field_at(i + 1) ? ", " : ")");
    return -1;
}

/* "name=value" into c (the value as the command line takes it) */
static int apply_one(TrainConfig *c, const char *change, size_t len, char *err, size_t errlen) {
    char text[128];
    if (len >= sizeof text) return api_fail(err, errlen, "recipe change \"%.40s...\" is too long", change);
    memcpy(text, change, len);
    text[len] = 0;
    char *eq = strchr(text, '=');
    if (!eq || eq == text || !eq[1]) return api_fail(err, errlen, "recipe change \"%s\" is not name=value", text);
    *eq = 0;
    int id = field_id(text, err, errlen);
    return id < 0 || settings_parse(&RECIPE_TABLE, c, id, eq + 1, err, errlen);
}

int mnist_train_config_apply(MnistTrainConfig *cfg, const char *changes, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!cfg || !changes) return api_fail(err, errlen, "no recipe or no changes given");
    TrainConfig c = cfg->c;                        /* all or none */
    for (const char *p = changes; *p;) {
        size_t skip = strspn(p, " \t\n"), len = strcspn(p + skip, " \t\n");
        if (len && apply_one(&c, p + skip, len, err, errlen)) return 1;
        p += skip + len;
    }
    cfg->c = c;
    return 0;
}

int mnist_train_config_set(MnistTrainConfig *cfg, const char *field, double value, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!cfg) return api_fail(err, errlen, "no recipe given");
    int id = field_id(field, err, errlen);
    return id < 0 || settings_set(&RECIPE_TABLE, &cfg->c, id, value, err, errlen);
}

int mnist_train_config_get(const MnistTrainConfig *cfg, const char *field, double *value, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!cfg || !value) return api_fail(err, errlen, "no recipe or no value given");
    int id = field_id(field, err, errlen);
    if (id < 0) return 1;
    *value = settings_get(&RECIPE_TABLE, &cfg->c, id);
    return 0;
}

/* ---------- training ---------- */

MnistTrainer *mnist_trainer_create(MnistNet *net, const MnistTrainConfig *cfg, MnistIdxView images,
                                   MnistIdxView labels, char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!net || !cfg) { api_fail(err, errlen, "training: no network or no recipe given"); return NULL; }
    if (api_check_labelled(&images, &labels, "training", err, errlen)) return NULL;
    if (images.count == 0) { api_fail(err, errlen, "training: no images"); return NULL; }
    MnistTrainer *t = malloc(sizeof *t);
    if (!t) { api_fail(err, errlen, "out of memory"); return NULL; }
    if (trainer_init(&t->t, net->net, &cfg->c, api_idx(images), api_idx(labels), err, errlen)) {
        free(t);
        return NULL;
    }
    t->owner = net;
    return t;
}

void mnist_trainer_free(MnistTrainer *t) {
    if (!t) return;
    trainer_free(&t->t);
    free(t);
}

int mnist_trainer_steps(MnistTrainer *t, int n) { return n > 0 ? trainer_steps(&t->t, n) : 0; }

void mnist_trainer_progress(const MnistTrainer *t, MnistProgress *p) {
    const Trainer *r = &t->t;
    p->step = r->step, p->total_steps = r->total_steps;
    p->epoch = trainer_epoch(r), p->steps_per_epoch = r->steps_per_epoch;
    p->loss = r->last_loss, p->lr = r->last_lr;
    p->epoch_loss = r->epoch_loss_count ? r->epoch_loss_sum / r->epoch_loss_count : 0;
    p->done = trainer_done(r), p->diverged = r->diverged;
}

void mnist_trainer_show_model(MnistTrainer *t) { trainer_show_model(&t->t); }

int mnist_evaluate(MnistNet *net, MnistTrainer *t, MnistIdxView images, MnistIdxView labels, MnistEvaluation *out,
                   char *err, size_t errlen) {
    API_ERR_OR_SCRATCH(err, errlen);
    if (!net || !out) return api_fail(err, errlen, "evaluation: no network or no result given");
    if (t && t->owner != net) return api_fail(err, errlen, "evaluation: the trainer is another network's");
    if (api_check_labelled(&images, &labels, "evaluation", err, errlen)) return 1;
    static const EvalAccum none;
    EvalAccum *acc = malloc(sizeof *acc);          /* the gallery of misclassified images makes it large */
    if (!acc) return api_fail(err, errlen, "out of memory");
    *acc = none;
    IdxView x = api_idx(images), y = api_idx(labels);
    if (t) trainer_show_model(&t->t);
    int failed = trainer_eval_range(net->net, &x, &y, 0, x.count, acc, err, errlen);
    if (!failed) {
        out->count = acc->count, out->correct = acc->correct;
        out->loss = acc->count ? acc->loss_sum / acc->count : 0;
        memcpy(out->confusion, acc->confusion, sizeof out->confusion);
    }
    free(acc);
    return failed;
}
