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

/// Floats of scratch `capas_direct_conv` needs.
long capas_direct_conv_scratch(long c, long ho, long wo, long kh, long kw);

/// A stride-1, undilated convolution of one sample with few input channels
/// (a network's first layer: 1 or 3), computed directly: y [k × ho × wo] =
/// bias + Σ over channels and taps of weight [k × c × kh × kw] · the input
/// x [c × h × w] zero-padded by pt rows above and pl columns on the left (the
/// bottom and right padding follow from ho and wo); relu after when `relu`.
/// Sixteen outputs of a row and four filters at a time, with AVX2 and FMA.
/// Returns -1 (nothing written) on a processor without them.
int capas_direct_conv(const float *x, long c, long h, long w, long pt, long pl,
                      const float *weight, long k, long kh, long kw, const float *bias, int relu,
                      float *y, long ho, long wo, float *scratch);

/// One Adam step over n values, eight at a time with AVX2, each operation
/// rounded as in the scalar formula: g = grad + wd·θ; m ← b1·m + (1 − b1)·g;
/// v ← b2·v + ((1 − b2)·g)·g; θ ← θ − (step_size·m)/(√v/c2 + eps).
/// Returns -1 (nothing written) on a processor without AVX2.
int capas_adam(float *theta, const float *grad, float *m, float *v, long n, float step_size,
               float b1, float b2, float c2, float eps, float wd);

/// dst [cols × rows] = srcᵀ (src is rows × cols), row strides lds and ldd.
/// Returns -1 (nothing written) on a processor without AVX2.
int capas_transpose(const float *src, long rows, long cols, long lds, float *dst, long ldd);

#endif
