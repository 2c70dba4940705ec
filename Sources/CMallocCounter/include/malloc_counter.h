#ifndef POLYGLOT_MALLOC_COUNTER_H
#define POLYGLOT_MALLOC_COUNTER_H
// Heap allocation counting for `polyglot bench`: this target defines malloc and friends in the
// executable, forwarding to glibc's own entry points, so every allocation in the process (Swift
// runtime, Foundation, OpenBLAS) is counted. Linked only into the `polyglot` executable.
unsigned long long polyglot_allocation_count(void);
#endif
