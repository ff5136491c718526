/* pool.c - pthread pool. Hand-off and completion both spin for a short while before falling
 * back to a mutex + condition variable: a training step has ~24 parallel loops, and on the
 * machines measured here a condition-variable wake-up costs 100-200 us, which made a second
 * thread nearly useless at small batches. Spinning is bounded (about a millisecond), so idle
 * workers still sleep; the mutex and the condition variables are touched only when a thread
 * sleeps or may be sleeping (counted in `sleepers`), so a hand-off between spinning threads is
 * a few atomic operations and no lock. Tasks are dealt by an atomic counter. */
#include "pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#define SPIN_LIMIT 20000
#else
#define cpu_relax() ((void)0)
#define SPIN_LIMIT 200000
#endif

typedef struct { struct Pool *p; int index; } WorkerArg;

struct Pool {
    int n_threads;
    WorkerArg args[POOL_MAX_THREADS];
    pthread_t threads[POOL_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    atomic_ulong generation;     /* bumped once per pool_run */
    atomic_int pending;          /* workers that have not finished the current generation */
    atomic_int sleepers;         /* threads on (or about to wait on) a condition variable */
    atomic_int stop;
    PoolFn fn;
    void *ctx;
    int n_tasks;
    atomic_int next_task;
    int tasks_done_by[POOL_MAX_THREADS];
    unsigned long thread_ids[POOL_MAX_THREADS];
    /* profiling (pool_profile_*): per thread, so no thread writes another's counters */
    int profiling;
    double profile_t0, profile_wall;
    double work[POOL_MAX_THREADS], sleeps[POOL_MAX_THREADS];
    double runs, inline_runs, in_run, caller_wait, caller_sleeps, tasks[POOL_MAX_THREADS];
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Each thread first runs the task with its own index (so with n_tasks >= n_threads every
 * thread does work), then takes tasks from the shared counter, which starts past those. */
static void drain(Pool *p, int thread) {
    int count = 0;
    double t0 = p->profiling ? now_s() : 0.0;
    if (thread < p->n_tasks) { p->fn(p->ctx, thread, thread); count++; }
    for (;;) {
        int t = atomic_fetch_add(&p->next_task, 1);
        if (t >= p->n_tasks) break;
        p->fn(p->ctx, t, thread);
        count++;
    }
    p->tasks_done_by[thread] = count;
    p->thread_ids[thread] = (unsigned long)pthread_self();
    if (p->profiling) { p->work[thread] += now_s() - t0; p->tasks[thread] += count; }
}

static void *worker_main(void *arg) {
    WorkerArg *wa = arg;
    Pool *p = wa->p;
    unsigned long seen = 0, slept = 0;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_LIMIT) { cpu_relax(); continue; }
            slept++;
            /* sleepers goes up before generation is read again (both seq_cst): either
             * pool_run's read of sleepers sees it and broadcasts under the mutex, or the bump of
             * generation came first and the loop below sees it */
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) break;
        seen = g;
        drain(p, wa->index);
        /* counted here, inside a run: between runs the caller may be resetting the profile */
        if (p->profiling) p->sleeps[wa->index] += (double)slept;
        slept = 0;
        if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->sleepers) > 0) {
            pthread_mutex_lock(&p->mu);           /* the caller may be asleep on `done` */
            pthread_cond_broadcast(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

Pool *pool_create(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    if (n_threads > POOL_MAX_THREADS) n_threads = POOL_MAX_THREADS;
    Pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n_threads = 1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 1; i < n_threads; i++) {
        p->args[i].p = p;
        p->args[i].index = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]) != 0) break;
        p->n_threads = i + 1;
    }
    return p;
}

void pool_destroy(Pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p);
}

int pool_threads(const Pool *p) { return p ? p->n_threads : 1; }

