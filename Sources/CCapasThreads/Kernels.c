// Small matrix products with AVX2 and FMA, for the shapes the convolutions
// produce and OpenBLAS runs far from its peak: an inner dimension of 16 to a
// few hundred (input channels, or channels × taps), a few dozen rows (output
// channels), and long rows of tiles or pixels.
//
// C [M × N] = A [M × K] · B [K × N] (+ C), all row-major with row strides.
// Blocks of 16 columns of B are taken one after the other; within a block,
// rows of A six at a time, each block of C held in 12 vector registers over
// the whole inner dimension. The 16 columns of B (K × 64 bytes) stay in the
// first-level cache while every row of A passes over them, so nothing is
// packed. Each element of C is a sum over k in increasing order (one fused
// multiply-add per term): the same inputs always give the same result,
// whatever the thread count.
//
// The functions are compiled for AVX2 and FMA only (target attributes), and
// `capas_small_sgemm` checks the processor first: on one without them it
// returns -1 and the caller uses OpenBLAS.

#include "CCapasThreads.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "Vectors.h"

/// ROWS rows of C (1…6) by 16 columns; the first `cols` (1…16) stored.
/// A element (r, k) is a[r·rs + k·ks] (ks = 1 for A, rs = 1 for Aᵀ).
KERNEL INLINE void block(const int ROWS, long K, const float *a, long rs, long ks,
                         const float *b, long ldb, float *c, long ldc, int accumulate, int cols) {
    __m256 acc[6][2];
    const int full = cols == 16;
    const __m256i m0 = lane_mask(cols), m1 = lane_mask(cols - 8);
    for (int r = 0; r < ROWS; r++) {
        if (accumulate) {
            acc[r][0] = full ? _mm256_loadu_ps(c + r * ldc) : _mm256_maskload_ps(c + r * ldc, m0);
            acc[r][1] = full ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_maskload_ps(c + r * ldc + 8, m1);
        } else {
            acc[r][0] = _mm256_setzero_ps();
            acc[r][1] = _mm256_setzero_ps();
        }
    }
    if (full) {
        for (long k = 0; k < K; k++) {
            const __m256 b0 = _mm256_loadu_ps(b + k * ldb), b1 = _mm256_loadu_ps(b + k * ldb + 8);
            for (int r = 0; r < ROWS; r++) {
                const __m256 ar = _mm256_broadcast_ss(a + r * rs + k * ks);
                acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
            }
        }
        for (int r = 0; r < ROWS; r++) {
            _mm256_storeu_ps(c + r * ldc, acc[r][0]);
            _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
        }
    } else {
        // Masked loads never touch memory past the row's last column.
        for (long k = 0; k < K; k++) {
            const __m256 b0 = _mm256_maskload_ps(b + k * ldb, m0), b1 = _mm256_maskload_ps(b + k * ldb + 8, m1);
            for (int r = 0; r < ROWS; r++) {
                const __m256 ar = _mm256_broadcast_ss(a + r * rs + k * ks);
                acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
            }
        }
        // Through a buffer: masked stores are slow on some processors (AMD's).
        for (int r = 0; r < ROWS; r++) {
            float lanes[16];
            _mm256_storeu_ps(lanes, acc[r][0]);
            _mm256_storeu_ps(lanes + 8, acc[r][1]);
            for (int q = 0; q < cols; q++) c[r * ldc + q] = lanes[q];
        }
    }
}

/// ROWS rows of C (1…12) by the last 1…8 columns (`cols`): one vector per
/// row, so a block of a few columns left over costs half a 16-column block.
KERNEL INLINE void narrow_block(const int ROWS, long K, const float *a, long rs, long ks,
                                const float *b, long ldb, float *c, long ldc, int accumulate, int cols) {
    __m256 acc[12];
    const __m256i m0 = lane_mask(cols);
    for (int r = 0; r < ROWS; r++)
        acc[r] = accumulate ? _mm256_maskload_ps(c + r * ldc, m0) : _mm256_setzero_ps();
    for (long k = 0; k < K; k++) {
        const __m256 b0 = _mm256_maskload_ps(b + k * ldb, m0);
        for (int r = 0; r < ROWS; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * rs + k * ks), b0, acc[r]);
    }
    for (int r = 0; r < ROWS; r++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[r]);
        for (int q = 0; q < cols; q++) c[r * ldc + q] = lanes[q];
    }
}

