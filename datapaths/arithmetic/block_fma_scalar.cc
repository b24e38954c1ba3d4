#include "datapaths/arithmetic/block_fma_scalar.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::block_fma {
using namespace kernel_support;

BlockFmaParams MakeParams(const Numerics& n) {
  const AccumulateSpec& s = n.accumulate;
  BlockFmaParams q{};
  q.ma = n.a.format.layout().mantissa_bits;
  q.mb = n.b.format.layout().mantissa_bits;
  q.macc = s.format.layout().mantissa_bits;
  q.width = s.adder_fraction_bits.value_or(q.macc) + s.extra_bits;
  q.result_bits = s.extra_bits < 0 ? std::min(q.macc, q.width) : q.macc;
  q.sticky = s.sticky;
  if (q.sticky) ++q.width;
  q.emin_acc = s.format.min_normal_exponent();
  q.has_min_align = s.min_alignment_exponent.has_value();
  q.min_align = s.min_alignment_exponent.value_or(0);
  q.nearest_even = s.rounding.mode == Rounding::kNearestEven;
  q.after_block = s.accumulator_entry == AccumulatorEntry::kAfterBlock;
  q.acc_format = &s.format;
  q.acc_options.rounding = s.rounding;
  q.acc_options.overflow = s.overflow;
  return q;
}

namespace {

// m * 2^shift cut toward zero; with `sticky`, bit 0 ORs what was cut.
inline int64_t ShiftMagnitude(uint64_t m, int shift, bool sticky) {
  if (shift >= 0) return static_cast<int64_t>(m << shift);
  const uint64_t kept = -shift >= 64 ? 0 : m >> -shift;
  const bool cut = -shift >= 64 ? m != 0 : (kept << -shift) != m;
  return static_cast<int64_t>(kept | (sticky && cut ? 1 : 0));
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
        ShiftMagnitude(psig, q.width - q.ma - q.mb - (m - pe), q.sticky);
    sum += (a[k].negative != b[k].negative) ? -aligned : aligned;
  }
  if (c.sig) {
    const int64_t aligned =
        ShiftMagnitude(c.sig, q.width - q.macc - (m - c.align), q.sticky);
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

// acc + block_sum under after_block: both fp32 values, exactly aligned and
// rounded to nearest even to fp32, which one float32 addition does. An
// overflowed block sum (Inf) decides; an overflowing addition follows the
// accumulator's overflow rule.
double AddAfterBlock(double acc, double block_sum, const BlockFmaParams& q) {
  if (!std::isfinite(block_sum)) return block_sum;
  const double sum = static_cast<double>(static_cast<float>(acc) +
                                         static_cast<float>(block_sum));
  if (std::isfinite(sum)) return sum;
  // Overflowed under rne: the double sum is past the same boundary (double
  // rounding is monotonic), so the overflow rule alone decides.
  EncodeOptions o = q.acc_options;
  o.rounding = RoundingSpec{};
  return Decode(*q.acc_format, Encode(*q.acc_format, acc + block_sum, o));
}

// c + sum over blocks, for one element, given its row of A and column of B
// packed (both finite).
double ScalarAccumulate(const Packed* a, const Packed* b, double c,
                        const GemmProblem& p, const Numerics& n,
                        const BlockFmaParams& q) {
  EncodeOptions c_options;  // c enters rounded to the accumulator with rne
  double acc = Decode(*q.acc_format, Encode(*q.acc_format, c, c_options));
  const int64_t block = n.accumulate.block;
  for (int64_t k0 = 0; k0 < p.k && std::isfinite(acc); k0 += block) {
    const int64_t k1 = std::min(p.k, k0 + block);
    // after_block: the block alone (-0.0 is "no accumulator": a block of
    // -0 products sums to -0, as IEEE adds zeros), then added to acc.
    acc = q.after_block ? AddAfterBlock(acc, BlockFma(a, b, k0, k1, -0.0, q), q)
                        : BlockFma(a, b, k0, k1, acc, q);
  }
  return acc;
}

}  // namespace

// One element by the scalar path, packing its row and column on the spot
// (for the few elements the vectorized path leaves).
double ScalarElement(const GemmProblem& p, const Numerics& n,
                     const BlockFmaParams& q, int64_t i, int64_t j) {
  // Inf and NaN go to the generic path before Pack, which converts to an
  // integer and takes finite values only.
  if (p.c && !std::isfinite(p.c[i * p.n + j]))
    return GenericElement(p, n, i, j);
  std::vector<Packed> a(static_cast<size_t>(p.k)), b(static_cast<size_t>(p.k));
  for (int64_t kk = 0; kk < p.k; ++kk) {
    const double x = p.a.values[i * p.k + kk], y = p.b.values[kk * p.n + j];
    if (!std::isfinite(x) || !std::isfinite(y))
      return GenericElement(p, n, i, j);
    a[kk] = Pack(x, p.a.emin, q.ma);
    b[kk] = Pack(y, p.b.emin, q.mb);
  }
  const double acc = ScalarAccumulate(a.data(), b.data(),
                                      p.c ? p.c[i * p.n + j] : 0.0, p, n, q);
  return std::isfinite(acc) ? ToOutput(acc, p, n.output)
                            : GenericElement(p, n, i, j);
}

void ScalarKernel(const GemmProblem& p, const Numerics& n,
                  const BlockFmaParams& q, int64_t row_begin, int64_t row_end,
                  double* d) {
  // Scratch reused per thread: batched dot products call this per batch.
  thread_local std::vector<Packed> bt, a;
  thread_local std::vector<char> col_finite;
  bt.resize(static_cast<size_t>(p.k * p.n));
  col_finite.assign(static_cast<size_t>(p.n), 1);
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j) {
      const double x = p.b.values[kk * p.n + j];
      if (!std::isfinite(x)) col_finite[j] = 0;
      bt[j * p.k + kk] = std::isfinite(x) ? Pack(x, p.b.emin, q.mb) : Packed{};
    }
  a.resize(static_cast<size_t>(p.k));
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
      const double acc =
          ScalarAccumulate(a.data(), bt.data() + j * p.k, c, p, n, q);
      d[i * p.n + j] = std::isfinite(acc) ? ToOutput(acc, p, n.output)
                                          : GenericElement(p, n, i, j);
    }
  }
}

}  // namespace gemmsim::block_fma
