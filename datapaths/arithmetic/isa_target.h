// GEMMSIM_TARGET("avx2"): compile one function for an x86 instruction set
// (the variants isa.h dispatches between, chosen once per process). On
// other processors it expands to nothing, so every variant is the baseline
// and the code still builds.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#define GEMMSIM_X86 1
#define GEMMSIM_TARGET(isa) __attribute__((target(isa)))
#else
#define GEMMSIM_X86 0
#define GEMMSIM_TARGET(isa)
#endif