#define NARROW(R) narrow_block(R, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols)

KERNEL static void narrow(long M, long K, const float *a, long rs, long ks, const float *b, long ldb, float *c,
                          long ldc, int accumulate, long j, int cols) {
    long i = 0;
    for (; i + 12 <= M; i += 12) NARROW(12);
    switch (M - i) {
    case 11: NARROW(11); break;
    case 10: NARROW(10); break;
    case 9: NARROW(9); break;
    case 8: NARROW(8); break;
    case 7: NARROW(7); break;
    case 6: NARROW(6); break;
    case 5: NARROW(5); break;
    case 4: NARROW(4); break;
    case 3: NARROW(3); break;
    case 2: NARROW(2); break;
    case 1: NARROW(1); break;
    default: break;
    }
}

KERNEL static void product(long M, long N, long K, const float *a, long rs, long ks,
                           const float *b, long ldb, float *c, long ldc, int accumulate) {
    for (long j = 0; j < N; j += 16) {
        const int cols = N - j < 16 ? (int)(N - j) : 16;
        if (cols <= 8) {
            narrow(M, K, a, rs, ks, b, ldb, c, ldc, accumulate, j, cols);
            continue;
        }
        long i = 0;
        for (; i + 6 <= M; i += 6)
            block(6, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols);
        switch (M - i) {
        case 5: block(5, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols); break;
        case 4: block(4, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols); break;
        case 3: block(3, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols); break;
        case 2: block(2, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols); break;
        case 1: block(1, K, a + i * rs, rs, ks, b + j, ldb, c + i * ldc + j, ldc, accumulate, cols); break;
        default: break;
        }
    }
}

/// Four filters by sixteen (or fewer: `cols`) outputs of one row, summed over
/// every input channel and tap from the padded planes `xp` (row stride pw,
/// plane stride plane); bias first, relu after when `relu`.
KERNEL INLINE void direct_block(const int F, const float *xp, long C, long plane, long pw, long kh, long kw,
                                const float *w, const float *bias, int relu, float *y, long yplane, int cols) {
    __m256 acc[4][2];
    for (int f = 0; f < F; f++) {
        acc[f][0] = _mm256_set1_ps(bias ? bias[f] : 0.0f);
        acc[f][1] = acc[f][0];
    }
    const long taps = kh * kw;
    for (long c = 0; c < C; c++) {
        for (long i = 0; i < kh; i++) {
            const float *row = xp + c * plane + i * pw;
            for (long j = 0; j < kw; j++) {
                const __m256 x0 = _mm256_loadu_ps(row + j), x1 = _mm256_loadu_ps(row + j + 8);
                const long tap = (c * kh + i) * kw + j;
                for (int f = 0; f < F; f++) {
                    const __m256 wv = _mm256_broadcast_ss(w + f * C * taps + tap);
                    acc[f][0] = _mm256_fmadd_ps(wv, x0, acc[f][0]);
                    acc[f][1] = _mm256_fmadd_ps(wv, x1, acc[f][1]);
                }
            }
        }
    }
    const __m256 zero = _mm256_setzero_ps();
    for (int f = 0; f < F; f++) {
        __m256 a = acc[f][0], b = acc[f][1];
        if (relu) {
            // max(0, v), and 0 for NaN (the comparison is false), as capas' relu.
            a = _mm256_and_ps(a, _mm256_cmp_ps(a, zero, _CMP_GT_OQ));
            b = _mm256_and_ps(b, _mm256_cmp_ps(b, zero, _CMP_GT_OQ));
        }
        if (cols == 16) {
            _mm256_storeu_ps(y + f * yplane, a);
            _mm256_storeu_ps(y + f * yplane + 8, b);
        } else {
            // Rows narrower than sixteen (masked stores are slow on some processors).
            float lanes[16];
            _mm256_storeu_ps(lanes, a);
            _mm256_storeu_ps(lanes + 8, b);
            for (int q = 0; q < cols; q++) y[f * yplane + q] = lanes[q];
        }
    }
}

