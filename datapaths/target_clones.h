// Function multiversioning for hot kernels: GCC compiles one clone per ISA
// and picks one when the program loads. Clang 14 cannot multiversion
// function templates (the fuzz build, GEMMSIM_FUZZ=ON, compiles with clang),
// so under clang a kernel is compiled once for the baseline ISA. Results are
// the same either way (-ffp-contract=off, IEEE operations only); only speed
// differs.
#pragma once

#if defined(__clang__)
#define GEMMSIM_TARGET_CLONES(...)
#else
#define GEMMSIM_TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#endif
