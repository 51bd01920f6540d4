// The transforms of Winograd's F(2×2, 3×3) (capas' `Winograd` in
// CapasCore) with AVX2, eight tiles per vector, and the weight gradient's
// product dU = dM · Vᵀ without transposing V.
//
// Each function computes exactly what the Swift transform of the same name
// computes, operation for operation in the same order (additions and
// subtractions only, no fused multiply-add), so the results are the same
// bits; the Swift code stays as the path for processors without AVX2, and
// the tests hold the two to each other. Layouts (see `Winograd.Plan`):
//   V[ξ][c][t] and M[ξ][k][t]: position ξ at ξ·xi_stride, row at ·row_stride,
//   tile t of a chunk = sample index · tiles + ty · tw + tx.
// Eight lanes are stored at a time: lanes past a row's last tile land on the
// next tiles (written afterwards, in increasing order) or in the rows' slack.

#include "CCapasThreads.h"
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "Vectors.h"

KERNEL INLINE __m256 negate(__m256 v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }

/// max(0, v), and 0 for NaN (the comparison is false), as capas' relu.
KERNEL INLINE __m256 rectify(__m256 v) { return _mm256_and_ps(v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ)); }

// MARK: Input: V = Bᵀ d B

KERNEL static void input(const struct capas_winograd *p, const float *x, long samples, float *padded, float *v) {
    const long pw = p->pw, tiles = p->th * p->tw, xs = p->input_stride;
    for (long c = 0; c < p->c; c++) {
        for (long index = 0; index < samples; index++) {
            const float *plane = x + (index * p->c + c) * p->h * p->w;
            for (long iy = 0; iy < p->h; iy++)
                copy_floats(padded + (iy + p->pt) * pw + p->pl, plane + iy * p->w, p->w);
            float *out = v + c * p->row_stride + index * tiles;
            for (long ty = 0; ty < p->th; ty++) {
                for (long tx = 0; tx < p->tw; tx += 8) {
                    const float *base = padded + 2 * ty * pw + 2 * tx;
                    __m256 r[4][4];
                    for (int i = 0; i < 4; i++) {
                        even_odd(base + i * pw, &r[i][0], &r[i][1]);
                        even_odd(base + i * pw + 2, &r[i][2], &r[i][3]);
                    }
                    float *dst = out + ty * p->tw + tx;
                    // Bᵀ d combines rows into [d0 − d2, d1 + d2, d2 − d1, d1 − d3]; · B does the same on columns.
                    __m256 t[4][4];
                    for (int j = 0; j < 4; j++) {
                        t[0][j] = _mm256_sub_ps(r[0][j], r[2][j]);
                        t[1][j] = _mm256_add_ps(r[1][j], r[2][j]);
                        t[2][j] = _mm256_sub_ps(r[2][j], r[1][j]);
                        t[3][j] = _mm256_sub_ps(r[1][j], r[3][j]);
                    }
                    for (int i = 0; i < 4; i++) {
                        float *at = dst + 4 * i * xs;
                        _mm256_storeu_ps(at, _mm256_sub_ps(t[i][0], t[i][2]));
                        _mm256_storeu_ps(at + xs, _mm256_add_ps(t[i][1], t[i][2]));
                        _mm256_storeu_ps(at + 2 * xs, _mm256_sub_ps(t[i][2], t[i][1]));
                        _mm256_storeu_ps(at + 3 * xs, _mm256_sub_ps(t[i][1], t[i][3]));
                    }
                }
            }
        }
    }
}

// MARK: Output: y = Aᵀ m A + bias

/// The 2×2 outputs of eight tiles from the 16 positions at `at`.
KERNEL INLINE void tile_outputs(const float *at, long xs, __m256 b, int relu, __m256 y[4]) {
#define Q(xi) _mm256_loadu_ps(at + (xi) * xs)
    // Aᵀ m: rows 0+1+2 and 1−2−3 (left to right).
    __m256 s0[4], s1[4];
    for (int j = 0; j < 4; j++) {
        s0[j] = _mm256_add_ps(_mm256_add_ps(Q(j), Q(4 + j)), Q(8 + j));
        s1[j] = _mm256_sub_ps(_mm256_sub_ps(Q(4 + j), Q(8 + j)), Q(12 + j));
    }
#undef Q
    y[0] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0[0], s0[1]), s0[2]), b);
    y[1] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s0[1], s0[2]), s0[3]), b);
    y[2] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s1[0], s1[1]), s1[2]), b);
    y[3] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s1[1], s1[2]), s1[3]), b);
    if (relu)
        for (int q = 0; q < 4; q++) y[q] = rectify(y[q]);
}