KERNEL static void direct(const float *xp, long C, long ph, long pw, long kh, long kw, const float *w, long K,
                          const float *bias, int relu, float *y, long ho, long wo) {
    const long plane = ph * pw, yplane = ho * wo;
    for (long k = 0; k < K; k += 4) {
        const int F = K - k < 4 ? (int)(K - k) : 4;
        const float *wk = w + k * C * kh * kw, *bk = bias ? bias + k : 0;
        for (long oy = 0; oy < ho; oy++) {
            for (long start = 0; start < wo; start += 16) {
                // The last block of a row ends at the row's end, overlapping the one
                // before (its outputs are computed twice, the same both times).
                const long ox = start + 16 > wo && wo >= 16 ? wo - 16 : start;
                const int cols = wo < 16 ? (int)wo : 16;
                const float *xs = xp + oy * pw + ox;
                float *ys = y + k * yplane + oy * wo + ox;
                switch (F) {
                case 4: direct_block(4, xs, C, plane, pw, kh, kw, wk, bk, relu, ys, yplane, cols); break;
                case 3: direct_block(3, xs, C, plane, pw, kh, kw, wk, bk, relu, ys, yplane, cols); break;
                case 2: direct_block(2, xs, C, plane, pw, kh, kw, wk, bk, relu, ys, yplane, cols); break;
                default: direct_block(1, xs, C, plane, pw, kh, kw, wk, bk, relu, ys, yplane, cols); break;
                }
            }
        }
    }
}

/// Max pooling with 2×2 windows and stride 2 of two rows r0, r1 (readable to
/// 2·pwo + 16): pwo outputs, eight at a time (pairs of rows compared, then
/// the even and odd columns of the larger). For relu'd values (no NaN).
KERNEL static void pool_rows(const float *r0, const float *r1, float *out, long pwo) {
    for (long px = 0; px < pwo; px += 8) {
        const __m256 lo = _mm256_max_ps(_mm256_loadu_ps(r0 + 2 * px), _mm256_loadu_ps(r1 + 2 * px));
        const __m256 hi = _mm256_max_ps(_mm256_loadu_ps(r0 + 2 * px + 8), _mm256_loadu_ps(r1 + 2 * px + 8));
        __m256 even, odd;
        split_even_odd(lo, hi, &even, &odd);
        const __m256 best = _mm256_max_ps(even, odd);
        if (px + 8 <= pwo) {
            _mm256_storeu_ps(out + px, best);
        } else {
            float lanes[8];
            _mm256_storeu_ps(lanes, best);
            for (long q = 0; q < pwo - px; q++) out[px + q] = lanes[q];
        }
    }
}

/// `direct` followed by relu and 2×2 max pooling: for each block of four
/// filters, the two rows under a row of windows go to `stripe` (four filters ×
/// two rows × sw floats, in the first-level cache), then are pooled into yp.
KERNEL static void direct_pooled(const float *xp, long C, long ph, long pw, long kh, long kw, const float *w, long K,
                                 const float *bias, float *stripe, long sw, float *yp, long pho, long pwo) {
    const long plane = ph * pw, wo = 2 * pwo;
    for (long k = 0; k < K; k += 4) {
        const int F = K - k < 4 ? (int)(K - k) : 4;
        const float *wk = w + k * C * kh * kw, *bk = bias ? bias + k : 0;
        for (long py = 0; py < pho; py++) {
            for (int r = 0; r < 2; r++) {
                const long oy = 2 * py + r;
                // Blocks of sixteen from the left; the stripe's rows are wide enough for the last one.
                for (long ox = 0; ox < wo; ox += 16) {
                    const float *xs = xp + oy * pw + ox;
                    float *ys = stripe + r * sw + ox;
                    switch (F) {
                    case 4: direct_block(4, xs, C, plane, pw, kh, kw, wk, bk, 1, ys, 2 * sw, 16); break;
                    case 3: direct_block(3, xs, C, plane, pw, kh, kw, wk, bk, 1, ys, 2 * sw, 16); break;
                    case 2: direct_block(2, xs, C, plane, pw, kh, kw, wk, bk, 1, ys, 2 * sw, 16); break;
                    default: direct_block(1, xs, C, plane, pw, kh, kw, wk, bk, 1, ys, 2 * sw, 16); break;
                    }
                }
            }
            for (int f = 0; f < F; f++)
                pool_rows(stripe + 2 * f * sw, stripe + (2 * f + 1) * sw, yp + ((k + f) * pho + py) * pwo, pwo);
        }
    }
}

long capas_direct_conv_scratch(long c, long ho, long wo, long kh, long kw) {
    // The padded planes, then the pooled variant's stripe: 4 filters × 2 rows of (wo rounded up to 16) + 16.
    return c * (ho + kh - 1) * ((wo + 15) / 16 * 16 + kw - 1) + 8 * ((wo + 15) / 16 * 16 + 16);
}

