// narrow-acc in float32 lanes (twice the lanes of double) for block-1
// accumulation into a narrow float format (fp16, bf16, e6m9, ...) of products
// float32 holds exactly. Each step's sum acc + a b is formed in float32 and
// rounded to odd there (TwoSum gives the exact error; an inexact sum with
// an even last bit moves one ulp toward it); rounding that, once more, into
// the accumulator format of at most 22 significand bits gives the rounding
// of the exact sum in every mode (Boldo and Melquiond, "When double
// rounding is odd": 24 >= 22 + 2 bits). Internal to narrow_acc_kernel.cc.
#pragma once

#include <cstdint>

#include "datapaths/arithmetic/gemm.h"

namespace gemmsim {

// Whether NarrowFloatKernel computes these numerics (NarrowAccKernelApplies
// already holds).
bool NarrowFloatLanesOk(const Numerics& numerics);

void NarrowFloatKernel(const GemmProblem& p, const Numerics& numerics,
                       int64_t row_begin, int64_t row_end, double* d);

// Batched dot products (1 x K x 1 each, one K), 128 at a time in the lanes.
void NarrowFloatDots(const GemmProblem* problems, int64_t count,
                     const Numerics& numerics, double* out);

}  // namespace gemmsim
