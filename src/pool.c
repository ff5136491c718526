/* pool.c - pthread pool: a generation counter under one mutex wakes the workers, an atomic
 * counter deals out tasks, and the caller waits until every worker has checked back in. */
#include "pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct { struct Pool *p; int index; } WorkerArg;

struct Pool {
    int n_threads;
    WorkerArg args[POOL_MAX_THREADS];
    pthread_t threads[POOL_MAX_THREADS];
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    unsigned long generation;
    int pending;              /* workers that have not finished the current generation */
    int stop;
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
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->generation == seen && !p->stop) pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        drain(p, wa->index);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
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
    p->stop = 1;
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
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store(&p->next_task, p->n_threads);
    p->pending = p->n_threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    drain(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->pending > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

int pool_last_thread_ids(const Pool *p, unsigned long *ids, int max) {
    int n = 0;
    for (int i = 0; p && i < p->n_threads && n < max; i++)
        if (p->tasks_done_by[i] > 0) ids[n++] = p->thread_ids[i];
    return n;
}
