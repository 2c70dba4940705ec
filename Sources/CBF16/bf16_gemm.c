/*
 * pg_bf16: bf16 x bf16 -> fp32 GEMM with AVX512-BF16 (vdpbf16ps). See pg_bf16.h.
 *
 * Every function here is compiled for AVX512F/BW/VL/DQ + AVX512-BF16 by the pragma below, whatever the
 * command-line target, and may only be called after pg_bf16_supported() (bf16_support.c, compiled for
 * the baseline) has said yes.
 *
 * Layout. vdpbf16ps multiplies 16 lanes of bf16 pairs: acc[j] += a[2j] b[2j] + a[2j+1] b[2j+1].
 * The micro-kernel keeps a PG_MR x PG_BF16_NR tile of C in registers (lanes run along the
 * columns of C), broadcasts one (k, k+1) pair of A per row and loads the matching pairs of
 * PG_BF16_NR columns of B:
 *   packed B: panels of NR columns; a panel holds, for each k pair p, NR 32-bit words
 *             (B[2p][j], B[2p+1][j]) -> [kp][NR] pairs, panel after panel.
 *   packed A: transA == 0: the rows of the block converted to bf16, row-major (a k pair is
 *             already adjacent in a row); transA == 1: panels of MR rows, [kp][MR] pairs
 *             (interleaving two source rows, as for B).
 * Cache blocking: k in slices of PG_KC (the B micro-panel, KC x NR bf16 = 32 KiB, stays in L1
 * while the A micro-panels of an MC x KC block stream from L2).
 */
#include "pg_bf16.h"

#include <immintrin.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma"))), apply_to = function)

#ifndef PG_MR
#define PG_MR 14
#endif
#define NR PG_BF16_NR
#define NV (NR / 16)
#ifndef PG_KC
#define PG_KC 512 /* even */
#endif
#ifndef PG_MC
#define PG_MC (PG_MR * 16)
#endif
/* Largest packed B block pg_bf16_gemm keeps (bytes); wider B is done in column blocks. */
#ifndef PG_B_BLOCK_BYTES
#define PG_B_BLOCK_BYTES (8L << 20)
#endif

typedef uint32_t pair_t;

_Static_assert(PG_MR >= 1 && PG_MR <= 16, "a row panel must fit one 16-lane vector");
_Static_assert(NR % 16 == 0 && NR >= 16, "PG_BF16_NR must be a multiple of 16");
_Static_assert(PG_KC % 2 == 0 && PG_MC % PG_MR == 0, "KC even, MC a multiple of MR");

static inline long minl(long a, long b) { return a < b ? a : b; }
static inline long kpairs(long k) { return (k + 1) / 2; }
static inline size_t round64(size_t x) { return (x + 63) & ~(size_t)63; }

/* ------------------------------------------------------------------ conversion */

void pg_bf16_from_float(const float *src, uint16_t *dst, size_t count) {
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512((void *)(dst + i), (__m512i)v);
    }
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i)));
    if (i < count) {
        __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        __m256i v = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
        _mm256_mask_storeu_epi16(dst + i, m, v);
    }
}

void pg_bf16_to_float(const uint16_t *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512i v = _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(src + i))), 16);
        _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(v));
    }
    for (; i < count; i++) {
        uint32_t u = (uint32_t)src[i] << 16;
        memcpy(dst + i, &u, 4);
    }
}

static inline __mmask16 lanes(long n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* len fp32 values -> (len + 1) / 2 pairs, the last one zero-padded when len is odd. */
static inline void convert_pairs(const float *s, long len, pair_t *d) {
    long i = 0;
    for (; i + 32 <= len; i += 32) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + i + 16), _mm512_loadu_ps(s + i));
        _mm512_storeu_si512((void *)(d + i / 2), (__m512i)v);
    }
    if (i < len) {
        long r = len - i;
        __m512 lo = _mm512_maskz_loadu_ps(lanes(r), s + i);
        __m512 hi = _mm512_maskz_loadu_ps(lanes(r - 16 > 0 ? r - 16 : 0), s + i + 16);
        __m512bh v = _mm512_cvtne2ps_pbh(hi, lo);
        _mm512_mask_storeu_epi32(d + i / 2, lanes((r + 1) / 2), (__m512i)v);
    }
}