void pool_run(Pool *p, int n_tasks, PoolFn fn, void *ctx) {
    if (n_tasks <= 0) return;
    if (!p || p->n_threads == 1 || n_tasks == 1) {
        if (p && p->profiling) p->inline_runs++;
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        if (p) {
            memset(p->tasks_done_by, 0, sizeof p->tasks_done_by);
            p->tasks_done_by[0] = n_tasks;
            p->thread_ids[0] = (unsigned long)pthread_self();
        }
        return;
    }
    double entered = p->profiling ? now_s() : 0.0;
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store(&p->next_task, p->n_threads);
    atomic_store(&p->pending, p->n_threads - 1);
    atomic_fetch_add(&p->generation, 1);          /* publishes the fields above (seq_cst) */
    if (atomic_load(&p->sleepers) > 0) {          /* wake any worker that went to sleep */
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    drain(p, 0);
    double drained = p->profiling ? now_s() : 0.0;
    int spins = 0;
    while (atomic_load(&p->pending) > 0) {
        if (++spins < SPIN_LIMIT) { cpu_relax(); continue; }
        if (p->profiling) p->caller_sleeps++;
        pthread_mutex_lock(&p->mu);               /* as a worker's sleep: sleepers first, then pending */
        atomic_fetch_add(&p->sleepers, 1);
        while (atomic_load(&p->pending) > 0) pthread_cond_wait(&p->done, &p->mu);
        atomic_fetch_sub(&p->sleepers, 1);
        pthread_mutex_unlock(&p->mu);
    }
    if (p->profiling) {
        double left = now_s();
        p->runs++; p->in_run += left - entered; p->caller_wait += left - drained;
    }
}

/* Called between pool_run calls, on the thread that calls pool_run: the workers then write no
 * counter (a worker adds its sleeps while it runs a region, before it reports done). */
void pool_profile_start(Pool *p) {
    if (!p) return;
    memset(p->work, 0, sizeof p->work);
    memset(p->sleeps, 0, sizeof p->sleeps); memset(p->tasks, 0, sizeof p->tasks);
    p->runs = p->inline_runs = p->in_run = p->caller_wait = p->caller_sleeps = 0.0;
    p->profile_wall = 0.0;
    p->profile_t0 = now_s();
    p->profiling = 1;
}

void pool_profile_stop(Pool *p) {
    if (!p || !p->profiling) return;
    p->profile_wall = now_s() - p->profile_t0;
    p->profiling = 0;
}

void pool_profile_read(const Pool *p, PoolProfile *o) {
    memset(o, 0, sizeof *o);
    if (!p) return;
    o->wall = p->profiling ? now_s() - p->profile_t0 : p->profile_wall;
    o->runs = p->runs; o->inline_runs = p->inline_runs; o->in_run = p->in_run;
    o->caller_work = p->work[0]; o->caller_wait = p->caller_wait; o->caller_sleeps = p->caller_sleeps;
    o->tasks_caller = p->tasks[0];
    for (int i = 1; i < p->n_threads; i++) {
        o->worker_work += p->work[i];
        o->worker_sleeps += p->sleeps[i]; o->tasks_workers += p->tasks[i];
    }
}

int pool_last_thread_ids(const Pool *p, unsigned long *ids, int max) {
    int n = 0;
    for (int i = 0; p && i < p->n_threads && n < max; i++)
        if (p->tasks_done_by[i] > 0) ids[n++] = p->thread_ids[i];
    return n;
}

void pool_profile_json(const PoolProfile *pp, double per, char *out, size_t outlen) {
    double k = per > 0 ? 1e3 / per : 1e3, n = per > 0 ? 1.0 / per : 1.0;
    snprintf(out, outlen,
             "{\"wall_ms\":%.3f,\"serial_ms\":%.3f,\"in_run_ms\":%.3f,\"caller_work_ms\":%.3f,\"caller_wait_ms\":%.3f,"
             "\"worker_work_ms\":%.3f,\"runs\":%.2f,\"inline_runs\":%.2f,\"worker_sleeps\":%.2f,"
             "\"caller_sleeps\":%.2f,\"tasks_caller\":%.1f,\"tasks_workers\":%.1f}",
             pp->wall * k, (pp->wall - pp->in_run) * k, pp->in_run * k, pp->caller_work * k, pp->caller_wait * k,
             pp->worker_work * k, pp->runs * n, pp->inline_runs * n, pp->worker_sleeps * n, pp->caller_sleeps * n,
             pp->tasks_caller * n, pp->tasks_workers * n);
}
