// The fp32-native GEMM kernel (gemm_kernels.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

constexpr int64_t kRowBlock = 8;
constexpr int64_t kColBlock = 256;

// acc[r][j] += a[r] * b[j]: one float rounding per step (the product is
// exact), never fused: -ffp-contract=off.
__attribute__((target_clones("avx512f", "avx2", "default"))) void MultiplyAdd(
    float* __restrict acc, const float* __restrict a_column, int64_t rows,
    const float* __restrict b_row, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float ar = a_column[r];
    float* __restrict out = acc + r * kColBlock;
    for (int64_t j = 0; j < cols; ++j) out[j] += ar * b_row[j];
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void AddInto(
    float* __restrict wide, float* __restrict acc, int64_t count) {
  for (int64_t j = 0; j < count; ++j) {
    wide[j] += acc[j];
    acc[j] = 0.0f;
  }
}

}  // namespace

bool Fp32NativeKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  const bool promote_ok = !s.promote || (s.promote->format == Fp32() &&
                                         IsNearestEven(s.promote->rounding));
  return s.format == Fp32() && s.block == 1 &&
         n.output.rounding.mode != Rounding::kStochastic &&
         s.alignment == Alignment::kExact && IsNearestEven(s.rounding) &&
         s.overflow != Overflow::kSaturate && s.subnormal_inputs &&
         s.subnormal_outputs && promote_ok && !p.a.emin_per_element &&
         !p.b.emin_per_element && ProductsExactInFp32(n.a.format, n.b.format) &&
         OutputScaleExact(p);
}

void Fp32NativeKernel(const GemmProblem& p, const Numerics& n,
                      int64_t row_begin, int64_t row_end, double* d) {
  const int64_t chunk =
      n.accumulate.promote ? n.accumulate.promote->every : p.k;
  // B as float32, row-major k x n (exact: its values are of a narrow format).
  std::vector<float> b(static_cast<size_t>(p.k * p.n));
  for (int64_t i = 0; i < p.k * p.n; ++i)
    b[i] = static_cast<float>(p.b.values[i]);
  std::vector<float> a_t(static_cast<size_t>(p.k * kRowBlock));  // k x rows
  std::vector<float> acc(kRowBlock * kColBlock), wide(kRowBlock * kColBlock);
  const bool promote = n.accumulate.promote.has_value();
  for (int64_t i0 = row_begin; i0 < row_end; i0 += kRowBlock) {
    const int64_t rows = std::min(kRowBlock, row_end - i0);
    for (int64_t kk = 0; kk < p.k; ++kk)
      for (int64_t r = 0; r < rows; ++r)
        a_t[kk * kRowBlock + r] =
            static_cast<float>(p.a.values[(i0 + r) * p.k + kk]);
    for (int64_t j0 = 0; j0 < p.n; j0 += kColBlock) {
      const int64_t cols = std::min(kColBlock, p.n - j0);
      // c starts the accumulator (the wide one under promote), rounded to fp32.
      float* start = promote ? wide.data() : acc.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) {
          start[r * kColBlock + j] =
              p.c ? static_cast<float>(p.c[(i0 + r) * p.n + j0 + j]) : 0.0f;
          if (promote) acc[r * kColBlock + j] = 0.0f;
        }
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        const int64_t k1 = std::min(p.k, k0 + chunk);
        for (int64_t kk = k0; kk < k1; ++kk)
          MultiplyAdd(acc.data(), a_t.data() + kk * kRowBlock, rows,
                      b.data() + kk * p.n + j0, cols);
        if (promote)
          for (int64_t r = 0; r < rows; ++r)
            AddInto(wide.data() + r * kColBlock, acc.data() + r * kColBlock,
                    cols);
      }
      const float* total = promote ? wide.data() : acc.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) {
          const double t = total[r * kColBlock + j];
          const int64_t i = i0 + r, jj = j0 + j;
          // Non-finite results take the generic path, which resolves Inf
          // and NaN inputs the way DotProduct does.
          d[i * p.n + jj] = std::isfinite(t) ? ToOutput(t, p, n.output)
                                             : GenericElement(p, n, i, jj);
        }
    }
  }
}

}  // namespace gemmsim
