/*
 * The parts of pg_bf16 compiled for the baseline x86-64 target: the CPU check (CHostCPU's), which must
 * run on any CPU, and the per-thread workspace.
 */
#include "pg_bf16.h"
#include "host_cpu.h"

#include <pthread.h>
#include <stdlib.h>

int pg_bf16_supported(void) { return polyglot_cpu_has_avx512_bf16(); }

struct workspace { void *memory; size_t bytes; };

static pthread_key_t workspace_key;
static pthread_once_t workspace_once = PTHREAD_ONCE_INIT;

static void release_workspace(void *p) {
    struct workspace *w = p;
    free(w->memory);
    free(w);
}
static void make_key(void) { pthread_key_create(&workspace_key, release_workspace); }

void *pg_bf16_thread_workspace(size_t bytes) {
    pthread_once(&workspace_once, make_key);
    struct workspace *w = pthread_getspecific(workspace_key);
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w) return NULL;
        pthread_setspecific(workspace_key, w);
    }
    if (w->bytes < bytes) {
        size_t rounded = (bytes + 63) & ~(size_t)63;
        void *grown = NULL;
        if (posix_memalign(&grown, 64, rounded) != 0) return NULL;
        free(w->memory);
        w->memory = grown;
        w->bytes = rounded;
    }
    return w->memory;
}
