// Package.swift compiles the Swift modules for a target CPU (Haswell-class, AVX2 + FMA, by default on
// x86-64), and defines POLYGLOT_REQUIRES_AVX2_FMA here when it does. This file itself is compiled
// for the baseline, so the checks run on any x86-64 CPU and the executable can stop with a clear
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

#if defined(__x86_64__)
static void cpuid(unsigned leaf, unsigned subleaf, unsigned r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
}
#endif

int polyglot_cpu_has_avx512(void) {
#if defined(__x86_64__)
    unsigned r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) return 0;
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 27))) return 0; /* OSXSAVE: XGETBV is usable */
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 0xE6) != 0xE6) return 0; /* XMM, YMM, opmask, ZMM state enabled by the OS */
    cpuid(7, 0, r);
    unsigned b = r[1];
    return ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1); /* F, DQ, BW, VL */
#else
    return 0;
#endif
}

int polyglot_cpu_has_avx512_bf16(void) {
#if defined(__x86_64__)
    if (!polyglot_cpu_has_avx512()) return 0;
    unsigned r[4];
    cpuid(7, 0, r);
    if (r[0] < 1) return 0; /* no sub-leaf 1 */
    cpuid(7, 1, r);
    return (r[0] >> 5) & 1;
#else
    return 0;
#endif
}

int polyglot_cpu_is_amd(void) {
#if defined(__x86_64__)
    unsigned r[4];
    cpuid(0, 0, r);
    /* "AuthenticAMD" and "HygonGenuine" in EBX, EDX, ECX */
    return (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) ||
           (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975);
#else
    return 0;
#endif
}

int polyglot_cpu_family(void) {
#if defined(__x86_64__)
    unsigned r[4];
    cpuid(1, 0, r);
    int base = (r[0] >> 8) & 0xF;
    return base == 0xF ? base + (int)((r[0] >> 20) & 0xFF) : base;
#else
    return 0;
#endif
}
