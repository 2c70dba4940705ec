// Package.swift compiles the Swift modules for a target CPU (Haswell-class, AVX2 + FMA, by default on
// x86-64), and defines POLYGLOT_REQUIRES_AVX2_FMA here when it does. This file itself is compiled
// for the baseline, so the check runs on any x86-64 CPU and the executable can stop with a clear
// message instead of dying on the first vector instruction.
#include "host_cpu.h"
#include <string.h>

static char missing[64];

const char *polyglot_missing_cpu_features(void) {
    missing[0] = 0;
#if defined(POLYGLOT_REQUIRES_AVX2_FMA) && defined(__x86_64__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) strcat(missing, missing[0] ? ",avx2" : "avx2");
    if (!__builtin_cpu_supports("fma")) strcat(missing, missing[0] ? ",fma" : "fma");
#endif
    return missing;
}