KERNEL static void output(const struct capas_winograd *p, const float *m, long samples, const float *bias, int relu,
                          float *y) {
    const long tiles = p->th * p->tw, xs = p->output_stride, ho = p->ho, wo = p->wo;
    for (long index = 0; index < samples; index++) {
        for (long k = 0; k < p->k; k++) {
            const float *src = m + k * p->row_stride + index * tiles;
            float *plane = y + (index * p->k + k) * ho * wo;
            const __m256 b = _mm256_set1_ps(bias ? bias[k] : 0.0f);
            for (long ty = 0; ty < p->th; ty++) {
                for (long tx = 0; tx < p->tw; tx += 8) {
                    __m256 o[4], lo, hi;
                    tile_outputs(src + ty * p->tw + tx, xs, b, relu, o);
                    const long oy = 2 * ty, ox = 2 * tx, width = wo - ox < 16 ? wo - ox : 16;
                    interleave(o[0], o[1], &lo, &hi);
                    put16(lo, hi, plane + oy * wo + ox, width);
                    if (oy + 1 < ho) {
                        interleave(o[2], o[3], &lo, &hi);
                        put16(lo, hi, plane + (oy + 1) * wo + ox, width);
                    }
                }
            }
        }
    }
}

KERNEL static void output_pooled(const struct capas_winograd *p, const float *m, long samples, long first,
                                 const float *bias, float *pooled, int32_t *winners, long pho, long pwo) {
    const long tiles = p->th * p->tw, xs = p->output_stride;
    const __m256i lanes = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i one = _mm256_set1_epi32(1), w = _mm256_set1_epi32((int32_t)p->wo);
    for (long index = 0; index < samples; index++) {
        for (long k = 0; k < p->k; k++) {
            const float *src = m + k * p->row_stride + index * tiles;
            const long plane = ((first + index) * p->k + k) * pho * pwo;
            const __m256 b = _mm256_set1_ps(bias ? bias[k] : 0.0f);
            for (long ty = 0; ty < pho; ty++) {
                for (long tx = 0; tx < pwo; tx += 8) {
                    __m256 o[4];
                    tile_outputs(src + ty * p->tw + tx, xs, b, 1, o);
                    const long count = pwo - tx < 8 ? pwo - tx : 8;
                    float *out = pooled + plane + ty * pwo + tx;
                    // The first maximum in reading order wins; relu leaves no NaN.
                    __m256 best = o[0];
                    if (winners) {
                        const __m256i top_left = _mm256_add_epi32(lanes, _mm256_set1_epi32((int32_t)(2 * ty * p->wo + 2 * tx)));
                        const __m256i index_of[4] = {top_left, _mm256_add_epi32(top_left, one), _mm256_add_epi32(top_left, w),
                                                     _mm256_add_epi32(_mm256_add_epi32(top_left, w), one)};
                        __m256i winner = top_left;
                        for (int q = 1; q < 4; q++) {
                            const __m256 greater = _mm256_cmp_ps(o[q], best, _CMP_GT_OQ);
                            best = _mm256_blendv_ps(best, o[q], greater);
                            winner = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(winner),
                                                                          _mm256_castsi256_ps(index_of[q]), greater));
                        }
                        int32_t lanes_out[8];
                        _mm256_storeu_si256((__m256i *)lanes_out, winner);
                        int32_t *winners_out = winners + (out - pooled);
                        for (long q = 0; q < count; q++) winners_out[q] = lanes_out[q];
                    } else {
                        for (int q = 1; q < 4; q++) best = _mm256_blendv_ps(best, o[q], _mm256_cmp_ps(o[q], best, _CMP_GT_OQ));
                    }
                    if (count == 8) {
                        _mm256_storeu_ps(out, best);
                    } else {
                        float lanes_out[8];
                        _mm256_storeu_ps(lanes_out, best);
                        for (long q = 0; q < count; q++) out[q] = lanes_out[q];
                    }
                }
            }
        }
    }
}

// MARK: Backward

