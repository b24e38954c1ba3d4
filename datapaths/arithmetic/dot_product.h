// One output element d = c + sum_k a_k * b_k, evaluated the way the
// accumulator in `numerics` does it (SPEC.md "Accumulation"): the slow,
// obviously correct path that the fast GEMM kernels are proven equal to.
#pragma once

#include <cstdint>
#include <span>

#include "datapaths/arithmetic/numerics.h"
#include "datapaths/arithmetic/term.h"

namespace gemmsim {

struct DotContext {
  uint64_t element_index = 0;  // keys stochastic rounding (with the seed)
  double output_scale = 1.0;   // per-tensor / NVFP4 tensor scales, applied
                               // to the accumulated value before the output
                               // rounding (as a GEMM epilogue does)
  // accumulate.block_scale block_sum: the scale of each block of
  // scale_block products (s_a s_b, exact), by which the block's rounded sum
  // is multiplied before it is added to the accumulator; the factors are
  // then the unscaled elements. Empty: every scale is 1.
  std::span<const double> block_scales;
  int scale_block = 0;
};

// a and b: K factors each (quantized, block scales included); c: the addend
// as given (it is rounded to the accumulator format first, with rne).
// Returns d, a value of numerics.output.format (or Inf/NaN).
//
// Order: products are cut into chunks of promote.every (one chunk without
// promote), chunks into blocks of accumulate.block. Per block, with
// accumulator_entry kInBlock: acc = AddTerms(block, acc). With kAfterBlock:
// sum = AddTerms(block, none) (pairwise: the adder tree's root), then
// acc = AddTerms({sum}, acc) with exact alignment and after_block_rounding
// (under block_scale block_sum, {sum * the block's scale}).
// Inf and NaN inputs are resolved first, as IEEE arithmetic would: a NaN,
// 0 * Inf, or Infs of both signs give NaN; otherwise an Inf gives that Inf.
// An accumulator that overflows to Inf (in any addition) stays Inf; under
// promote an overflowed chunk makes the wide sum Inf as IEEE addition does
// (chunks overflowing with both signs make NaN).
double DotProduct(std::span<const Factor> a, std::span<const Factor> b,
                  double c, const Numerics& numerics,
                  const DotContext& context = {});

}  // namespace gemmsim
