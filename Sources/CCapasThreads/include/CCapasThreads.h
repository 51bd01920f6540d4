#ifndef CCAPAS_THREADS_H
#define CCAPAS_THREADS_H

/// A piece of parallel work: called once per worker index.
typedef void (*capas_task)(void *context, long worker);

/// Runs task(context, w) for every w in 0..<workers and returns when all are
/// done: w = 0 on the calling thread, the others on persistent pool threads
/// (thread w always gets index w, so its data tends to stay in its cache).
/// After a task a pool thread spins for about a millisecond before sleeping,
/// so the short parallel regions of a training step start without a wake-up.
///
/// Returns 0 when the work ran; -1 when nothing ran because the pool is in
/// use by another thread, the call is nested inside a task, or a thread
/// could not be started. The caller then runs the work some other way.
int capas_pool_run(long workers, capas_task task, void *context);

/// The processors this process can use: the online ones, fewer when its CPU
/// affinity (taskset) or its container's CPU quota (cgroup v2 cpu.max) allows
/// fewer. At least 1.
long capas_available_processors(void);

#endif
