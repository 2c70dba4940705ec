#ifndef POLYGLOT_HOST_CPU_H
#define POLYGLOT_HOST_CPU_H
/* What the CPU running Polyglot can do, read with CPUID (and XGETBV for what the OS has enabled). This file
 * is compiled for the baseline x86-64 target, so every check runs on any CPU; elsewhere they answer 0. */

/// The instruction-set extensions this build was compiled to require (see Package.swift's target CPU)
/// that the CPU running it lacks, as a comma-separated list; empty when it can run.
const char *polyglot_missing_cpu_features(void);

/// 1 when the CPU has AVX-512 F, DQ, BW and VL and the OS saves the opmask and ZMM state.
int polyglot_cpu_has_avx512(void);

/// 1 when, in addition, it has AVX512-BF16 (vdpbf16ps).
int polyglot_cpu_has_avx512_bf16(void);

/// 1 for AMD (and Hygon) CPUs.
int polyglot_cpu_is_amd(void);

/// The family as CPUID reports it, base plus extended (0x19 for Zen 3 and Zen 4, 0x1A for Zen 5).
int polyglot_cpu_family(void);
#endif
