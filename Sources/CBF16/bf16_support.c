/*
 * The parts of pg_bf16 compiled for the baseline x86-64 target: the CPU check, which must run on any
 * CPU, and the per-thread workspace.
 */
#include "pg_bf16.h"

#include <pthread.h>
#include <stdlib.h>

int pg_bf16_supported(void) {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a < 7) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!(c & (1u << 27))) return 0; /* OSXSAVE */
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 0xE6) != 0xE6) return 0; /* XMM, YMM, opmask, ZMM state enabled by the OS */
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    unsigned max7 = a;
    if (max7 < 1) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    int bf16 = (a >> 5) & 1;
    return f && dq && bw && vl && bf16;
#else
    return 0;
#endif
}

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
