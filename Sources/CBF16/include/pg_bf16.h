/*
 * pg_bf16: bf16 x bf16 -> fp32 matrix products for x86-64 CPUs with AVX512-BF16.
 *
 * All matrices are row-major fp32 in memory; the operands are rounded to bf16
 * (round-to-nearest-even) while they are packed, products are accumulated in
 * fp32 with vdpbf16ps, and C stays fp32:
 *
 *     C = alpha * op(A) * op(B) + beta * C,   op(A) is m x k, op(B) is k x n.
 *
 * No allocation, no global state, no threads: the caller provides the
 * workspace (pg_bf16_workspace_size) and splits large products over its own
 * threads (row blocks of C, or column blocks at multiples of PG_BF16_NR when
 * B is pre-packed).
 *
 * Pre-packing B (e.g. a weight matrix once per optimizer step) lets every call
 * that uses it skip the conversion; the packed form depends on transB, so a
 * weight W [out, in] used as y = x W^T (transB = 1) and dx = dy W (transB = 0)
 * is packed once for each use.
 */
#ifndef PG_BF16_H
#define PG_BF16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Columns of C per micro-tile; column splits of a pre-packed B must start at multiples of it. */
#ifndef PG_BF16_NR
#define PG_BF16_NR 32
#endif

/* 1 when the CPU and OS support AVX512F/BW/VL and AVX512-BF16 (and the ZMM state is enabled). */
int pg_bf16_supported(void);

/*
 * A 64-byte aligned workspace of at least `bytes` for the calling thread, kept until the thread ends and
 * grown (never shrunk) when a larger one is asked for; NULL when memory runs out. Each thread has its
 * own, so concurrent products never share one.
 */
void *pg_bf16_thread_workspace(size_t bytes);

/* Round fp32 to bf16 (round to nearest even; NaN stays NaN). */
void pg_bf16_from_float(const float *src, uint16_t *dst, size_t count);
void pg_bf16_to_float(const uint16_t *src, float *dst, size_t count);

/* Bytes of workspace pg_bf16_gemm needs (a multiple of 64; pass 64-byte aligned memory). */
size_t pg_bf16_workspace_size(int transA, int transB, long m, long n, long k);
/* Bytes of workspace pg_bf16_gemm_packed needs. */
size_t pg_bf16_packed_workspace_size(int transA, long m, long n, long k);

/* Bytes of a pre-packed op(B) (k x n). */
size_t pg_bf16_packed_b_size(long k, long n);
/* Byte offset, inside a pre-packed B, of column col (a multiple of PG_BF16_NR). */
size_t pg_bf16_packed_b_offset(long k, long col);
/*
 * Packs columns [col0, col1) of op(B) (k x n; B is k x n row-major when transB == 0,
 * n x k when transB == 1) into `packed` (of size pg_bf16_packed_b_size(k, n)).
 * col0 must be a multiple of PG_BF16_NR, col1 too unless it equals n, so that
 * threads can pack disjoint column ranges of one buffer.
 */
void pg_bf16_pack_b(int transB, long k, long n, const float *b, long ldb, void *packed, long col0, long col1);

/* C = alpha op(A) op(B) + beta C, with both operands fp32 (converted while packing). */
void pg_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha,
                  const float *a, long lda, const float *b, long ldb,
                  float beta, float *c, long ldc, void *workspace);

/*
 * The same with op(B) pre-packed by pg_bf16_pack_b. To compute columns [c0, c1) only,
 * pass packedB + pg_bf16_packed_b_offset(k, c0), n = c1 - c0 and c + c0.
 */
void pg_bf16_gemm_packed(int transA, long m, long n, long k, float alpha,
                         const float *a, long lda, const void *packedB,
                         float beta, float *c, long ldc, void *workspace);

#ifdef __cplusplus
}
#endif
#endif
