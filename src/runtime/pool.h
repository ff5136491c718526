/* pool.h - a fixed pool of worker threads, created once and reused for every parallel loop.
 *
 * pool_run(p, n_tasks, fn, ctx) calls fn(ctx, task, thread) for task = 0 .. n_tasks-1, spread
 * over the calling thread and the pool's workers, and returns when all are done. Tasks are
 * handed out dynamically (an atomic counter), so the *assignment* of tasks to threads varies;
 * callers make results independent of it by writing each task's output to its own slot
 * (`thread` only selects scratch memory) and reducing slots in task order afterwards.
 *
 * With n_threads == 1 no thread is created and everything runs inline. In WebAssembly the
 * workers come from Emscripten's pre-spawned pthread pool (PTHREAD_POOL_SIZE >= n_threads-1). */
#ifndef POOL_H
#define POOL_H
#include <stddef.h>

typedef void (*PoolFn)(void *ctx, int task, int thread);
typedef struct Pool Pool;

Pool *pool_create(int n_threads);          /* NULL on failure; n_threads clamped to [1, POOL_MAX_THREADS] */
void  pool_destroy(Pool *p);
int   pool_threads(const Pool *p);
void  pool_run(Pool *p, int n_tasks, PoolFn fn, void *ctx);
/* id of the OS/pthread thread that ran each pool slot during the last pool_run (for tests
 * that prove the threads really exist and each did work); returns how many slots ran tasks. */
int   pool_last_thread_ids(const Pool *p, unsigned long *ids, int max);

/* Where a pool's time goes, for the thread-scaling benchmark (bench/threads.mjs): counted only
 * between pool_profile_start and pool_profile_stop (otherwise pool_run reads no clock). Times in
 * seconds, each taken within one thread (in a browser every worker has its own clock origin);
 * worker figures summed over the workers. Serial time = wall - in_run. */
typedef struct {
    double wall;            /* from start to stop (or to the read) */
    double runs;            /* pool_run calls handed to the workers */
    double inline_runs;     /* pool_run calls run by the caller alone (one task, or one thread) */
    double in_run;          /* the caller inside those pool_run calls (the parallel regions) */
    double caller_work;     /* the caller running its tasks */
    double caller_wait;     /* the caller waiting for the workers after its last task */
    double worker_work;     /* workers running tasks */
    double worker_sleeps;   /* a worker gave up spinning and slept on the condition variable */
    double caller_sleeps;   /* the caller did, waiting for the workers */
    double tasks_caller, tasks_workers;
} PoolProfile;
void pool_profile_start(Pool *p);
void pool_profile_stop(Pool *p);
void pool_profile_read(const Pool *p, PoolProfile *out);
/* the profile as a JSON object, times in milliseconds per `per` (e.g. per training step) */
void pool_profile_json(const PoolProfile *pp, double per, char *out, size_t outlen);

#define POOL_MAX_THREADS 16
#endif
