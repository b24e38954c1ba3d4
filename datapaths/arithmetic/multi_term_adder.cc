#include "datapaths/arithmetic/multi_term_adder.h"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {

using BigInt = boost::multiprecision::cpp_int;

std::vector<uint64_t> Words(const BigInt& magnitude) {
  std::vector<uint64_t> words;
  export_bits(magnitude, std::back_inserter(words), 64, false);
  return words;
}

double SignedZero(const RoundingSpec& r) {
  return r.mode == Rounding::kDown ? -0.0 : 0.0;
}

// The term's magnitude on the grid 2^grid, cut toward zero; with `sticky`,
// one extra low bit ORs what was cut (the grid is then 2^(grid - 1)).
BigInt Aligned(const Term& t, int grid, bool sticky) {
  const int g = sticky ? grid - 1 : grid;
  BigInt m = t.significand;
  if (t.exponent >= g) return m << (t.exponent - g);
  const int shift = g - t.exponent;
  BigInt kept = m >> shift;
  if (sticky && (kept << shift) != m) kept |= 1;
  return kept;
}

}  // namespace

double RoundExact(bool negative, std::span<const uint64_t> words, int exponent,
                  const Format& f, int fraction_bits,
                  const RoundingSpec& rounding, Overflow overflow,
                  bool subnormals, uint32_t random) {
  BigInt magnitude;
  import_bits(magnitude, words.begin(), words.end(), 64, false);
  if (magnitude == 0) return negative ? -0.0 : 0.0;
  // Integers round at the units place and saturate here (wrapping is the
  // caller's). Floats: the quantum is 2^(max(e, emin) - fraction_bits), e the
  //    exponent of the leading bit.
  const int lead = static_cast<int>(msb(magnitude)) + exponent;
  const int quantum =
      f.is_float() ? std::max(lead, f.min_normal_exponent()) - fraction_bits
                   : 0;
  const int shift = quantum - exponent;
  uint64_t kept;
  Discarded d;
  const BigInt k =
      shift <= 0 ? BigInt(magnitude << -shift) : BigInt(magnitude >> shift);
  if (k != 0 &&
      msb(k) >= 62) {  // only integers this large: beyond any int<W> range
    const double huge = std::numeric_limits<double>::infinity();
    return f.is_float() ? (negative ? -huge : huge)
                        : (negative ? f.min_value() : f.max_finite());
  }
  kept = static_cast<uint64_t>(k);
  if (shift > 0) {
    // The discarded bits as a fraction of one quantum: top 64 bits, sticky.
    const BigInt rest = magnitude - (k << shift);
    BigInt top;
    if (shift >= 64) {
      top = rest >> (shift - 64);
      d.sticky = (top << (shift - 64)) != rest;
    } else {
      top = rest << (64 - shift);
    }
    d.top = static_cast<uint64_t>(top);
  }
  const uint64_t r = RoundMagnitude(kept, d, negative, rounding, random);
  double value = std::ldexp(static_cast<double>(r), quantum);  // r < 2^63
  // Past double's range (a tensor scale near 2^1000) the value overflows
  // every format; twice the format's max finite overflows it the same way
  // under each overflow rule (Inf would stay Inf even where the rule says
  // max finite).
  if (std::isinf(value) && f.is_float() && std::isfinite(2 * f.max_finite()))
    value = 2 * f.max_finite();
  if (negative) value = -value;
  if (!f.is_float()) {
    const double hi = f.max_finite(), lo = f.min_value();
    return std::clamp(value, lo, hi);
  }
  if (!subnormals && value != 0 && std::fabs(value) < f.min_normal())
    return negative ? -0.0 : 0.0;
  // The rounded value has at most fraction_bits <= mantissa bits below its
  // leading bit, so it is a value of f unless it overflows; Encode then
  // applies the overflow policy (an exact value is not rounded again).
  EncodeOptions o;
  o.rounding = rounding;
  o.overflow = overflow;
  if (value == 0) return negative ? -0.0 : 0.0;
  return Decode(f, Encode(f, value, o));
}

double AddTerms(std::span<const Term> products, double accumulator,
                const AccumulateSpec& spec, uint32_t random) {
  const Format& f = spec.format;
  const int emin = f.is_float() ? f.min_normal_exponent() : 0;
  std::vector<Term> terms;
  terms.reserve(products.size() + 1);
  for (const Term& t : products)
    if (!t.is_zero()) terms.push_back(t);
  if (accumulator != 0) terms.push_back(AccumulatorTerm(accumulator, emin));
  if (terms.empty()) {
    // Only zeros: -0 when every one is -0 (IEEE: -0 + -0 = -0), else +0.
    bool all_negative = std::signbit(accumulator);
    for (const Term& t : products) all_negative = all_negative && t.negative;
    return all_negative ? -0.0 : SignedZero(spec.rounding);
  }

  const int mantissa = f.is_float() ? f.layout().mantissa_bits : 0;
  int fraction_bits = mantissa;
  BigInt sum = 0;
  int grid;
  if (spec.alignment == Alignment::kExact) {
    grid = std::numeric_limits<int>::max();
    for (const Term& t : terms) grid = std::min(grid, t.exponent);
    for (const Term& t : terms) {
      const BigInt m = BigInt(t.significand) << (t.exponent - grid);
      sum += t.negative ? BigInt(-m) : m;
    }
  } else {
    int m = std::numeric_limits<int>::min();
    for (const Term& t : terms) m = std::max(m, t.align_exponent);
    if (spec.min_alignment_exponent)
      m = std::max(m, *spec.min_alignment_exponent);
    const int width =
        spec.adder_fraction_bits.value_or(mantissa) + spec.extra_bits;
    grid = m - width;
    if (spec.extra_bits < 0) fraction_bits = std::min(mantissa, width);
    for (const Term& t : terms) {
      const BigInt a = Aligned(t, grid, spec.sticky);
      sum += t.negative ? BigInt(-a) : a;
    }
    if (spec.sticky) --grid;
  }
  if (sum == 0) return SignedZero(spec.rounding);
  const bool negative = sum < 0;
  const std::vector<uint64_t> words = Words(negative ? BigInt(-sum) : sum);
  if (!f.is_float()) {
    // int<W>: round to an integer, then wrap or saturate to W bits.
    const double v =
        RoundExact(negative, words, grid, FormatByName("int64"), 0,
                   spec.rounding, Overflow::kSaturate, true, random);
    if (spec.integer_overflow == IntegerOverflow::kSaturate)
      return std::clamp(v, f.min_value(), f.max_finite());
    const int64_t wrapped = static_cast<int64_t>(v);
    const uint64_t code = static_cast<uint64_t>(wrapped) & f.code_mask();
    return Decode(f, code);
  }
  return RoundExact(negative, words, grid, f, fraction_bits, spec.rounding,
                    spec.overflow, spec.subnormal_outputs, random);
}

}  // namespace gemmsim