/* bf16 positions of cvtne2ps_pbh(r1, r0) = [r0_0..r0_15, r1_0..r1_15] -> [r0_0, r1_0, r0_1, r1_1, ...]. */
static inline __m512i interleave_index(void) {
    return _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                            23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
}

/* 16 pairs (r0[j], r1[j]) for columns j < valid (zero beyond); r1 may be NULL (zeros). */
static inline __m512i pairs16(const float *r0, const float *r1, __mmask16 valid, __m512i idx) {
    __m512 lo = _mm512_maskz_loadu_ps(valid, r0);
    __m512 hi = r1 ? _mm512_maskz_loadu_ps(valid, r1) : _mm512_setzero_ps();
    return _mm512_permutexvar_epi16(idx, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

/* In-place transpose of a 16 x 16 matrix of 32-bit words held as 16 rows. */
static inline void transpose16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    /* u[4i + c], 128-bit lane L = column 4L + c of rows 4i..4i+3: transpose the 4 x 4 lanes per c. */
    for (int c = 0; c < 4; c++) {
        __m512i x0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), x1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
        __m512i x2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44), x3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
        r[c] = _mm512_shuffle_i32x4(x0, x2, 0x88);
        r[4 + c] = _mm512_shuffle_i32x4(x0, x2, 0xDD);
        r[8 + c] = _mm512_shuffle_i32x4(x1, x3, 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(x1, x3, 0xDD);
    }
}

/* ------------------------------------------------------------------ packing */

size_t pg_bf16_packed_b_size(long k, long n) {
    return round64((size_t)((n + NR - 1) / NR) * (size_t)kpairs(k) * NR * sizeof(pair_t));
}

size_t pg_bf16_packed_b_offset(long k, long col) {
    return (size_t)(col / NR) * (size_t)kpairs(k) * NR * sizeof(pair_t);
}

/* Panel of columns [j0, j0 + nr) of op(B), k pairs [p0, p0 + np), written as [np][NR] pairs at d. */
static void pack_b_panel(int transB, long k, const float *b, long ldb, long j0, long nr, long p0, long np,
                         pair_t *d) {
    if (!transB) {
        /* B is k x n: pair p interleaves rows 2p and 2p+1. */
        __m512i idx = interleave_index();
        for (long p = p0; p < p0 + np; p++) {
            const float *r0 = b + 2 * p * ldb + j0;
            const float *r1 = 2 * p + 1 < k ? r0 + ldb : NULL;
            for (int v = 0; v < NV; v++) {
                long left = nr - 16 * v;
                __m512i x = left > 0 ? pairs16(r0 + 16 * v, r1 ? r1 + 16 * v : NULL, lanes(left), idx)
                                     : _mm512_setzero_si512();
                _mm512_storeu_si512((void *)(d + (p - p0) * NR + 16 * v), x);
            }
        }
    } else {
        /* B is n x k: column j of op(B) is row j of B, its pairs are adjacent; 16 x 16 transposes of
           32-bit pairs (16 rows of B, 16 k pairs at a time). */
        for (long q = 0; q < np; q += 16) {
            long kbeg = 2 * (p0 + q), klen = minl(32, k - kbeg), cnt = minl(16, np - q);
            for (int g = 0; g < NV; g++) {
                __m512i r[16];
                for (int t = 0; t < 16; t++) {
                    long jj = 16 * g + t;
                    if (jj < nr) {
                        const float *row = b + (j0 + jj) * ldb + kbeg;
                        __m512 lo = _mm512_maskz_loadu_ps(lanes(klen), row);
                        __m512 hi = _mm512_maskz_loadu_ps(lanes(klen > 16 ? klen - 16 : 0), row + 16);
                        r[t] = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
                    } else {
                        r[t] = _mm512_setzero_si512();
                    }
                }
                transpose16(r);
                for (long t = 0; t < cnt; t++) _mm512_storeu_si512((void *)(d + (q + t) * NR + 16 * g), r[t]);
            }
        }
    }
}

void pg_bf16_pack_b(int transB, long k, long n, const float *b, long ldb, void *packed, long col0, long col1) {
    long kp = kpairs(k);
    for (long j0 = col0; j0 < col1; j0 += NR) {
        pair_t *d = (pair_t *)((char *)packed + pg_bf16_packed_b_offset(k, j0));
        pack_b_panel(transB, k, b, ldb, j0, minl(NR, n - j0), 0, kp, d);
    }
}