/// The input planes with their padding into scratch, each row long enough for
/// the last block of sixteen outputs plus the kernel's width.
KERNEL static void pad_planes(const float *x, long c, long h, long w, long pt, long pl, long ho, long wo, long kh,
                              long kw, float *scratch) {
    const long pw = (wo + 15) / 16 * 16 + kw - 1, ph = ho + kh - 1;
    for (long ch = 0; ch < c; ch++) {
        float *plane = scratch + ch * ph * pw;
        for (long r = 0; r < ph; r++) {
            float *row = plane + r * pw;
            const long iy = r - pt;
            for (long q = 0; q < pw; q++) {
                const long ix = q - pl;
                row[q] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? x[(ch * h + iy) * w + ix] : 0.0f;
            }
        }
    }
}

int capas_direct_conv(const float *x, long c, long h, long w, long pt, long pl,
                      const float *weight, long k, long kh, long kw, const float *bias, int relu,
                      float *y, long ho, long wo, float *scratch) {
    if (!capas_small_sgemm_available()) return -1;
    pad_planes(x, c, h, w, pt, pl, ho, wo, kh, kw, scratch);
    const long pw = (wo + 15) / 16 * 16 + kw - 1, ph = ho + kh - 1;
    direct(scratch, c, ph, pw, kh, kw, weight, k, bias, relu, y, ho, wo);
    return 0;
}

int capas_direct_conv_pooled(const float *x, long c, long h, long w, long pt, long pl,
                             const float *weight, long k, long kh, long kw, const float *bias,
                             float *pooled, long ho, long wo, float *scratch) {
    if (!capas_small_sgemm_available()) return -1;
    const long pho = ho / 2, pwo = wo / 2;
    if (pho == 0 || pwo == 0) return 0;
    // Only the rows and columns the windows cover are computed: 2·pho × 2·pwo.
    pad_planes(x, c, h, w, pt, pl, ho, wo, kh, kw, scratch);
    const long pw = (wo + 15) / 16 * 16 + kw - 1, ph = ho + kh - 1;
    const long sw = (wo + 15) / 16 * 16 + 16;
    direct_pooled(scratch, c, ph, pw, kh, kw, weight, k, bias, scratch + c * ph * pw, sw, pooled, pho, pwo);
    return 0;
}

/// The gradient of 2×2, stride-2 max pooling (see the header): every element
/// of dx written once, the window's winner getting 0 + dy (as adding into a
/// zeroed plane would), the other three 0.
KERNEL static void maxpool2_backward(const float *dy, const int32_t *winners, const float *rectified, long planes,
                                     long h, long w, long ho, long wo, float *dx) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256i lanes = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i one = _mm256_set1_epi32(1), width = _mm256_set1_epi32((int32_t)w);
    const __m256i below = _mm256_add_epi32(width, one);
    for (long p = 0; p < planes; p++) {
        float *plane = dx + p * h * w;
        const long first = p * ho * wo;
        for (long oy = 0; oy < ho; oy++) {
            float *top = plane + 2 * oy * w, *bottom = top + w;
            for (long ox = 0; ox < wo; ox += 8) {
                const long count = wo - ox < 8 ? wo - ox : 8;
                const long o = first + oy * wo + ox;
                const __m256i m = lane_mask(count);
                __m256 g = _mm256_maskload_ps(dy + o, m);
                if (rectified) g = _mm256_and_ps(g, _mm256_cmp_ps(_mm256_maskload_ps(rectified + o, m), zero, _CMP_GT_OQ));
                const __m256i d = _mm256_sub_epi32(_mm256_maskload_epi32((const int *)(winners + o), m),
                                                   _mm256_add_epi32(lanes, _mm256_set1_epi32((int32_t)(2 * oy * w + 2 * ox))));
                const __m256 g00 = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(d, _mm256_setzero_si256())));
                const __m256 g01 = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(d, one)));
                const __m256 g10 = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(d, width)));
                const __m256 g11 = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(d, below)));
                __m256 lo, hi;
                interleave(g00, g01, &lo, &hi);
                put16(_mm256_add_ps(zero, lo), _mm256_add_ps(zero, hi), top + 2 * ox, 2 * count);
                interleave(g10, g11, &lo, &hi);
                put16(_mm256_add_ps(zero, lo), _mm256_add_ps(zero, hi), bottom + 2 * ox, 2 * count);
            }
            // The column an odd width leaves out.
            for (long x = 2 * wo; x < w; x++) top[x] = bottom[x] = 0;
        }
        // The row an odd height leaves out.
        for (long i = 2 * ho * w; i < h * w; i++) plane[i] = 0;
    }
}