/// dM = A dY Aᵀ per tile; `padded` is 2·th rows of 2·tw8, zero outside the planes.
KERNEL static void output_gradient(const struct capas_winograd *p, const float *dy, long samples, float *padded,
                                   float *dm) {
    const long tiles = p->th * p->tw, xs = p->output_stride, qw = 2 * p->tw8;
    for (long k = 0; k < p->k; k++) {
        for (long index = 0; index < samples; index++) {
            const float *plane = dy + (index * p->k + k) * p->ho * p->wo;
            for (long oy = 0; oy < p->ho; oy++)
                copy_floats(padded + oy * qw, plane + oy * p->wo, p->wo);
            float *out = dm + k * p->row_stride + index * tiles;
            for (long ty = 0; ty < p->th; ty++) {
                for (long tx = 0; tx < p->tw; tx += 8) {
                    __m256 d00, d01, d10, d11;
                    even_odd(padded + 2 * ty * qw + 2 * tx, &d00, &d01);
                    even_odd(padded + (2 * ty + 1) * qw + 2 * tx, &d10, &d11);
                    // A dY: rows [d0, d0 + d1, d0 − d1, −d1]; then the same on columns.
                    const __m256 r[4][2] = {{d00, d01},
                                            {_mm256_add_ps(d00, d10), _mm256_add_ps(d01, d11)},
                                            {_mm256_sub_ps(d00, d10), _mm256_sub_ps(d01, d11)},
                                            {negate(d10), negate(d11)}};
                    float *dst = out + ty * p->tw + tx;
                    for (int i = 0; i < 4; i++) {
                        float *base = dst + 4 * i * xs;
                        _mm256_storeu_ps(base, r[i][0]);
                        _mm256_storeu_ps(base + xs, _mm256_add_ps(r[i][0], r[i][1]));
                        _mm256_storeu_ps(base + 2 * xs, _mm256_sub_ps(r[i][0], r[i][1]));
                        _mm256_storeu_ps(base + 3 * xs, negate(r[i][1]));
                    }
                }
            }
        }
    }
}

/// Adds the sixteen floats lo, hi onto those at p.
KERNEL INLINE void add16(float *p, __m256 lo, __m256 hi) {
    _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), lo));
    _mm256_storeu_ps(p + 8, _mm256_add_ps(_mm256_loadu_ps(p + 8), hi));
}

/// dX = Σ B dV Bᵀ over the overlapping 4×4 blocks; `padded` is ph × pw.
KERNEL static void input_gradient(const struct capas_winograd *p, const float *dv, long samples, float *padded,
                                  float *dx) {
    const long pw = p->pw, tiles = p->th * p->tw, xs = p->input_stride;
    const __m256i full = lane_mask(8), tail = lane_mask(p->tw - (p->tw8 - 8));
    for (long index = 0; index < samples; index++) {
        for (long c = 0; c < p->c; c++) {
            memset(padded, 0, (size_t)(p->ph * pw) * sizeof(float));
            const float *src = dv + c * p->row_stride + index * tiles;
            for (long ty = 0; ty < p->th; ty++) {
                for (long tx = 0; tx < p->tw; tx += 8) {
                    // Lanes past the row's last tile hold the next row's tiles: zeroed.
                    const __m256 mask = _mm256_castsi256_ps(tx + 8 <= p->tw ? full : tail);
                    const float *at = src + ty * p->tw + tx;
#define Q(xi) _mm256_and_ps(_mm256_loadu_ps(at + (xi) * xs), mask)
                    // B v: rows [v0, v1 − v2 + v3, −v0 + v1 + v2, −v3].
                    __m256 col[4][4];
                    for (int j = 0; j < 4; j++) {
                        const __m256 v0 = Q(j), v1 = Q(4 + j), v2 = Q(8 + j), v3 = Q(12 + j);
                        col[j][0] = v0;
                        col[j][1] = _mm256_add_ps(_mm256_sub_ps(v1, v2), v3);
                        col[j][2] = _mm256_sub_ps(_mm256_add_ps(v1, v2), v0);
                        col[j][3] = negate(v3);
                    }
#undef Q
                    float *base = padded + 2 * ty * pw + 2 * tx;
                    // (B v) Bᵀ on each row, added onto the plane.
                    for (int r = 0; r < 4; r++) {
                        const __m256 u0 = col[0][r], u1 = col[1][r], u2 = col[2][r], u3 = col[3][r];
                        float *line = base + r * pw;
                        __m256 lo, hi;
                        interleave(u0, _mm256_add_ps(_mm256_sub_ps(u1, u2), u3), &lo, &hi);
                        add16(line, lo, hi);
                        interleave(_mm256_sub_ps(_mm256_add_ps(u1, u2), u0), negate(u3), &lo, &hi);
                        add16(line + 2, lo, hi);
                    }
                }
            }
            float *plane = dx + (index * p->c + c) * p->h * p->w;
            for (long iy = 0; iy < p->h; iy++)
                copy_floats(plane + iy * p->w, padded + (iy + p->pt) * pw + p->pl, p->w);
        }
    }
}

// MARK: dU = dM · Vᵀ

/// Sum of the eight lanes: halves, then pairs, then the last two.
KERNEL INLINE float lane_sum(__m256 v) {
    const __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 q = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}

