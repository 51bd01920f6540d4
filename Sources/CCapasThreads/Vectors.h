// Small AVX2 helpers shared by Kernels.c and Winograd.c. Included only where
// the compiler targets x86-64; every function is compiled for AVX2 and FMA
// (target attributes) and is called only after `capas_small_sgemm_available`.

#ifndef CAPAS_VECTORS_H
#define CAPAS_VECTORS_H

#include <immintrin.h>

#define KERNEL __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/// The first `count` lanes set (all for count ≥ 8, none for count ≤ 0).
KERNEL INLINE __m256i lane_mask(long count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count > 8 ? 8 : count)), lanes);
}

/// count floats from src to dst, eight at a time (rows of a few dozen: no call to memcpy).
KERNEL INLINE void copy_floats(float *dst, const float *src, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
    for (; i < count; i++) dst[i] = src[i];
}

KERNEL INLINE void zero_floats(float *p, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(p + i, _mm256_setzero_ps());
    for (; i < count; i++) p[i] = 0;
}

/// Lanes 0, 2, …, 14 and 1, 3, …, 15 of the sixteen floats lo, hi.
KERNEL INLINE void split_even_odd(__m256 lo, __m256 hi, __m256 *even, __m256 *odd) {
    // Within each 128-bit half: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6]; then the middle quarters swapped.
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}

/// The same for the sixteen floats at p.
KERNEL INLINE void even_odd(const float *p, __m256 *even, __m256 *odd) {
    split_even_odd(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), even, odd);
}

/// [a0 b0 a1 b1 a2 b2 a3 b3] and [a4 b4 … a7 b7].
KERNEL INLINE void interleave(__m256 a, __m256 b, __m256 *lo, __m256 *hi) {
    const __m256 l = _mm256_unpacklo_ps(a, b), h = _mm256_unpackhi_ps(a, b);
    *lo = _mm256_permute2f128_ps(l, h, 0x20);
    *hi = _mm256_permute2f128_ps(l, h, 0x31);
}

/// The first `count` (≤ 16) of the sixteen floats lo, hi to p: whole vectors
/// where they fit, the rest one by one (masked stores are slow on AMD processors).
KERNEL INLINE void put16(__m256 lo, __m256 hi, float *p, long count) {
    if (count >= 16) {
        _mm256_storeu_ps(p, lo);
        _mm256_storeu_ps(p + 8, hi);
        return;
    }
    float lanes[16];
    _mm256_storeu_ps(lanes, lo);
    _mm256_storeu_ps(lanes + 8, hi);
    long q = 0;
    if (count >= 8) { _mm256_storeu_ps(p, lo); q = 8; }
    for (; q < count; q++) p[q] = lanes[q];
}

#endif
