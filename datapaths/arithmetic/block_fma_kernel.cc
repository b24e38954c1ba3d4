// The block-FMA GEMM kernel (gemm_kernels.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
using namespace kernel_support;

namespace {

// An input as the block-FMA datapath sees it: value = sig * 2^(align - m),
// m the format's mantissa bits; subnormals keep align = emin (sig < 2^m).
struct Packed {
  uint32_t sig;
  int32_t align;
  bool negative;
};

Packed Pack(double x, int emin, int mantissa_bits) {
  Packed q{0, 0, std::signbit(x)};
  if (x == 0) return q;
  const int e = std::max(std::ilogb(x), emin);
  q.align = e;
  q.sig = static_cast<uint32_t>(
      std::ldexp(std::fabs(x), mantissa_bits - e));  // exact
  return q;
}

struct BlockFmaParams {
  int ma, mb, macc;  // mantissa bits of a, b, accumulator
  int width;         // F + extra_bits: fraction bits of the grid below M
  int result_bits;   // fraction bits of the rounded result
  int emin_acc;
  bool has_min_align;
  int min_align;
  bool nearest_even;  // else toward zero
  const Format* acc_format;
  EncodeOptions acc_options;
};

inline int64_t ShiftMagnitude(uint64_t m, int shift) {  // m * 2^shift, floor
  if (shift >= 0) return static_cast<int64_t>(m << shift);
  return -shift >= 64 ? 0 : static_cast<int64_t>(m >> -shift);
}

// One multi-term addition of the products a[k] * b[k], k in [k0, k1), and
// acc (a finite value of the accumulator format). Mirrors AddTerms.
double BlockFma(const Packed* a, const Packed* b, int64_t k0, int64_t k1,
                double acc, const BlockFmaParams& q) {
  int m = INT32_MIN;
  bool any = false;
  for (int64_t k = k0; k < k1; ++k)
    if (a[k].sig && b[k].sig) {
      m = std::max(m, a[k].align + b[k].align);
      any = true;
    }
  const Packed c = Pack(acc, q.emin_acc, q.macc);
  if (c.sig) {
    m = std::max(m, c.align);
    any = true;
  }
  if (!any) {
    // Only zeros: -0 when every one is -0 (IEEE: -0 + -0 = -0), else +0.
    bool all_negative = std::signbit(acc);
    for (int64_t k = k0; k < k1 && all_negative; ++k)
      all_negative = a[k].negative != b[k].negative;
    return all_negative ? -0.0 : 0.0;
  }
  if (q.has_min_align) m = std::max(m, q.min_align);
  // Grid 2^(m - width). A product's value is sig_a sig_b 2^(pe - ma - mb).
  int64_t sum = 0;
  for (int64_t k = k0; k < k1; ++k) {
    if (!a[k].sig || !b[k].sig) continue;
    const uint64_t psig = uint64_t{a[k].sig} * b[k].sig;
    const int pe = a[k].align + b[k].align;
    const int64_t aligned =
        ShiftMagnitude(psig, q.width - q.ma - q.mb - (m - pe));
    sum += (a[k].negative != b[k].negative) ? -aligned : aligned;
  }
  if (c.sig) {
    const int64_t aligned =
        ShiftMagnitude(c.sig, q.width - q.macc - (m - c.align));
    sum += c.negative ? -aligned : aligned;
  }
  if (sum == 0) return 0.0;
  const bool negative = sum < 0;
  const uint64_t mag =
      negative ? static_cast<uint64_t>(-sum) : static_cast<uint64_t>(sum);
  const int grid = m - q.width;
  const int lead = grid + 63 - std::countl_zero(mag);
  const int quantum = std::max(lead, q.emin_acc) - q.result_bits;
  const int shift = quantum - grid;
  uint64_t kept;
  if (shift <= 0) {
    kept = mag << -shift;
  } else if (shift >= 64) {
    kept = 0;  // mag < 2^62: below half a quantum
  } else {
    kept = mag >> shift;
    if (q.nearest_even) {
      const uint64_t rest = mag & ((uint64_t{1} << shift) - 1);
      const uint64_t half = uint64_t{1} << (shift - 1);
      if (rest > half || (rest == half && (kept & 1))) ++kept;
    }
  }
  double value = std::ldexp(static_cast<double>(kept), quantum);
  if (negative) value = -value;
  if (kept == 0) return negative ? -0.0 : 0.0;
  if (std::fabs(value) > q.acc_format->max_finite())
    return Decode(*q.acc_format, Encode(*q.acc_format, value, q.acc_options));
  return value;
}

}  // namespace