/* Block of rows [i0, i0 + mc) and k [k0, k0 + kc) of op(A). */
static void pack_a_block(int transA, const float *a, long lda, long i0, long mc, long k0, long kc,
                         pair_t *d) {
    long kcp = kpairs(kc);
    long rows = (mc + PG_MR - 1) / PG_MR * PG_MR;
    if (!transA) {
        /* Row-major bf16, kcp pairs per row; rows past mc zero. */
        for (long i = 0; i < mc; i++) convert_pairs(a + (i0 + i) * lda + k0, kc, d + i * kcp);
        if (rows > mc) memset(d + mc * kcp, 0, (size_t)(rows - mc) * kcp * sizeof(pair_t));
    } else {
        /* A is k x m: op(A) rows are columns of A; panels of MR rows, [kcp][MR] pairs. Each k pair
           interleaves two source rows over the whole block into tmp, then goes out MR words per panel. */
        __m512i idx = interleave_index();
        pair_t tmp[PG_MC + 16] __attribute__((aligned(64)));
        for (long p = 0; p < kcp; p++) {
            long kk = k0 + 2 * p;
            const float *r0 = a + kk * lda + i0;
            const float *r1 = kk + 1 < k0 + kc ? r0 + lda : NULL;
            for (long i = 0; i < rows; i += 16)
                _mm512_store_si512((void *)(tmp + i), i < mc ? pairs16(r0 + i, r1 ? r1 + i : NULL, lanes(mc - i), idx)
                                                              : _mm512_setzero_si512());
            for (long ir = 0; ir < rows; ir += PG_MR)
                _mm512_mask_storeu_epi32(d + ir * kcp + p * PG_MR, lanes(PG_MR), _mm512_loadu_si512((const void *)(tmp + ir)));
        }
    }
}

/* ------------------------------------------------------------------ micro-kernels */

#define PG_INLINE static inline __attribute__((always_inline))

PG_INLINE void store_tile(__m512 acc[PG_MR][NV], float *c, long ldc, long mr, long nr, float alpha, float beta) {
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (nr == NR && mr == PG_MR) {
        for (int i = 0; i < PG_MR; i++)
            for (int v = 0; v < NV; v++) {
                float *p = c + i * ldc + 16 * v;
                __m512 x = alpha == 1.0f ? acc[i][v] : _mm512_mul_ps(va, acc[i][v]);
                if (beta == 0.0f) _mm512_storeu_ps(p, x);
                else if (beta == 1.0f) _mm512_storeu_ps(p, _mm512_add_ps(x, _mm512_loadu_ps(p)));
                else _mm512_storeu_ps(p, _mm512_fmadd_ps(vb, _mm512_loadu_ps(p), x));
            }
        return;
    }
    for (int i = 0; i < PG_MR; i++) {
        if (i >= mr) break;
        for (int v = 0; v < NV; v++) {
            long left = nr - 16 * v;
            if (left <= 0) break;
            __mmask16 m = lanes(left);
            float *p = c + i * ldc + 16 * v;
            __m512 x = _mm512_mul_ps(va, acc[i][v]);
            if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, p), x);
            _mm512_mask_storeu_ps(p, m, x);
        }
    }
}

/* The loop over k pairs; AWORD(i, p) is the 32-bit pair of row i at pair p. */
#define PG_KERNEL_LOOP(AWORD)                                                                  \
    __m512 acc[PG_MR][NV];                                                                     \
    for (int i = 0; i < PG_MR; i++)                                                            \
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();                          \
    for (long p = 0; p < kp; p++) {                                                            \
        __m512bh bv[NV];                                                                       \
        for (int v = 0; v < NV; v++) bv[v] = (__m512bh)_mm512_loadu_si512((const void *)(b + p * NR + 16 * v)); \
        for (int i = 0; i < PG_MR; i++) {                                                      \
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)(AWORD));                           \
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_dpbf16_ps(acc[i][v], av, bv[v]);    \
        }                                                                                      \
    }

/* A as panel [kp][MR]. */
static void kernel_panel(long kp, const pair_t *restrict a, const pair_t *restrict b, float *c, long ldc,
                         long mr, long nr, float alpha, float beta) {
    PG_KERNEL_LOOP(a[p * PG_MR + i])
    store_tile(acc, c, ldc, mr, nr, alpha, beta);
}

