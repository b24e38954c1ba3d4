// A whole GEMM D = C + A B under one Numerics: picks a fast kernel when one
// computes exactly what DotProduct computes for these numerics, else runs
// DotProduct per element. Work is split over threads by output rows; every
// element's result depends only on its own inputs and index, so results do
// not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim {

// One operand after quantization, row-major: its values are exact values of
// its format times its block scales. `emin` is the element format's
// smallest normal exponent; block scaling shifts it per element
// (emin_per_element, when not null).
//
// Block scaling (mx, nvfp4) also gives the scales themselves: along K, one
// per block of `scale_block` elements of each K-vector (a row of A, a
// column of B), block_scales[vector * ScaleBlocks(k) + kk / scale_block].
// Under accumulate.block_scale block_sum the datapath multiplies block sums
// of the unscaled elements (values / scale, exact) by them.
struct GemmOperand {
  const double* values = nullptr;
  int emin = 0;
  const int16_t* emin_per_element = nullptr;
  const double* block_scales = nullptr;
  int scale_block = 0;

  int64_t ScaleBlocks(int64_t k) const {
    return scale_block ? (k + scale_block - 1) / scale_block : 0;
  }
  // The scale of element kk of K-vector `vector` (1 without block scales).
  double ScaleOf(int64_t vector, int64_t k, int64_t kk) const {
    return block_scales
               ? block_scales[vector * ScaleBlocks(k) + kk / scale_block]
               : 1.0;
  }
};

struct GemmProblem {
  int64_t m = 0, n = 0, k = 0;
  GemmOperand a;               // m x k
  GemmOperand b;               // k x n
  const double* c = nullptr;   // m x n, or null for zero
  double output_scale = 1.0;   // tensor scales, applied before output rounding
  uint64_t first_element = 0;  // index of D[0][0] among all outputs (batch)
};

// Which kernel Gemm uses for these numerics (a name of kernel_registry.h's
// FastGemmKernels, or "generic": the oracle), for reports and benchmarks.
std::string GemmKernelName(const Numerics& numerics,
                           const GemmProblem& problem);

// d: m x n, row-major. threads >= 1.
void Gemm(const GemmProblem& problem, const Numerics& numerics, double* d,
          int threads);

}  // namespace gemmsim
