#ifndef POLYGLOT_HOST_CPU_H
#define POLYGLOT_HOST_CPU_H
/// The instruction-set extensions this build was compiled to require (see Package.swift's target CPU)
/// that the CPU running it lacks, as a comma-separated list; empty when it can run.
const char *polyglot_missing_cpu_features(void);
#endif
