// The one registry of fast GEMM kernels (gemm_kernels.h) and its feature
// gate. Each kernel states, in its Applies function, exactly which
// numerics it computes bit for bit as DotProduct does; Gemm runs the first
// kernel that applies, else the oracle (DotProduct per element). A numerics
// key a kernel does not know must make its Applies false:
// tests/config/kernel_gate_test.cc tries every key of the numerics schema
// against every kernel that claims it, so that no key is silently ignored.
#pragma once

#include <cstdint>
#include <span>

#include "datapaths/arithmetic/gemm.h"

namespace gemmsim {

struct GemmKernel {
  const char* name;  // as reports name it
  // True only where the kernel gives DotProduct's bits for every input.
  bool (*applies)(const Numerics& numerics, const GemmProblem& problem);
  // Rows [row_begin, row_end) of D.
  void (*run)(const GemmProblem& problem, const Numerics& numerics,
              int64_t row_begin, int64_t row_end, double* d);
};

// The fast kernels, in the order Gemm tries them.
std::span<const GemmKernel> FastGemmKernels();

// The first fast kernel that applies, or null: the oracle runs.
const GemmKernel* ChooseGemmKernel(const Numerics& numerics,
                                   const GemmProblem& problem);

// D by `kernel` (which must apply), or by the oracle when it is null, rows
// split over `threads`. Gemm is RunGemmKernel(ChooseGemmKernel(...)).
void RunGemmKernel(const GemmKernel* kernel, const GemmProblem& problem,
                   const Numerics& numerics, double* d, int threads);

}  // namespace gemmsim
