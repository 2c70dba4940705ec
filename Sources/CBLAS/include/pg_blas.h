/*
 * pg_blas: the OpenBLAS functions Polyglot calls, loaded at run time.
 *
 * OpenBLAS picks its kernels for the CPU once, when the library is loaded, and reads OPENBLAS_CORETYPE
 * only then. Loading it here (dlopen) instead of linking it lets Polyglot make that request before the
 * choice is made: OpenBLAS 0.3.21 (Debian 12) does not know AMD's AVX-512 CPUs (Zen 4, family 0x19; Zen 5,
 * family 0x1A) and runs its Haswell (AVX2) kernels on them; newer OpenBLAS releases map Zen 4 to their
 * AVX-512 kernels. So on an AMD CPU of family 0x19 or later with AVX-512 (F, DQ, BW, VL, enabled by the
 * OS), and only when OPENBLAS_CORETYPE is not set (or empty), Polyglot asks for the SkylakeX kernels. The
 * variable is set for the load and put back as it was after it, so child processes see the environment they
 * were given.
 *
 * Every function loads the library on first use; pg_blas_load lets a program do it first and report a
 * failure itself.
 */
#ifndef PG_BLAS_H
#define PG_BLAS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Loads OpenBLAS (once; later calls return the first result): 0 when loaded, -1 when not (pg_blas_error). */
int pg_blas_load(void);

/* Why loading failed (one line), or an empty string. */
const char *pg_blas_error(void);

/* Who chose the kernels: "OpenBLAS" (its own choice for this CPU), "OPENBLAS_CORETYPE" (the environment)
 * or "Polyglot" (the request described above). */
const char *pg_blas_core_chooser(void);

/* C = alpha * op(A) * op(B) + beta * C, row-major (cblas_sgemm with CblasRowMajor); trans_a and trans_b are
 * 0 (as stored) or 1 (transposed). */
void pg_blas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc);
/* y = alpha * x + y over n contiguous floats. */
void pg_blas_saxpy(int n, float alpha, const float *x, float *y);
/* The dot product of n contiguous floats. */
float pg_blas_sdot(int n, const float *x, const float *y);

void pg_blas_set_num_threads(int n);
int pg_blas_get_num_threads(void);
/* The library's description ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"). */
const char *pg_blas_get_config(void);
/* The kernels it runs ("SkylakeX", "Haswell", ...). */
const char *pg_blas_get_corename(void);

#ifdef __cplusplus
}
#endif
#endif