bool BlockFmaKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  if (s.alignment != Alignment::kTruncate || s.sticky || s.promote ||
      n.output.rounding.mode == Rounding::kStochastic || !s.subnormal_inputs ||
      !s.subnormal_outputs || !s.format.is_float() ||
      s.format.layout().mantissa_bits > 23 ||
      s.format.layout().exponent_bits > 8 || !n.a.format.is_float() ||
      !n.b.format.is_float() || p.a.emin_per_element || p.b.emin_per_element ||
      !OutputScaleExact(p))
    return false;
  if (s.rounding.mode != Rounding::kTowardZero &&
      s.rounding.mode != Rounding::kNearestEven)
    return false;
  const int ma = n.a.format.layout().mantissa_bits,
            mb = n.b.format.layout().mantissa_bits;
  const int width =
      s.adder_fraction_bits.value_or(s.format.layout().mantissa_bits) +
      s.extra_bits;
  // Terms stay below 2^(width + 2) (products' significands lie in [1, 4));
  // n + 1 of them must sum within int64, and shifts of products must not
  // lose bits they are meant to keep.
  const int terms_bits =
      64 - std::countl_zero(static_cast<uint64_t>(s.block) + 1);
  return ma <= 23 && mb <= 23 && width >= 0 && width + 2 + terms_bits < 62 &&
         width >= s.format.layout().mantissa_bits - 40;
}

void BlockFmaKernel(const GemmProblem& p, const Numerics& n, int64_t row_begin,
                    int64_t row_end, double* d) {
  const AccumulateSpec& s = n.accumulate;
  BlockFmaParams q{};
  q.ma = n.a.format.layout().mantissa_bits;
  q.mb = n.b.format.layout().mantissa_bits;
  q.macc = s.format.layout().mantissa_bits;
  q.width = s.adder_fraction_bits.value_or(q.macc) + s.extra_bits;
  q.result_bits = s.extra_bits < 0 ? std::min(q.macc, q.width) : q.macc;
  q.emin_acc = s.format.min_normal_exponent();
  q.has_min_align = s.min_alignment_exponent.has_value();
  q.min_align = s.min_alignment_exponent.value_or(0);
  q.nearest_even = s.rounding.mode == Rounding::kNearestEven;
  q.acc_format = &s.format;
  q.acc_options.rounding = s.rounding;
  q.acc_options.overflow = s.overflow;
  EncodeOptions c_options;  // c enters rounded to the accumulator with rne

  std::vector<Packed> bt(static_cast<size_t>(p.k * p.n));
  std::vector<char> col_finite(static_cast<size_t>(p.n), 1);
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j) {
      const double x = p.b.values[kk * p.n + j];
      if (!std::isfinite(x)) col_finite[j] = 0;
      bt[j * p.k + kk] = std::isfinite(x) ? Pack(x, p.b.emin, q.mb) : Packed{};
    }
  std::vector<Packed> a(static_cast<size_t>(p.k));
  const int64_t block = s.block;
  for (int64_t i = row_begin; i < row_end; ++i) {
    bool row_finite = true;
    for (int64_t kk = 0; kk < p.k; ++kk) {
      const double x = p.a.values[i * p.k + kk];
      row_finite = row_finite && std::isfinite(x);
      a[kk] = std::isfinite(x) ? Pack(x, p.a.emin, q.ma) : Packed{};
    }
    for (int64_t j = 0; j < p.n; ++j) {
      const double c = p.c ? p.c[i * p.n + j] : 0.0;
      if (!row_finite || !col_finite[j] || !std::isfinite(c)) {
        d[i * p.n + j] = GenericElement(p, n, i, j);
        continue;
      }
      double acc = Decode(s.format, Encode(s.format, c, c_options));
      const Packed* b = bt.data() + j * p.k;
      for (int64_t k0 = 0; k0 < p.k && std::isfinite(acc); k0 += block)
        acc = BlockFma(a.data(), b, k0, std::min(p.k, k0 + block), acc, q);
      d[i * p.n + j] = std::isfinite(acc) ? ToOutput(acc, p, n.output)
                                          : GenericElement(p, n, i, j);
    }
  }
}

}  // namespace gemmsim
