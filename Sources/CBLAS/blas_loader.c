/*
 * Loads OpenBLAS and resolves the functions Polyglot calls (see pg_blas.h for why it is loaded at run time).
 */
#include "pg_blas.h"
#include "host_cpu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cblas.h's values: CblasRowMajor, CblasNoTrans, CblasTrans. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                         int lda, const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*saxpy_fn)(int n, float alpha, const float *x, int incx, float *y, int incy);
typedef float (*sdot_fn)(int n, const float *x, int incx, const float *y, int incy);
typedef void (*set_threads_fn)(int n);
typedef int (*get_threads_fn)(void);
typedef char *(*string_fn)(void);

static struct {
    sgemm_fn sgemm;
    saxpy_fn saxpy;
    sdot_fn sdot;
    set_threads_fn set_num_threads;
    get_threads_fn get_num_threads;
    string_fn get_config;
    string_fn get_corename;
} blas;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512];
static const char *chooser = "OpenBLAS";

/* The library names tried in turn: Debian's runtime package installs the first. */
static const char *const library_names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", NULL};

/* The kernels Polyglot asks for, or NULL to leave the choice to OpenBLAS (or to OPENBLAS_CORETYPE). */
static const char *requested_core(void) {
    const char *set = getenv("OPENBLAS_CORETYPE");
    if (set && *set) {
        chooser = "OPENBLAS_CORETYPE";
        return NULL;
    }
    if (polyglot_cpu_is_amd() && polyglot_cpu_family() >= 0x19 && polyglot_cpu_has_avx512()) return "SkylakeX";
    return NULL;
}

static void *resolve(void *library, const char *name) {
    void *symbol = dlsym(library, name);
    if (!symbol && !load_error[0])
        snprintf(load_error, sizeof load_error, "OpenBLAS was loaded but has no %s; Polyglot needs OpenBLAS 0.3 or later (libopenblas-dev)", name);
    return symbol;
}

static void load(void) {
    const char *core = requested_core();
    /* An empty OPENBLAS_CORETYPE counts as unset; it is put back as it was after the load. */
    int had_empty = getenv("OPENBLAS_CORETYPE") != NULL;
    if (core) setenv("OPENBLAS_CORETYPE", core, 1);
    void *library = NULL;
    const char *first_error = NULL;
    char first_error_copy[256] = {0};
    for (const char *const *name = library_names; *name && !library; name++) {
        library = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
        if (!library && !first_error) {
            first_error = dlerror();
            if (first_error) snprintf(first_error_copy, sizeof first_error_copy, "%s", first_error);
        }
    }
    if (core) {
        if (had_empty) setenv("OPENBLAS_CORETYPE", "", 1);
        else unsetenv("OPENBLAS_CORETYPE");
    }
    if (!library) {
        snprintf(load_error, sizeof load_error,
                 "cannot load OpenBLAS (%s); install it with tools/setup.sh (Debian: libopenblas-dev)",
                 first_error_copy[0] ? first_error_copy : "libopenblas.so.0 not found");
        return;
    }
    blas.sgemm = (sgemm_fn)resolve(library, "cblas_sgemm");
    blas.saxpy = (saxpy_fn)resolve(library, "cblas_saxpy");
    blas.sdot = (sdot_fn)resolve(library, "cblas_sdot");
    blas.set_num_threads = (set_threads_fn)resolve(library, "openblas_set_num_threads");
    blas.get_num_threads = (get_threads_fn)resolve(library, "openblas_get_num_threads");
    blas.get_config = (string_fn)resolve(library, "openblas_get_config");
    blas.get_corename = (string_fn)resolve(library, "openblas_get_corename");
    if (load_error[0]) return;
    if (core) chooser = "Polyglot";
    __atomic_store_n(&load_status, 0, __ATOMIC_RELEASE);
}

int pg_blas_load(void) {
    pthread_once(&load_once, load);
    return load_status;
}

const char *pg_blas_error(void) { return load_error; }

const char *pg_blas_core_chooser(void) {
    pg_blas_load();
    return chooser;
}

/* Every entry point: a program that did not call pg_blas_load first (a test) stops here with the reason. */
static inline void require(void) {
    if (__builtin_expect(__atomic_load_n(&load_status, __ATOMIC_ACQUIRE) == 0, 1)) return;
    if (pg_blas_load() != 0) {
        fprintf(stderr, "error: %s\n", load_error);
        exit(1);
    }
}

void pg_blas_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc) {
    require();
    blas.sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb,
               beta, c, ldc);
}

void pg_blas_saxpy(int n, float alpha, const float *x, float *y) {
    require();
    blas.saxpy(n, alpha, x, 1, y, 1);
}

float pg_blas_sdot(int n, const float *x, const float *y) {
    require();
    return blas.sdot(n, x, 1, y, 1);
}

void pg_blas_set_num_threads(int n) {
    require();
    blas.set_num_threads(n);
}

int pg_blas_get_num_threads(void) {
    require();
    return blas.get_num_threads();
}

const char *pg_blas_get_config(void) {
    require();
    return blas.get_config();
}

const char *pg_blas_get_corename(void) {
    require();
    return blas.get_corename();
}