int capas_maxpool2_backward(const float *dy, const int32_t *winners, const float *rectified, long planes,
                            long h, long w, long ho, long wo, float *dx) {
    if (!capas_small_sgemm_available()) return -1;
    if (ho * 2 > h || wo * 2 > w) return -1;
    maxpool2_backward(dy, winners, rectified, planes, h, w, ho, wo, dx);
    return 0;
}

/// The output columns [lo, hi) whose input column ox + offset lies inside a row of w.
static inline void inside_columns(long offset, long w, long wo, long *lo, long *hi) {
    *lo = -offset < 0 ? 0 : -offset > wo ? wo : -offset;
    *hi = w - offset < wo ? w - offset : wo;
    if (*hi < *lo) *hi = *lo;
}

/// ⌈a / b⌉ for b > 0 and any sign of a.
static inline long ceil_div(long a, long b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

KERNEL static void im2col_unit_stride(const float *x, long c, long h, long w, long kh, long kw, long sh, long dh,
                                      long dw, long pt, long pl, long ho, long wo, float *col) {
    float *out = col;
    for (long ch = 0; ch < c; ch++) {
        const float *plane = x + ch * h * w;
        for (long i = 0; i < kh; i++) {
            // iy = oy·sh + row_offset is inside for oy in [oy_lo, oy_hi).
            const long row_offset = i * dh - pt;
            long oy_lo = ceil_div(-row_offset, sh);
            oy_lo = oy_lo < 0 ? 0 : oy_lo > ho ? ho : oy_lo;
            long oy_hi = ceil_div(h - row_offset, sh);
            oy_hi = oy_hi > ho ? ho : oy_hi < oy_lo ? oy_lo : oy_hi;
            for (long j = 0; j < kw; j++) {
                // ix = ox + offset is inside for ox in [lo, hi).
                const long offset = j * dw - pl;
                long lo, hi;
                inside_columns(offset, w, wo, &lo, &hi);
                zero_floats(out, oy_lo * wo);
                for (long oy = oy_lo; oy < oy_hi; oy++) {
                    float *dst = out + oy * wo;
                    const float *src = plane + (oy * sh + row_offset) * w + offset;
                    zero_floats(dst, lo);
                    copy_floats(dst + lo, src + lo, hi - lo);
                    zero_floats(dst + hi, wo - hi);
                }
                zero_floats(out + oy_hi * wo, (ho - oy_hi) * wo);
                out += ho * wo;
            }
        }
    }
}

int capas_im2col_unit_stride(const float *x, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *col) {
    if (!capas_small_sgemm_available()) return -1;
    im2col_unit_stride(x, c, h, w, kh, kw, sh, dh, dw, pt, pl, ho, wo, col);
    return 0;
}

KERNEL static void col2im_unit_stride(const float *col, long c, long h, long w, long kh, long kw, long sh, long dh,
                                      long dw, long pt, long pl, long ho, long wo, float *dx) {
    const float *src = col;
    for (long ch = 0; ch < c; ch++) {
        float *plane = dx + ch * h * w;
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                const long offset = j * dw - pl;
                long lo, hi;
                inside_columns(offset, w, wo, &lo, &hi);
                for (long oy = 0; oy < ho; oy++) {
                    const long iy = oy * sh - pt + i * dh;
                    if (iy < 0 || iy >= h) continue;
                    float *d = plane + iy * w + offset;
                    const float *line = src + oy * wo;
                    long ox = lo;
                    for (; ox + 8 <= hi; ox += 8)
                        _mm256_storeu_ps(d + ox, _mm256_add_ps(_mm256_loadu_ps(d + ox), _mm256_loadu_ps(line + ox)));
                    for (; ox < hi; ox++) d[ox] += line[ox];
                }
                src += ho * wo;
            }
        }
    }
}

int capas_col2im_unit_stride(const float *col, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *dx) {
    if (!capas_small_sgemm_available()) return -1;
    col2im_unit_stride(col, c, h, w, kh, kw, sh, dh, dw, pt, pl, ho, wo, dx);
    return 0;
}

