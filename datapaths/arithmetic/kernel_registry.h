// The one registry of fast GEMM kernels (gemm_kernels.h) and its feature
// gate. Each kernel lists the plan features it executes (gemm_plan.h) and
// states, in its Applies function, which parameters and values of those it
// computes bit for bit as DotProduct does; Gemm runs the first kernel that
// supports a GEMM's features and applies, else the oracle (DotProduct per
// element). tests/config/kernel_gate_test.cc tries every key of the
// numerics schema against every kernel that claims it, so that no key is
// silently ignored.
#pragma once

#include <cstdint>
#include <span>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/gemm_plan.h"

namespace gemmsim {

struct GemmKernel {
  const char* name;   // as reports name it
  Features supports;  // the plan features it executes (gemm_plan.h)
  // True only where the kernel gives DotProduct's bits for every input.
  bool (*applies)(const Numerics& numerics, const GemmProblem& problem);
  // Rows [row_begin, row_end) of D.
  void (*run)(const GemmProblem& problem, const Numerics& numerics,
              int64_t row_begin, int64_t row_end, double* d);
  // Optional (null: run each): batched dot products, problems[0, count)
  // of 1 x K x 1 each, the batches of one GEMM that this kernel claims,
  // into out[i], side by side in vector lanes.
  void (*dots)(const GemmProblem* problems, int64_t count,
               const Numerics& numerics, double* out) = nullptr;
};

// The fast kernels, in the order Gemm tries them.
std::span<const GemmKernel> FastGemmKernels();

// The gate: `kernel` supports every feature of the problem's plan and its
// Applies accepts the rest.
bool KernelClaims(const GemmKernel& kernel, const Numerics& numerics,
                  const GemmProblem& problem);

// The first fast kernel that claims the problem, or null: the oracle runs.
const GemmKernel* ChooseGemmKernel(const Numerics& numerics,
                                   const GemmProblem& problem);

// D by `kernel` (which must apply), or by the oracle when it is null, rows
// split over `threads`. Gemm is RunGemmKernel(ChooseGemmKernel(...)).
void RunGemmKernel(const GemmKernel* kernel, const GemmProblem& problem,
                   const Numerics& numerics, double* d, int threads);

// The same without checking that `kernel` applies: for a kernel chosen for
// a larger problem (GemmPlan), whose every row range it applies to.
void RunKernelUnchecked(const GemmKernel* kernel, const GemmProblem& problem,
                        const Numerics& numerics, double* d, int threads);

}  // namespace gemmsim
