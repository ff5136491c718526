/* api_evaluation.c - the test set's evaluation in slices (web/worker/evaluation.js), with
 * trainer_eval_range: the project's one evaluation. Owns the accumulator. */
#include <string.h>
#include "api.h"

static EvalAccum eval_acc;

API void api_eval_reset(void) { memset(&eval_acc, 0, sizeof eval_acc); }
/* count test images from image start into the accumulator; the images done, -1 with api_error() */
API int api_eval(int start, int count) {
    const IdxView *images = api_data_view(2), *labels = api_data_view(3);
    if (!api_net() || !images || !labels) { api_fail("no test data loaded"); return -1; }
    if (start < 0 || count < 0 || start > images->count || count > images->count - start) {
        api_fail("evaluation range: %d images from image %d, but the test set has %d", count, start, images->count);
        return -1;
    }
    TRAP_POINT(TRAP_EVAL);
    int before = eval_acc.count;
    if (trainer_eval_range(api_model_net(), images, labels, start, count, &eval_acc, API_ERR)) return -1;
    return eval_acc.count - before;
}
/* EVAL_FIELDS of contract.h in that order, then the confusion matrix (row = truth) */
API void api_eval_result(double *out) {
    out[EVAL_count] = eval_acc.count; out[EVAL_correct] = eval_acc.correct; out[EVAL_loss_sum] = eval_acc.loss_sum;
    out[EVAL_misclassified] = eval_acc.n_misclassified;
    for (int i = 0; i < LIMIT_CLASSES * LIMIT_CLASSES; i++)
        out[EVAL_COUNT + i] = eval_acc.confusion[i / LIMIT_CLASSES][i % LIMIT_CLASSES];
}
/* misclassified image i (< the count above): [index, truth, predicted] and the probabilities */
API int api_eval_misclassified(int i, int *index_truth_pred, float *probs) {
    if (i < 0 || i >= eval_acc.n_misclassified) return 1;
    const Misclassified *m = &eval_acc.misclassified[i];
    index_truth_pred[0] = m->index; index_truth_pred[1] = m->truth; index_truth_pred[2] = m->pred;
    memcpy(probs, m->probs, sizeof m->probs);
    return 0;
}
