#ifndef CCAPAS_THREADS_H
#define CCAPAS_THREADS_H

#include <stdint.h>

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

/// `capas_direct_conv` with relu, then max pooling with 2×2 windows and
/// stride 2 (the last row and column of an odd side left out): pooled
/// [k × ho/2 × wo/2]. The same numbers as the three passes one after the
/// other, without storing the unpooled planes. Returns -1 (nothing written) on
/// a processor without AVX2 and FMA.
int capas_direct_conv_pooled(const float *x, long c, long h, long w, long pt, long pl,
                             const float *weight, long k, long kh, long kw, const float *bias,
                             float *pooled, long ho, long wo, float *scratch);

/// The input gradient of max pooling with 2×2 windows and stride 2 (no
/// padding) for `planes` planes of h × w pooled to ho × wo: each window's
/// winner (its index in the plane, `winners`) gets 0 + dy, where `rectified`
/// (when not NULL: the pooled values of a relu'd input) is positive; every
/// other element of dx, the odd row and column left out included, 0. The same
/// numbers as zeroing dx and adding dy at the winners. Returns -1 (nothing
/// written) on a processor without AVX2.
int capas_maxpool2_backward(const float *dy, const int32_t *winners, const float *rectified, long planes,
                            long h, long w, long ho, long wo, float *dx);

/// im2col of one group of one sample when the horizontal stride is 1 (see
/// `Conv2D.im2colUnitStride`): rows (channel, tap) of ho·wo, each a run of
/// input pixels between zero borders. Returns -1 (nothing written) on a
/// processor without AVX2.
int capas_im2col_unit_stride(const float *x, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *col);

/// col2im when the horizontal stride is 1 (`Conv2D.col2im`): adds each
/// column row back onto the input pixels it came from, in the same order.
/// Returns -1 (nothing written) on a processor without AVX2.
int capas_col2im_unit_stride(const float *col, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *dx);

/// One Adam step over n values, eight at a time with AVX2, each operation
/// rounded as in the scalar formula: g = grad + wd·θ; m ← b1·m + (1 − b1)·g;
/// v ← b2·v + ((1 − b2)·g)·g; θ ← θ − (step_size·m)/(√v/c2 + eps).
/// Returns -1 (nothing written) on a processor without AVX2.
int capas_adam(float *theta, const float *grad, float *m, float *v, long n, float step_size,
               float b1, float b2, float c2, float eps, float wd);

/// dst [cols × rows] = srcᵀ (src is rows × cols), row strides lds and ldd.
/// Returns -1 (nothing written) on a processor without AVX2.
int capas_transpose(const float *src, long rows, long cols, long lds, float *dst, long ldd);

/// The sizes of one Winograd F(2×2, 3×3) pass over a chunk of samples (see
/// `Winograd.Plan` in CapasCore): input planes c × h × w padded by pt rows
/// above and pl columns on the left, k output planes of ho × wo, th × tw tiles
/// per plane (tw8: tw rounded up to eight), the zero-bordered scratch plane
/// ph × pw, the transformed matrices' row stride and position strides.
struct capas_winograd {
    long c, h, w, pt, pl, k, ho, wo;
    long th, tw, tw8, ph, pw;
    long row_stride, input_stride, output_stride;
};

/// The transforms of `Winograd` in CapasCore with AVX2: the same results, bit
/// for bit. `samples` samples from x (dy, y, dx: the chunk's first sample);
/// `padded` is the caller's zeroed scratch plane (ph × pw; for the output
/// gradient 2·th × 2·tw8), whose border stays zero. Each returns -1 (nothing
/// written) on a processor without AVX2.
int capas_winograd_input(const struct capas_winograd *plan, const float *x, long samples, float *padded, float *v);
int capas_winograd_output(const struct capas_winograd *plan, const float *m, long samples, const float *bias, int relu,
                          float *y);
/// relu, then max pooling with 2×2 windows and stride 2 into the whole batch's
/// pooled planes (and winners, the index of each window's maximum in the unpooled plane, when not NULL).
int capas_winograd_output_pooled(const struct capas_winograd *plan, const float *m, long samples, long first_sample,
                                 const float *bias, float *pooled, int32_t *winners, long pooled_height,
                                 long pooled_width);
int capas_winograd_output_gradient(const struct capas_winograd *plan, const float *dy, long samples, float *padded,
                                   float *dm);
int capas_winograd_input_gradient(const struct capas_winograd *plan, const float *dv, long samples, float *padded,
                                  float *dx);

/// C [m × n] = A [m × k] · B [n × k]ᵀ, plus C when `accumulate`: every
/// element a dot product of two rows, eight lanes at a time (the tail of a row
/// read masked), the lanes summed at the end. For Winograd's weight gradient
/// dU = dM · Vᵀ, whose inner dimension (tiles) is long and rows contiguous.
/// Returns -1 (nothing written) on a processor without AVX2 and FMA.
int capas_sgemm_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                   int accumulate);

#endif
