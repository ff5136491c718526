/* pool.c - pthread pool. Hand-off and completion both spin for a short while before falling
 * back to a mutex + condition variable: a training step has ~45 parallel loops, and on the
 * machines measured here a condition-variable wake-up costs 100-200 us, which made a second
 * thread nearly useless at small batches. Spinning is bounded (about a millisecond), so idle
 * workers still sleep. Tasks are dealt by an atomic counter. */
#include "pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
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
    atomic_int stop;
    PoolFn fn;
    void *ctx;
    int n_tasks;
    atomic_int next_task;
    int tasks_done_by[POOL_MAX_THREADS];
    unsigned long thread_ids[POOL_MAX_THREADS];
};

/* Each thread first runs the task with its own index (so with n_tasks >= n_threads every
 * thread does work), then takes tasks from the shared counter, which starts past those. */
static void drain(Pool *p, int thread) {
    int count = 0;
    if (thread < p->n_tasks) { p->fn(p->ctx, thread, thread); count++; }
    for (;;) {
        int t = atomic_fetch_add(&p->next_task, 1);
        if (t >= p->n_tasks) break;
        p->fn(p->ctx, t, thread);
        count++;
    }
    p->tasks_done_by[thread] = count;
    p->thread_ids[thread] = (unsigned long)pthread_self();
}

static void *worker_main(void *arg) {
    WorkerArg *wa = arg;
    Pool *p = wa->p;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_LIMIT) { cpu_relax(); continue; }
            pthread_mutex_lock(&p->mu);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->wake, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        if (atomic_load(&p->stop)) break;
        seen = g;
        drain(p, wa->index);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
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
        for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        if (p) {
            memset(p->tasks_done_by, 0, sizeof p->tasks_done_by);
            p->tasks_done_by[0] = n_tasks;
            p->thread_ids[0] = (unsigned long)pthread_self();
        }
        return;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store(&p->next_task, p->n_threads);
    atomic_store(&p->pending, p->n_threads - 1);
    atomic_fetch_add(&p->generation, 1);          /* publishes the fields above (seq_cst) */
    pthread_mutex_lock(&p->mu);                   /* wake any worker that went to sleep */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    drain(p, 0);
    int spins = 0;
    while (atomic_load(&p->pending) > 0) {
        if (++spins < SPIN_LIMIT) { cpu_relax(); continue; }
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0) pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

int pool_last_thread_ids(const Pool *p, unsigned long *ids, int max) {
    int n = 0;
    for (int i = 0; p && i < p->n_threads && n < max; i++)
        if (p->tasks_done_by[i] > 0) ids[n++] = p->thread_ids[i];
    return n;
}
