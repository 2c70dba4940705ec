#ifndef POLYGLOT_CBLAS_SHIM_H
#define POLYGLOT_CBLAS_SHIM_H
// Debian installs OpenBLAS's header as /usr/include/x86_64-linux-gnu/cblas.h (via alternatives) and
// also under openblas-pthread/; <cblas.h> resolves to whichever alternative is selected.
#include <cblas.h>
// OpenBLAS extensions (declared in its cblas.h, repeated so another CBLAS still compiles against us).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
#endif
