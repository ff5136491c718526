/* api.h - what the units of the wasm API share (private to wasm/; the worker sees only the exported
 * api_* functions, listed in CMakeLists.txt). The API is split as the worker is (web/worker/):
 *   api_loading.c    the build's capabilities, the error text, memory, threads, the pipeline probe
 *   api_data.c       the MNIST files handed over (owns them) and the training-set limit
 *   api_designs.c    designs: the network in use (owns it), set/describe/create, fresh weights
 *   api_training.c   the recipe and the trainer (owns both), steps and progress
 *   api_evaluation.c the test set's evaluation in slices (owns the accumulator)
 *   api_reading.c    predictions of drawings, the inside view, saliency
 *   api_files.c      model files: save, load (another design too), export; the output buffer
 *   api_teaching.c   the fine-tune on my digits (owns the session and the digits)
 *   api_my_digits.c  my-digits files
 * Every entry point does a bounded amount of work and returns: V8 keeps a wasm call that loops
 * for long in its baseline tier, and the worker must stay free to answer messages.
 * Errors: functions return nonzero (or what each says) and api_error() holds the message.
 * What crosses the boundary is defined once in src/runtime/contract.h. */
#ifndef WASM_API_H
#define WASM_API_H
#include <emscripten/emscripten.h>
#include <stdint.h>
#include "data/idx.h"
#include "nn/net.h"
#include "runtime/contract.h"
#include "train/trainer.h"

#define API EMSCRIPTEN_KEEPALIVE
#define WASM_MAX_BATCH LIMIT_MAX_BATCH

/* the message api_error() returns: set with api_fail, or written by a core function given API_ERR */
#define API_ERROR_MAX 512
extern char api_error_text[API_ERROR_MAX];
#define API_ERR api_error_text, sizeof api_error_text
void api_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* api_designs.c: the network in use (NULL before the first api_create); the one in use replaced by
 * next (made with one thread; it takes over the old one's pool, and everything tied to the old
 * one ends: its run, a fine-tune), then set to threads; 1 if the design a passes the design check
 * and its memory plan fits beside what is in use, else 0 with api_error() */
Net *api_net(void);
void api_net_replace(Net *next, int threads);
int  api_design_fits(const NetArch *a);

/* api_training.c: the run over the network in use (NULL: none configured); the recipe set so
 * far; the trainer ended; run (made by the caller over the network in use) made the run;
 * the Net holding the model that evaluations, predictions, the inside view, fine-tunes and
 * saved files use (the weight average once the recipe's average has begun: trainer.h); weights
 * put in from outside a run (new ones, a loaded file) made the run's training weights too */
Trainer *api_trainer(void);
const TrainConfig *api_recipe(void);
void api_trainer_end(void);
void api_trainer_adopt(const Trainer *run);
Net *api_model_net(void);
void api_weights_replaced(void);
void api_config_reset(void);           /* exported too: the recipe back to its defaults */
int  api_configure(void);              /* exported too: a trainer for the recipe set so far; 0, or 1 */

/* api_data.c: file which (0 train images, 1 train labels, 2 test images, 3 test labels) as
 * limited by api_limit_train, or NULL when it is not loaded */
const IdxView *api_data_view(int which);
int  api_train_limit(void);
void api_train_limit_restore(int count);
int  api_limit_train(int n);     /* exported too: the first n training images (0: all) */

/* api_teaching.c: 1 while a fine-tune runs (it reads the training files); end it (its weights stay) */
int  api_teaching_active(void);
void api_teaching_end(void);

/* api_loading.c: the network's pool (NULL: no network), for the profiling hook of the test builds */
Pool *api_current_pool(void);

/* api_files.c: the output buffer (api_saved_ptr) freed, and its slot for the next output */
uint8_t **api_output_reset(void);

/* test builds: a trap at a point a test armed (api_test.c) */
#ifdef MNIST_TEST_HOOKS
void api_test_trap_point(int where);
#define TRAP_POINT(where) api_test_trap_point(where)
#else
#define TRAP_POINT(where) ((void)0)
#endif
enum { TRAP_TRAIN = 1, TRAP_EVAL = 2, TRAP_PREDICT = 3 };
#endif
