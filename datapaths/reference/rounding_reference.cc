#include "datapaths/reference/rounding_reference.h"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <limits>

#include "datapaths/error.h"

namespace gemmsim::reference {
namespace {

using Rational = boost::multiprecision::cpp_rational;

// Exact rational value of a finite double.
Rational ToRational(double x) {
  int exponent = 0;
  const double fraction = std::frexp(x, &exponent);  // x = fraction * 2^exp
  const auto significand =
      static_cast<int64_t>(std::ldexp(fraction, 53));  // exact: 53 bits
  Rational r(significand);
  const int shift = exponent - 53;
  const Rational power =
      Rational(boost::multiprecision::cpp_int(1) << std::abs(shift));
  if (shift >= 0) return r * power;
  return r / power;
}

bool IsSpecialCode(const Format& f, uint64_t magnitude, bool negative) {
  const FloatLayout& l = f.layout();
  const uint64_t top = (uint64_t{1} << l.exponent_bits) - 1;
  const uint64_t field = magnitude >> l.mantissa_bits;
  const uint64_t mant = magnitude & ((uint64_t{1} << l.mantissa_bits) - 1);
  switch (l.specials) {
    case Specials::kIeee:  // top field: Inf and NaN
      return field == top;
    case Specials::kFn:  // top field, all-ones mantissa: NaN
      return field == top && mant == (uint64_t{1} << l.mantissa_bits) - 1;
    case Specials::kFnuz:  // the -0 code is NaN
      return negative && magnitude == 0;
    case Specials::kNone:
      return false;
  }
  return false;
}

}  // namespace

double ValueOfCodeByDefinition(const Format& f, uint64_t code) {
  const FloatLayout& l = f.layout();
  const int sign_shift = l.exponent_bits + l.mantissa_bits;
  const bool negative = l.has_sign && ((code >> sign_shift) & 1);
  const uint64_t magnitude = code & ((uint64_t{1} << sign_shift) - 1);
  if (IsSpecialCode(f, magnitude, negative))
    return std::numeric_limits<double>::quiet_NaN();
  const int64_t field = static_cast<int64_t>(magnitude >> l.mantissa_bits);
  const uint64_t mant = magnitude & ((uint64_t{1} << l.mantissa_bits) - 1);
  // field 0: 0.mant * 2^(1 - bias) (or zero without subnormals);
  // otherwise 1.mant * 2^(field - bias).
  double value;
  if (field == 0 && l.has_zero) {
    value = l.subnormals ? std::ldexp(static_cast<double>(mant),
                                      1 - l.bias - l.mantissa_bits)
                         : 0.0;
  } else {
    value =
        std::ldexp(static_cast<double>(mant + (uint64_t{1} << l.mantissa_bits)),
                   static_cast<int>(field) - l.bias - l.mantissa_bits);
  }
  return negative ? -value : value;
}

RoundingReference::RoundingReference(const Format& f) : format_(f) {
  if (!f.is_float() || f.bits() > 20 || !f.layout().has_zero)
    throw Error(ExitCode::kInternal, "RoundingReference: unsupported format");
  const FloatLayout& l = f.layout();
  const int magnitude_bits = l.exponent_bits + l.mantissa_bits;
  for (uint64_t magnitude = 0; magnitude < (uint64_t{1} << magnitude_bits);
       ++magnitude) {
    if (IsSpecialCode(f, magnitude, false)) continue;
    const int64_t field = static_cast<int64_t>(magnitude >> l.mantissa_bits);
    const uint64_t mant = magnitude & ((uint64_t{1} << l.mantissa_bits) - 1);
    // Subnormals are listed even when the format flushes them: rounding
    // happens on the subnormal grid first, then the flush (format.h).
    grid_.push_back(
        field == 0
            ? std::ldexp(static_cast<double>(mant),
                         1 - l.bias - l.mantissa_bits)
            : std::ldexp(
                  static_cast<double>(mant + (uint64_t{1} << l.mantissa_bits)),
                  static_cast<int>(field) - l.bias - l.mantissa_bits));
  }
  std::sort(grid_.begin(), grid_.end());
  grid_.erase(std::unique(grid_.begin(), grid_.end()), grid_.end());
  // The virtual next value: max + one quantum of max's binade.
  const double max = grid_.back();
  int e = 0;
  std::frexp(max, &e);  // max in [2^(e-1), 2^e)
  grid_.push_back(max + std::ldexp(1.0, e - 1 - l.mantissa_bits));
}

double RoundingReference::Round(double x, const EncodeOptions& o) const {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Format& f = format_;
  if (std::isnan(x)) return nan;
  const bool negative = std::signbit(x);
  const double sign = negative ? -1.0 : 1.0;
  const double max = grid_[grid_.size() - 2];
  const double virtual_next = grid_.back();
  const Rounding mode = o.rounding.mode;

  // Overflow: IEEE 754 sends a value rounded beyond max to Inf, except that
  // a mode rounding toward zero for this sign gives max (rto truncates).
  const bool toward_zero = mode == Rounding::kTowardZero ||
                           mode == Rounding::kToOdd ||
                           (mode == Rounding::kUp && negative) ||
                           (mode == Rounding::kDown && !negative);
  auto overflow = [&]() {
    if (o.overflow == Overflow::kSaturate ||
        (o.overflow == Overflow::kIeee && toward_zero))
      return sign * max;
    if (f.has_inf()) return sign * inf;
    if (f.has_nan()) return nan;
    return sign * max;
  };
  // An infinite input is exact: only the format's lack of Inf changes it.
  if (std::isinf(x)) {
    if (o.overflow == Overflow::kSaturate) return sign * max;
    return f.has_inf() ? x : f.has_nan() ? nan : sign * max;
  }
  const double a = std::fabs(x);
  if (a >= virtual_next) return overflow();

  // Neighbours lo <= a < hi on the extended grid; their indices are their
  // magnitude codes' order, so index parity is the last code bit.
  const size_t hi_index =
      std::upper_bound(grid_.begin(), grid_.end(), a) - grid_.begin();
  const size_t lo_index = hi_index - 1;
  const double lo = grid_[lo_index], hi = grid_[hi_index];
  double result;
  if (lo == a) {
    result = lo;
  } else {
    const Rational ra = ToRational(a);
    const Rational mid = (ToRational(lo) + ToRational(hi)) / 2;
    const bool lo_even = lo_index % 2 == 0;
    switch (mode) {
      case Rounding::kNearestEven:
        result = ra < mid ? lo : ra > mid ? hi : (lo_even ? lo : hi);
        break;
      case Rounding::kNearestAway:
        result = ra < mid ? lo : hi;
        break;
      case Rounding::kTowardZero:
        result = lo;
        break;
      case Rounding::kUp:
        result = negative ? lo : hi;
        break;
      case Rounding::kDown:
        result = negative ? hi : lo;
        break;
      case Rounding::kToOdd:
        result = lo_even ? hi : lo;
        break;
      default:
        throw Error(ExitCode::kInternal, "RoundingReference: stochastic");
    }
  }
  if (result == virtual_next) return overflow();
  // Flush results below the normal range when the format has no subnormals.
  if (!f.layout().subnormals && result < f.min_normal()) result = 0;
  if (result == 0) return f.has_negative_zero() ? sign * 0.0 : 0.0;
  return sign * result;
}

}  // namespace gemmsim::reference
