// The integer-accumulator GEMM kernel (gemm_kernels.h): integer inputs of
// at most 16 bits into a signed int<W> accumulator (W <= 48), block 1,
// wrapping or saturating after every product, as DotProduct does. Every
// product and sum is an exact int64 (|a b| < 2^32, |acc| < 2^47); the only
// non-integer fact to carry is the sign of a zero result, which is -0 under
// rdown and +0 otherwise (an integer accumulator never holds -0 between
// steps: c enters as an integer).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

constexpr int kMaxAccumulatorBits = 48;
constexpr int kMaxInputBits = 16;

bool SmallInteger(const Format& f) {
  return !f.is_float() && f.bits() <= kMaxInputBits;
}

// A value Steps can take: an integer of at most 16 bits. Anything else
// (Inf, NaN, which no integer format holds but a problem may) is left to
// the slow path.
bool Integral(double v) { return std::fabs(v) <= 65536 && v == std::trunc(v); }

// acc <- overflow(acc + a[k] b[k, j]) over a row of D, j contiguous.
template <bool kSaturate>
void Steps(const double* a_row, const double* b, int64_t k, int64_t n,
           int64_t* acc, int bits) {
  const int64_t lo = -(int64_t{1} << (bits - 1)),
                hi = (int64_t{1} << (bits - 1)) - 1;
  const int shift = 64 - bits;  // two's complement wrap by sign extension
  for (int64_t kk = 0; kk < k; ++kk) {
    const int64_t x = static_cast<int64_t>(a_row[kk]);
    const double* b_row = b + kk * n;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t s = acc[j] + x * static_cast<int64_t>(b_row[j]);
      if constexpr (kSaturate) {
        acc[j] = std::clamp(s, lo, hi);
      } else {
        acc[j] =
            static_cast<int64_t>(static_cast<uint64_t>(s) << shift) >> shift;
      }
    }
  }
}

}  // namespace

bool IntAccKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  return !s.format.is_float() && s.format.is_signed() &&
         s.format.bits() <= kMaxAccumulatorBits && SmallInteger(n.a.format) &&
         SmallInteger(n.b.format) && s.block == 1 &&
         s.alignment == Alignment::kExact && !s.promote &&
         s.accumulator_entry == AccumulatorEntry::kInBlock &&
         s.subnormal_inputs &&
         n.output.rounding.mode != Rounding::kStochastic &&
         !p.a.emin_per_element && !p.b.emin_per_element &&
         OutputScaleSupported(p, n.output);
}

void IntAccKernel(const GemmProblem& p, const Numerics& n, int64_t row_begin,
                  int64_t row_end, double* d) {
  const AccumulateSpec& s = n.accumulate;
  const bool saturate = s.integer_overflow == IntegerOverflow::kSaturate;
  const bool down = s.rounding.mode == Rounding::kDown;
  const int bits = s.format.bits();
  EncodeOptions out;
  out.rounding = n.output.rounding;
  out.overflow = n.output.overflow;
  std::vector<int64_t> acc(static_cast<size_t>(p.n));
  std::vector<uint8_t> special(static_cast<size_t>(p.n));
  std::vector<uint8_t> odd_column(static_cast<size_t>(p.n));
  // B with its odd entries zeroed (their columns are redone by the slow
  // path), so that Steps converts only integers.
  std::vector<double> b_clean;
  const double* b = p.b.values;
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j) {
      const double v = p.b.values[kk * p.n + j];
      if (Integral(v)) continue;
      if (b_clean.empty()) {
        b_clean.assign(p.b.values, p.b.values + p.k * p.n);
        b = b_clean.data();
      }
      b_clean[kk * p.n + j] = 0;
      odd_column[j] = 1;
    }
  for (int64_t i = row_begin; i < row_end; ++i) {
    bool odd_row = false;
    for (int64_t kk = 0; kk < p.k; ++kk)
      odd_row |= !Integral(p.a.values[i * p.k + kk]);
    if (odd_row) {
      for (int64_t j = 0; j < p.n; ++j)
        d[i * p.n + j] = GenericElement(p, n, i, j);
      continue;
    }
    for (int64_t j = 0; j < p.n; ++j) {
      // As DotProduct: c rounded into the accumulator (rne, ieee); Inf or
      // NaN c decides the element on the slow path.
      const double c = p.c ? p.c[i * p.n + j] : 0.0;
      special[j] = !std::isfinite(c) || odd_column[j];
      acc[j] = special[j]
                   ? 0
                   : static_cast<int64_t>(Decode(
                         s.format, Encode(s.format, c, EncodeOptions{})));
    }
    if (saturate)
      Steps<true>(p.a.values + i * p.k, b, p.k, p.n, acc.data(), bits);
    else
      Steps<false>(p.a.values + i * p.k, b, p.k, p.n, acc.data(), bits);
    for (int64_t j = 0; j < p.n; ++j) {
      if (special[j]) {
        d[i * p.n + j] = GenericElement(p, n, i, j);
        continue;
      }
      double total = static_cast<double>(acc[j]);  // exact: |acc| < 2^47
      if (total == 0) total = down ? -0.0 : 0.0;
      const double scaled = ProductForRounding(total, p.output_scale);
      d[i * p.n + j] =
          Decode(n.output.format, Encode(n.output.format, scaled, out));
    }
  }
}

}  // namespace gemmsim
