// The core's worker threads: a fixed set of pool threads, each with its own
// mailbox, that spin briefly between jobs and then sleep on a condition.
#define _GNU_SOURCE   // sched_getaffinity, CPU_COUNT
#include "CCapasThreads.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CAPAS_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CAPAS_PAUSE() __asm__ __volatile__("yield")
#else
#define CAPAS_PAUSE() ((void)0)
#endif

enum { MAX_THREADS = 64 };
/// How long an idle pool thread spins before it sleeps.
static const double SPIN_SECONDS = 1e-3;

/// One pool thread's mailbox, on its own cache line.
typedef struct {
    _Alignas(64) atomic_long go;   // the job number this thread should run next
    long index;
    long first;                    // the job number when the thread was started
} Slot;

static Slot slots[MAX_THREADS];
static long started;                                    // pool threads running (guarded by run_lock)
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int sleepers;
static _Alignas(64) atomic_long pending;               // pool threads still working on the job
static long job_number;                                 // guarded by run_lock
// The job; written before the mailboxes are released, read after they are acquired.
static capas_task job_task;
static void *job_context;
static _Thread_local int inside_task;
/// Whether idle pool threads may spin: only while the pool fits the processors.
static atomic_int spin;

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *pool_thread(void *argument) {
    Slot *slot = argument;
    // Not a load of `go`: the caller may already have posted the first job.
    long seen = slot->first;
    inside_task = 1;
    for (;;) {
        long next;
        double since = 0;
        int spins = 0;
        while ((next = atomic_load_explicit(&slot->go, memory_order_acquire)) == seen) {
            CAPAS_PAUSE();
            if (++spins < 256) continue;
            spins = 0;
            double now = seconds();
            if (since == 0) since = now;
            // More threads than processors: spinning would only delay the thread with work.
            if (atomic_load_explicit(&spin, memory_order_relaxed) && now - since < SPIN_SECONDS) continue;
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((next = atomic_load(&slot->go)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
            break;
        }
        seen = next;
        job_task(job_context, slot->index);
        atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel);
    }
    return 0;
}

/// A forked child has only the thread that forked: it starts its own pool.
/// Runs between fork and exec in sandbox children too: plain assignments
/// only (no pthread_*_init, which is not async-signal-safe).
static void reset_in_child(void) {
    started = 0;
    atomic_store(&sleepers, 0);
    run_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    sleep_lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    wake = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
}

static pthread_once_t registered = PTHREAD_ONCE_INIT;
static void register_fork_handler(void) { pthread_atfork(0, 0, reset_in_child); }

int capas_pool_run(long workers, capas_task task, void *context) {
    if (workers <= 1) {
        task(context, 0);
        return 0;
    }
    if (inside_task || workers > MAX_THREADS) return -1;
    pthread_once(&registered, register_fork_handler);
    if (pthread_mutex_trylock(&run_lock) != 0) return -1;
    while (started < workers - 1) {
        Slot *slot = &slots[started + 1];
        slot->index = started + 1;
        slot->first = job_number;
        atomic_store(&slot->go, job_number);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, pool_thread, slot);
        pthread_attr_destroy(&attributes);
        if (failed) {
            pthread_mutex_unlock(&run_lock);
            return -1;
        }
        started++;
    }
    static long processors;
    if (processors == 0) processors = capas_available_processors();
    atomic_store_explicit(&spin, workers <= processors, memory_order_relaxed);
    job_task = task;
    job_context = context;
    job_number++;
    atomic_store(&pending, workers - 1);
    for (long w = 1; w < workers; w++) atomic_store(&slots[w].go, job_number);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    inside_task = 1;
    task(context, 0);
    inside_task = 0;
    int spins = 0;
    int yields = !atomic_load_explicit(&spin, memory_order_relaxed);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
        if (yields) { sched_yield(); continue; }
        CAPAS_PAUSE();
        if (++spins >= 4096) { spins = 0; sched_yield(); }
    }
    pthread_mutex_unlock(&run_lock);
    return 0;
}

long capas_available_processors(void) {
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    if (count < 1) count = 1;
#ifdef __linux__
    // `taskset -c 0 capas …`: the processors this process may run on.
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        long allowed = CPU_COUNT(&set);
        if (allowed > 0 && allowed < count) count = allowed;
    }
    // A container limited to a share of the machine (`docker run --cpus=1`):
    // cgroup v2's "quota period" in microseconds, or "max period" when unlimited.
    FILE *limits = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (limits) {
        char quota[32];
        long period;
        if (fscanf(limits, "%31s %ld", quota, &period) == 2 && strcmp(quota, "max") != 0 && period > 0) {
            long share = (atol(quota) + period - 1) / period;
            if (share > 0 && share < count) count = share;
        }
        fclose(limits);
    }
#endif
    return count;
}