KERNEL static void adam(float *theta, const float *grad, float *m, float *v, long n, float step_size,
                        float b1, float b2, float c2, float eps, float wd) {
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vc2 = _mm256_set1_ps(c2);
    const __m256 va1 = _mm256_set1_ps(1 - b1), va2 = _mm256_set1_ps(1 - b2);
    const __m256 veps = _mm256_set1_ps(eps), vwd = _mm256_set1_ps(wd), vstep = _mm256_set1_ps(step_size);
    long i = 0;
    // Each operation separately rounded, in the order of the scalar formula
    // (no fused multiply-add): the same numbers as `Optimizer`'s own loop.
    for (; i + 8 <= n; i += 8) {
        const __m256 t = _mm256_loadu_ps(theta + i);
        const __m256 g = _mm256_add_ps(_mm256_loadu_ps(grad + i), _mm256_mul_ps(vwd, t));
        const __m256 first = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(va1, g));
        const __m256 second = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)),
                                            _mm256_mul_ps(_mm256_mul_ps(va2, g), g));
        _mm256_storeu_ps(m + i, first);
        _mm256_storeu_ps(v + i, second);
        const __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(second), vc2), veps);
        _mm256_storeu_ps(theta + i, _mm256_sub_ps(t, _mm256_div_ps(_mm256_mul_ps(vstep, first), denominator)));
    }
    for (; i < n; i++) {
#pragma clang fp contract(off)
        const float g = grad[i] + wd * theta[i];
        const float first = b1 * m[i] + (1 - b1) * g;
        const float second = b2 * v[i] + ((1 - b2) * g) * g;
        m[i] = first;
        v[i] = second;
        theta[i] -= (step_size * first) / (__builtin_sqrtf(second) / c2 + eps);
    }
}

int capas_adam(float *theta, const float *grad, float *m, float *v, long n, float step_size,
               float b1, float b2, float c2, float eps, float wd) {
    if (!capas_small_sgemm_available()) return -1;
    adam(theta, grad, m, v, n, step_size, b1, b2, c2, eps, wd);
    return 0;
}

/// dst [cols × rows] = srcᵀ, eight by eight in registers.
KERNEL static void transpose(const float *src, long rows, long cols, long lds, float *dst, long ldd) {
    long i = 0;
    for (; i + 8 <= rows; i += 8) {
        long j = 0;
        for (; j + 8 <= cols; j += 8) {
            __m256 r[8], t[8];
            for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + (i + q) * lds + j);
            // The usual three steps: pairs, quads, then the 128-bit halves.
            t[0] = _mm256_unpacklo_ps(r[0], r[1]); t[1] = _mm256_unpackhi_ps(r[0], r[1]);
            t[2] = _mm256_unpacklo_ps(r[2], r[3]); t[3] = _mm256_unpackhi_ps(r[2], r[3]);
            t[4] = _mm256_unpacklo_ps(r[4], r[5]); t[5] = _mm256_unpackhi_ps(r[4], r[5]);
            t[6] = _mm256_unpacklo_ps(r[6], r[7]); t[7] = _mm256_unpackhi_ps(r[6], r[7]);
            r[0] = _mm256_shuffle_ps(t[0], t[2], 0x44); r[1] = _mm256_shuffle_ps(t[0], t[2], 0xEE);
            r[2] = _mm256_shuffle_ps(t[1], t[3], 0x44); r[3] = _mm256_shuffle_ps(t[1], t[3], 0xEE);
            r[4] = _mm256_shuffle_ps(t[4], t[6], 0x44); r[5] = _mm256_shuffle_ps(t[4], t[6], 0xEE);
            r[6] = _mm256_shuffle_ps(t[5], t[7], 0x44); r[7] = _mm256_shuffle_ps(t[5], t[7], 0xEE);
            t[0] = _mm256_permute2f128_ps(r[0], r[4], 0x20); t[1] = _mm256_permute2f128_ps(r[1], r[5], 0x20);
            t[2] = _mm256_permute2f128_ps(r[2], r[6], 0x20); t[3] = _mm256_permute2f128_ps(r[3], r[7], 0x20);
            t[4] = _mm256_permute2f128_ps(r[0], r[4], 0x31); t[5] = _mm256_permute2f128_ps(r[1], r[5], 0x31);
            t[6] = _mm256_permute2f128_ps(r[2], r[6], 0x31); t[7] = _mm256_permute2f128_ps(r[3], r[7], 0x31);
            for (int q = 0; q < 8; q++) _mm256_storeu_ps(dst + (j + q) * ldd + i, t[q]);
        }
        for (; j < cols; j++)
            for (int q = 0; q < 8; q++) dst[j * ldd + i + q] = src[(i + q) * lds + j];
    }
    for (; i < rows; i++)
        for (long j = 0; j < cols; j++) dst[j * ldd + i] = src[i * lds + j];
}

