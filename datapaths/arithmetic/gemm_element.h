// One output element of a GemmProblem as the oracle (DotProduct) sees it:
// the factors of its row of A and column of B, and its DotContext. Shared by
// Gemm's generic path and the fast kernels' per-element fallback, so that
// both read block scales, emins and indices the same way.
#pragma once

#include <cstdint>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/error.h"

namespace gemmsim {

inline bool ScalesBlockSums(const Numerics& n) {
  return n.accumulate.block_scale == BlockScaleAt::kBlockSum;
}

// Element kk of K-vector `vector` of `op` (its value at `index`) as a
// factor: the scaled value with its per-element emin, or under block_sum
// the unscaled element (value / scale: exact, the value being an element
// times its scale) with the format's emin. A zero or non-finite scale
// leaves the value as it is (zeros, or the NaN its elements became).
inline Factor OperandFactor(const GemmOperand& op, int64_t index,
                            int64_t vector, int64_t k, int64_t kk,
                            bool unscaled) {
  const double x = op.values[index];
  if (unscaled) {
    const double s = op.ScaleOf(vector, k, kk);
    return MakeFactor(std::isfinite(s) && s != 0 ? x / s : x, op.emin);
  }
  return MakeFactor(x,
                    op.emin_per_element ? op.emin_per_element[index] : op.emin);
}

// The scale block both operands share (0: neither has block scales).
inline int SharedScaleBlock(const GemmProblem& p) {
  const int a = p.a.block_scales ? p.a.scale_block : 0;
  const int b = p.b.block_scales ? p.b.scale_block : 0;
  if (a && b && a != b)
    throw Error(ExitCode::kInternal, "GemmProblem: scale blocks differ");
  return a ? a : b;
}

// Under block_sum: the products s_a s_b of element (i, j)'s block scales,
// one per scale block (exact: powers of two, or two e4m3 values); filled
// into `scales`, which ctx then views.
inline void SetBlockScales(const GemmProblem& p, const Numerics& n, int64_t i,
                           int64_t j, std::vector<double>* scales,
                           DotContext* ctx) {
  const int block = SharedScaleBlock(p);
  if (!ScalesBlockSums(n) || block == 0) return;
  const int64_t blocks = (p.k + block - 1) / block;
  scales->resize(static_cast<size_t>(blocks));
  for (int64_t kb = 0; kb < blocks; ++kb)
    (*scales)[kb] =
        p.a.ScaleOf(i, p.k, kb * block) * p.b.ScaleOf(j, p.k, kb * block);
  ctx->block_scales = *scales;
  ctx->scale_block = block;
}

// The oracle's D[i][j].
inline double OracleElement(const GemmProblem& p, const Numerics& n, int64_t i,
                            int64_t j) {
  const bool unscaled = ScalesBlockSums(n);
  std::vector<Factor> a(static_cast<size_t>(p.k)), b(static_cast<size_t>(p.k));
  for (int64_t kk = 0; kk < p.k; ++kk) {
    a[kk] = OperandFactor(p.a, i * p.k + kk, i, p.k, kk, unscaled);
    b[kk] = OperandFactor(p.b, kk * p.n + j, j, p.k, kk, unscaled);
  }
  DotContext ctx;
  ctx.element_index = p.first_element + static_cast<uint64_t>(i * p.n + j);
  ctx.output_scale = p.output_scale;
  std::vector<double> scales;
  SetBlockScales(p, n, i, j, &scales, &ctx);
  return DotProduct(a, b, p.c ? p.c[i * p.n + j] : 0.0, n, ctx);
}

}  // namespace gemmsim
