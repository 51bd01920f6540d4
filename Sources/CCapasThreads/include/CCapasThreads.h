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

/// Whether this processor runs `capas_small_sgemm` (AVX2 and FMA).
int capas_small_sgemm_available(void);

/// C [m × n] = op(A) · B, plus C when `accumulate`; row-major, row strides
/// lda, ldb, ldc. op(A) is A [m × k], or Aᵀ when `transpose_a` (A is k × m).
/// For the convolutions' products: an inner dimension of a few dozen to a few
/// hundred and long rows. Returns 0 when done, -1 (nothing written) when the
/// processor lacks AVX2 or FMA.
int capas_small_sgemm(int transpose_a, long m, long n, long k, const float *a, long lda,
                      const float *b, long ldb, float *c, long ldc, int accumulate);

#endif
