// An exact operand of a multi-term addition: a product of two inputs, or the
// accumulator. value = (-1)^negative * significand * 2^exponent, exactly.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace gemmsim {

struct Term {
  bool negative = false;
  uint64_t significand = 0;  // 0 for a zero term
  int exponent = 0;
  // The exponent the adder aligns this term by. For a product it is ea + eb,
  // the sum of the inputs' exponents (products are not normalised before
  // alignment, so their significand lies in [1, 4)); for the accumulator,
  // its own exponent. Never below the format's smallest normal exponent.
  int align_exponent = 0;

  bool is_zero() const { return significand == 0; }
  double value() const {  // exact while significand has <= 53 bits
    const double v = std::ldexp(static_cast<double>(significand), exponent);
    return negative ? -v : v;
  }
};

// An input value split for multiplication: |x| = significand * 2^exponent,
// with align_exponent = max(floor(log2 |x|), emin) (emin: the smallest
// normal exponent of x's format; subnormals keep emin).
struct Factor {
  double value = 0;  // the input itself; may be Inf or NaN (then unused below)
  bool negative = false;
  uint64_t significand = 0;
  int exponent = 0;
  int align_exponent = 0;
};

// Splits a finite double. `emin` clamps align_exponent from below.
inline Factor MakeFactor(double x, int emin) {
  Factor f;
  f.value = x;
  f.negative = std::signbit(x);
  if (x == 0 || !std::isfinite(x)) return f;
  int e = 0;
  const double fraction = std::frexp(std::fabs(x), &e);  // [0.5, 1) * 2^e
  uint64_t sig = static_cast<uint64_t>(std::ldexp(fraction, 53));
  int exp = e - 53;
  const int zeros = std::countr_zero(sig);  // keep significands short
  sig >>= zeros;
  exp += zeros;
  f.significand = sig;
  f.exponent = exp;
  f.align_exponent = std::max(e - 1, emin);
  return f;
}

// The exact product of two factors whose significands have at most 32 bits
// each (every input format gemmsim multiplies: fp32 has 24).
inline Term Multiply(const Factor& a, const Factor& b) {
  Term t;
  t.negative = a.negative != b.negative;
  t.significand = a.significand * b.significand;
  t.exponent = a.exponent + b.exponent;
  t.align_exponent = a.align_exponent + b.align_exponent;
  if (t.significand == 0) t.exponent = t.align_exponent = 0;
  return t;
}

// The accumulator (or any value of a format whose smallest normal exponent
// is `emin`) as a term.
inline Term AccumulatorTerm(double x, int emin) {
  const Factor f = MakeFactor(x, emin);
  return {f.negative, f.significand, f.exponent, f.align_exponent};
}

}  // namespace gemmsim