/* A as rows, lda pairs apart. */
static void kernel_rows(long kp, const pair_t *restrict a, long lda, const pair_t *restrict b, float *c,
                        long ldc, long mr, long nr, float alpha, float beta) {
    PG_KERNEL_LOOP(a[i * lda + p])
    store_tile(acc, c, ldc, mr, nr, alpha, beta);
}

/* ------------------------------------------------------------------ drivers */

static size_t a_block_bytes(long k) {
    long kc = minl(PG_KC, k < 1 ? 1 : k);
    long mc = (PG_MC + PG_MR - 1) / PG_MR * PG_MR;
    return round64((size_t)mc * (size_t)kpairs(kc) * sizeof(pair_t));
}

size_t pg_bf16_packed_workspace_size(int transA, long m, long n, long k) {
    (void)transA; (void)m; (void)n;
    return a_block_bytes(k);
}

static long b_block_cols(long k, long n) {
    long per_col = kpairs(k) * (long)sizeof(pair_t);
    long nc = PG_B_BLOCK_BYTES / (per_col > 0 ? per_col : 1) / NR * NR;
    if (nc < NR) nc = NR;
    long nfull = (n + NR - 1) / NR * NR;
    return nc < nfull ? nc : nfull;
}

size_t pg_bf16_workspace_size(int transA, int transB, long m, long n, long k) {
    (void)transB;
    return pg_bf16_packed_workspace_size(transA, m, n, k) + pg_bf16_packed_b_size(k, b_block_cols(k, n));
}

static void scale_c(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
}

/* C[:, 0:n] with op(B) packed as panels of kpt pairs. */
static void gemm_core(int transA, long m, long n, long k, float alpha, const float *a, long lda,
                      const pair_t *bp, long kpt, float beta, float *c, long ldc, pair_t *wa) {
    for (long k0 = 0; k0 < k; k0 += PG_KC) {
        long kc = minl(PG_KC, k - k0), kcp = kpairs(kc), p0 = k0 / 2;
        float bt = k0 == 0 ? beta : 1.0f;
        for (long i0 = 0; i0 < m; i0 += PG_MC) {
            long mc = minl(PG_MC, m - i0);
            pack_a_block(transA, a, lda, i0, mc, k0, kc, wa);
            for (long j0 = 0; j0 < n; j0 += NR) {
                const pair_t *bpan = bp + (j0 / NR) * kpt * NR + p0 * NR;
                long nr = minl(NR, n - j0);
                for (long ir = 0; ir < mc; ir += PG_MR) {
                    long mr = minl(PG_MR, mc - ir);
                    float *ct = c + (i0 + ir) * ldc + j0;
                    if (transA) kernel_panel(kcp, wa + ir * kcp, bpan, ct, ldc, mr, nr, alpha, bt);
                    else kernel_rows(kcp, wa + ir * kcp, kcp, bpan, ct, ldc, mr, nr, alpha, bt);
                }
            }
        }
    }
}

void pg_bf16_gemm_packed(int transA, long m, long n, long k, float alpha, const float *a, long lda,
                         const void *packedB, float beta, float *c, long ldc, void *workspace) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) { scale_c(m, n, beta, c, ldc); return; }
    gemm_core(transA, m, n, k, alpha, a, lda, (const pair_t *)packedB, kpairs(k), beta, c, ldc, (pair_t *)workspace);
}

void pg_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                  const float *b, long ldb, float beta, float *c, long ldc, void *workspace) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) { scale_c(m, n, beta, c, ldc); return; }
    pair_t *wa = (pair_t *)workspace;
    pair_t *wb = (pair_t *)((char *)workspace + a_block_bytes(k));
    long nc = b_block_cols(k, n), kp = kpairs(k);
    for (long j0 = 0; j0 < n; j0 += nc) {
        long ncur = minl(nc, n - j0);
        for (long jj = 0; jj < ncur; jj += NR)
            pack_b_panel(transB, k, transB ? b + j0 * ldb : b + j0, ldb, jj, minl(NR, ncur - jj), 0, kp,
                         wb + (jj / NR) * kp * NR);
        gemm_core(transA, m, ncur, k, alpha, a, lda, wb, kp, beta, c + j0, ldc, wa);
    }
}

#pragma clang attribute pop