int capas_transpose(const float *src, long rows, long cols, long lds, float *dst, long ldd) {
    if (!capas_small_sgemm_available()) return -1;
    transpose(src, rows, cols, lds, dst, ldd);
    return 0;
}

int capas_small_sgemm_available(void) {
    static int available = -1;
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return available;
}

int capas_small_sgemm(int transpose_a, long m, long n, long k, const float *a, long lda,
                      const float *b, long ldb, float *c, long ldc, int accumulate) {
    if (!capas_small_sgemm_available()) return -1;
    if (m <= 0 || n <= 0) return 0;
    if (transpose_a) product(m, n, k, a, 1, lda, b, ldb, c, ldc, accumulate);
    else product(m, n, k, a, lda, 1, b, ldb, c, ldc, accumulate);
    return 0;
}

#else

int capas_small_sgemm_available(void) { return 0; }

int capas_transpose(const float *src, long rows, long cols, long lds, float *dst, long ldd) {
    (void)src; (void)rows; (void)cols; (void)lds; (void)dst; (void)ldd;
    return -1;
}

int capas_adam(float *theta, const float *grad, float *m, float *v, long n, float step_size,
               float b1, float b2, float c2, float eps, float wd) {
    (void)theta; (void)grad; (void)m; (void)v; (void)n; (void)step_size; (void)b1; (void)b2; (void)c2; (void)eps; (void)wd;
    return -1;
}

long capas_direct_conv_scratch(long c, long ho, long wo, long kh, long kw) {
    (void)c; (void)ho; (void)wo; (void)kh; (void)kw;
    return 0;
}

int capas_direct_conv(const float *x, long c, long h, long w, long pt, long pl,
                      const float *weight, long k, long kh, long kw, const float *bias, int relu,
                      float *y, long ho, long wo, float *scratch) {
    (void)x; (void)c; (void)h; (void)w; (void)pt; (void)pl; (void)weight; (void)k;
    (void)kh; (void)kw; (void)bias; (void)relu; (void)y; (void)ho; (void)wo; (void)scratch;
    return -1;
}

int capas_direct_conv_pooled(const float *x, long c, long h, long w, long pt, long pl,
                             const float *weight, long k, long kh, long kw, const float *bias,
                             float *pooled, long ho, long wo, float *scratch) {
    (void)x; (void)c; (void)h; (void)w; (void)pt; (void)pl; (void)weight; (void)k;
    (void)kh; (void)kw; (void)bias; (void)pooled; (void)ho; (void)wo; (void)scratch;
    return -1;
}

int capas_maxpool2_backward(const float *dy, const int32_t *winners, const float *rectified, long planes,
                            long h, long w, long ho, long wo, float *dx) {
    (void)dy; (void)winners; (void)rectified; (void)planes; (void)h; (void)w; (void)ho; (void)wo; (void)dx;
    return -1;
}

int capas_im2col_unit_stride(const float *x, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *col) {
    (void)x; (void)c; (void)h; (void)w; (void)kh; (void)kw; (void)sh; (void)dh; (void)dw;
    (void)pt; (void)pl; (void)ho; (void)wo; (void)col;
    return -1;
}

int capas_col2im_unit_stride(const float *col, long c, long h, long w, long kh, long kw, long sh, long dh, long dw,
                             long pt, long pl, long ho, long wo, float *dx) {
    (void)col; (void)c; (void)h; (void)w; (void)kh; (void)kw; (void)sh; (void)dh; (void)dw;
    (void)pt; (void)pl; (void)ho; (void)wo; (void)dx;
    return -1;
}

int capas_small_sgemm(int transpose_a, long m, long n, long k, const float *a, long lda,
                      const float *b, long ldb, float *c, long ldc, int accumulate) {
    (void)transpose_a; (void)m; (void)n; (void)k; (void)a; (void)lda;
    (void)b; (void)ldb; (void)c; (void)ldc; (void)accumulate;
    return -1;
}

#endif
