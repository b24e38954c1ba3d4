// The integer-accumulator GEMM kernel (gemm_kernels.h): integer inputs of
// at most 16 bits into a signed int<W> accumulator (W <= 48), block 1,
// wrapping or saturating after every product, as DotProduct does,
// optionally promoted every P products into a wider signed int<W'> (W' <=
// 48). Every product and sum is an integer below 2^49, exact in double
// lanes; the only non-integer fact to carry is the sign of a zero result,
// which is -0 under rdown and +0 otherwise (an integer accumulator never
// holds -0 between steps: c enters as an integer).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/arithmetic/lane_rounding.h"
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

// An int<W> range as doubles: every value and sum below is an integer of
// at most 48 bits, exact in double, so the steps run in double lanes.
struct IntRange {
  double lo, hi;   // -2^(W-1), 2^(W-1) - 1
  double modulus;  // 2^W
};

IntRange RangeOf(const Format& f) {
  const int bits = f.bits();
  return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1) - 1,
          std::ldexp(1.0, bits)};
}

// s wrapped into [lo, hi] (two's complement): s - 2^W floor((s - lo) / 2^W),
// every operation exact.
inline double Wrap(double s, const IntRange& r) {
  return s - r.modulus * FloorInteger((s - r.lo) / r.modulus);
}

// acc <- overflow(acc + a[k] b[k, j]) for k in [k0, k1), over a row of D,
// j contiguous.
template <bool kSaturate>
[[gnu::always_inline]] inline void StepsBody(const double* __restrict a_row,
                                             const double* __restrict b,
                                             int64_t k0, int64_t k1, int64_t n,
                                             double* __restrict acc,
                                             const IntRange& r) {
  for (int64_t kk = k0; kk < k1; ++kk) {
    const double x = a_row[kk];
    const double* b_row = b + kk * n;
    for (int64_t j = 0; j < n; ++j) {
      const double s = acc[j] + x * b_row[j];  // exact: below 2^49
      if constexpr (kSaturate) {
        acc[j] = std::min(std::max(s, r.lo), r.hi);
      } else {
        acc[j] = Wrap(s, r);
      }
    }
  }
}

using StepsFn = void (*)(const double*, const double*, int64_t, int64_t,
                         int64_t, double*, const IntRange&);

template <bool kSaturate>
GEMMSIM_TARGET("avx512f")
void Steps512(const double* a, const double* b, int64_t k0, int64_t k1,
              int64_t n, double* acc, const IntRange& r) {
  StepsBody<kSaturate>(a, b, k0, k1, n, acc, r);
}
template <bool kSaturate>
GEMMSIM_TARGET("avx2")
void Steps256(const double* a, const double* b, int64_t k0, int64_t k1,
              int64_t n, double* acc, const IntRange& r) {
  StepsBody<kSaturate>(a, b, k0, k1, n, acc, r);
}
template <bool kSaturate>
void StepsBase(const double* a, const double* b, int64_t k0, int64_t k1,
               int64_t n, double* acc, const IntRange& r) {
  StepsBody<kSaturate>(a, b, k0, k1, n, acc, r);
}

// The variant of the instruction set chosen once (isa.h): the same exact
// integer arithmetic in each.
template <bool kSaturate>
StepsFn StepsOfIsa() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return &Steps512<kSaturate>;
    case Isa::kAvx2:
      return &Steps256<kSaturate>;
    case Isa::kBaseline:
      break;
  }
  return &StepsBase<kSaturate>;
}

bool SignedIntAccumulator(const Format& f) {
  return !f.is_float() && f.is_signed() && f.bits() <= kMaxAccumulatorBits;
}

}  // namespace

bool IntAccKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  // Promotion into a wider signed integer: every `every` products the
  // chunk's sum joins it, wrapping (DotProduct's AddToWide leaves the wide
  // addition's integer_overflow at its default, wrap).
  const bool promote_ok =
      !s.promote || (SignedIntAccumulator(s.promote->format) &&
                     s.promote->rounding.mode != Rounding::kStochastic);
  return !ScalesBlockSums(n) && SignedIntAccumulator(s.format) &&
         SmallInteger(n.a.format) && SmallInteger(n.b.format) && s.block == 1 &&
         s.alignment == Alignment::kExact && promote_ok &&
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
  const bool promote = s.promote.has_value();
  const bool any_down =
      down || (promote && s.promote->rounding.mode == Rounding::kDown);
  const IntRange range = RangeOf(s.format);
  const IntRange wide_range = promote ? RangeOf(s.promote->format) : range;
  const Format& start_format = promote ? s.promote->format : s.format;
  const int64_t chunk = promote ? s.promote->every : std::max<int64_t>(p.k, 1);
  const StepsFn steps = saturate ? StepsOfIsa<true>() : StepsOfIsa<false>();
  EncodeOptions out;
  out.rounding = n.output.rounding;
  out.overflow = n.output.overflow;
  std::vector<double> acc(static_cast<size_t>(p.n)), wide(acc.size());
  std::vector<uint8_t> special(static_cast<size_t>(p.n));
  std::vector<uint8_t> odd_column(static_cast<size_t>(p.n));
  // B with its odd entries zeroed (their columns are redone by the slow
  // path), so that the steps see only integers.
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
      // As DotProduct: c rounded into the accumulator (the wide one under
      // promote; rne, ieee); Inf or NaN c decides the element on the slow
      // path.
      const double c = p.c ? p.c[i * p.n + j] : 0.0;
      special[j] = !std::isfinite(c) || odd_column[j];
      const double start =
          special[j]
              ? 0.0
              : Decode(start_format, Encode(start_format, c, EncodeOptions{})) +
                    0.0;  // +0: an integer accumulator holds no -0
      acc[j] = promote ? 0.0 : start;
      wide[j] = promote ? start : 0.0;
    }
    const double* a_row = p.a.values + i * p.k;
    for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
      steps(a_row, b, k0, std::min(p.k, k0 + chunk), p.n, acc.data(), range);
      if (promote)
        for (int64_t j = 0; j < p.n; ++j) {
          wide[j] = Wrap(wide[j] + acc[j], wide_range);
          acc[j] = 0.0;
        }
    }
    for (int64_t j = 0; j < p.n; ++j) {
      double total = promote ? wide[j] : acc[j];
      // A zero total's sign. Without rdown anywhere, IEEE double additions
      // give DotProduct's zeros (-0 only when every term was -0; an exact
      // cancellation is +0), and the steps keep them (saturating and
      // wrapping leave a zero as it is). Under promote with rdown in
      // either rounding the slow path says; without promote rdown's zeros
      // are all -0.
      if (special[j] || (promote && total == 0 && any_down)) {
        d[i * p.n + j] = GenericElement(p, n, i, j);
        continue;
      }
      if (!promote && total == 0) total = down ? -0.0 : 0.0;
      const double scaled = ProductForRounding(total, p.output_scale);
      d[i * p.n + j] =
          Decode(n.output.format, Encode(n.output.format, scaled, out));
    }
  }
}

}  // namespace gemmsim