/// R rows of A by S rows of B: R·S sums over the inner dimension, eight lanes each.
KERNEL INLINE void dot_block(const int R, const int S, long k, const float *a, long lda, const float *b, long ldb,
                             float *c, long ldc, int accumulate) {
    __m256 acc[4][3];
    for (int i = 0; i < R; i++)
        for (int j = 0; j < S; j++) acc[i][j] = _mm256_setzero_ps();
    long t = 0;
    for (; t + 8 <= k; t += 8) {
        __m256 bv[3];
        for (int j = 0; j < S; j++) bv[j] = _mm256_loadu_ps(b + j * ldb + t);
        for (int i = 0; i < R; i++) {
            const __m256 av = _mm256_loadu_ps(a + i * lda + t);
            for (int j = 0; j < S; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    if (t < k) {
        const __m256i m = lane_mask(k - t);
        __m256 bv[3];
        for (int j = 0; j < S; j++) bv[j] = _mm256_maskload_ps(b + j * ldb + t, m);
        for (int i = 0; i < R; i++) {
            const __m256 av = _mm256_maskload_ps(a + i * lda + t, m);
            for (int j = 0; j < S; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < R; i++)
        for (int j = 0; j < S; j++) {
            const float sum = lane_sum(acc[i][j]);
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
        }
}

#define DOT_ROWS(R, S) \
    switch (S) { \
    case 3: dot_block(R, 3, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate); break; \
    case 2: dot_block(R, 2, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate); break; \
    default: dot_block(R, 1, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate); break; \
    }

KERNEL static void product_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                              long ldc, int accumulate) {
    for (long i = 0; i < m; i += 4) {
        const int rows = m - i < 4 ? (int)(m - i) : 4;
        for (long j = 0; j < n; j += 3) {
            const int cols = n - j < 3 ? (int)(n - j) : 3;
            switch (rows) {
            case 4: DOT_ROWS(4, cols) break;
            case 3: DOT_ROWS(3, cols) break;
            case 2: DOT_ROWS(2, cols) break;
            default: DOT_ROWS(1, cols) break;
            }
        }
    }
}

int capas_winograd_input(const struct capas_winograd *plan, const float *x, long samples, float *padded, float *v) {
    if (!capas_small_sgemm_available()) return -1;
    input(plan, x, samples, padded, v);
    return 0;
}

int capas_winograd_output(const struct capas_winograd *plan, const float *m, long samples, const float *bias, int relu,
                          float *y) {
    if (!capas_small_sgemm_available()) return -1;
    output(plan, m, samples, bias, relu, y);
    return 0;
}

int capas_winograd_output_pooled(const struct capas_winograd *plan, const float *m, long samples, long first_sample,
                                 const float *bias, float *pooled, int32_t *winners, long pooled_height,
                                 long pooled_width) {
    if (!capas_small_sgemm_available()) return -1;
    output_pooled(plan, m, samples, first_sample, bias, pooled, winners, pooled_height, pooled_width);
    return 0;
}

int capas_winograd_output_gradient(const struct capas_winograd *plan, const float *dy, long samples, float *padded,
                                   float *dm) {
    if (!capas_small_sgemm_available()) return -1;
    output_gradient(plan, dy, samples, padded, dm);
    return 0;
}

int capas_winograd_input_gradient(const struct capas_winograd *plan, const float *dv, long samples, float *padded,
                                  float *dx) {
    if (!capas_small_sgemm_available()) return -1;
    input_gradient(plan, dv, samples, padded, dx);
    return 0;
}

int capas_sgemm_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                   int accumulate) {
    if (!capas_small_sgemm_available()) return -1;
    if (m <= 0 || n <= 0) return 0;
    product_nt(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return 0;
}

#else

int capas_winograd_input(const struct capas_winograd *plan, const float *x, long samples, float *padded, float *v) {
    (void)plan; (void)x; (void)samples; (void)padded; (void)v;
    return -1;
}

int capas_winograd_output(const struct capas_winograd *plan, const float *m, long samples, const float *bias, int relu,
                          float *y) {
    (void)plan; (void)m; (void)samples; (void)bias; (void)relu; (void)y;
    return -1;
}

int capas_winograd_output_pooled(const struct capas_winograd *plan, const float *m, long samples, long first_sample,
                                 const float *bias, float *pooled, int32_t *winners, long pooled_height,
                                 long pooled_width) {
    (void)plan; (void)m; (void)samples; (void)first_sample; (void)bias; (void)pooled; (void)winners;
    (void)pooled_height; (void)pooled_width;
    return -1;
}

int capas_winograd_output_gradient(const struct capas_winograd *plan, const float *dy, long samples, float *padded,
                                   float *dm) {
    (void)plan; (void)dy; (void)samples; (void)padded; (void)dm;
    return -1;
}

int capas_winograd_input_gradient(const struct capas_winograd *plan, const float *dv, long samples, float *padded,
                                  float *dx) {
    (void)plan; (void)dv; (void)samples; (void)padded; (void)dx;
    return -1;
}

int capas_sgemm_nt(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c, long ldc,
                   int accumulate) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc; (void)accumulate;
    return -1;
}

#endif
