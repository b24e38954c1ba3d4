// Pieces the fast GEMM kernels share: the slow path for one element, the
// output rounding, and the conditions under which a kernel is exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::kernel_support {

inline const Format& Fp32() {
  static const Format f = FormatByName("fp32");
  return f;
}

inline bool IsNearestEven(const RoundingSpec& r) {
  return r.mode == Rounding::kNearestEven;
}

// The generic path for one element (non-finite inputs or results).
inline double GenericElement(const GemmProblem& p, const Numerics& n, int64_t i,
                             int64_t j) {
  std::vector<Factor> a(static_cast<size_t>(p.k)), b(static_cast<size_t>(p.k));
  for (int64_t kk = 0; kk < p.k; ++kk) {
    const int64_t ai = i * p.k + kk, bi = kk * p.n + j;
    a[kk] =
        MakeFactor(p.a.values[ai],
                   p.a.emin_per_element ? p.a.emin_per_element[ai] : p.a.emin);
    b[kk] =
        MakeFactor(p.b.values[bi],
                   p.b.emin_per_element ? p.b.emin_per_element[bi] : p.b.emin);
  }
  DotContext ctx;
  ctx.element_index = p.first_element + static_cast<uint64_t>(i * p.n + j);
  ctx.output_scale = p.output_scale;
  return DotProduct(a, b, p.c ? p.c[i * p.n + j] : 0.0, n, ctx);
}

// The output rounding of an accumulated value (exact while value * scale has
// at most 53 significant bits, which the callers guarantee).
inline double ToOutput(double total, const GemmProblem& p,
                       const OutputSpec& out) {
  const double scaled = total * p.output_scale;
  if (out.format == Fp32() && p.output_scale == 1.0) return total;
  EncodeOptions o;
  o.rounding = out.rounding;
  o.overflow = out.overflow;
  return Decode(out.format, Encode(out.format, scaled, o));
}

inline bool ProductsExactInFp32(const Format& a, const Format& b) {
  if (!a.is_float() || !b.is_float()) return false;
  const int ma = a.layout().mantissa_bits, mb = b.layout().mantissa_bits;
  const int lowest =
      (a.min_normal_exponent() - ma) + (b.min_normal_exponent() - mb);
  const int highest =
      std::ilogb(a.max_finite()) + std::ilogb(b.max_finite()) + 2;
  return (ma + 1) + (mb + 1) <= 24 && lowest >= -149 && highest <= 127;
}

inline bool OutputScaleExact(const GemmProblem& p) {
  // A float32 scale keeps total * scale within double's 53 bits.
  return static_cast<double>(static_cast<float>(p.output_scale)) ==
         p.output_scale;
}

// B (k x n, row-major) in panels of `cols` columns, k-major inside a panel,
// zero-padded: panel j / cols holds element (kk, j) at (kk * cols + j % cols).
template <typename T>
std::vector<T> PackColumnPanels(const GemmProblem& p, int64_t cols) {
  const int64_t panels = (p.n + cols - 1) / cols;
  std::vector<T> pack(static_cast<size_t>(panels * p.k * cols), T{0});
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j)
      pack[((j / cols) * p.k + kk) * cols + j % cols] =
          static_cast<T>(p.b.values[kk * p.n + j]);
  return pack;
}

// Rows [row_begin, row_end) of A in blocks of `rows` rows, k-major inside a
// block, zero-padded.
template <typename T>
std::vector<T> PackRowBlocks(const GemmProblem& p, int64_t row_begin,
                             int64_t row_end, int64_t rows) {
  const int64_t blocks = (row_end - row_begin + rows - 1) / rows;
  std::vector<T> pack(static_cast<size_t>(blocks * p.k * rows), T{0});
  for (int64_t i = row_begin; i < row_end; ++i)
    for (int64_t kk = 0; kk < p.k; ++kk) {
      const int64_t local = i - row_begin;
      pack[((local / rows) * p.k + kk) * rows + local % rows] =
          static_cast<T>(p.a.values[i * p.k + kk]);
    }
  return pack;
}

}  // namespace gemmsim::kernel_support
