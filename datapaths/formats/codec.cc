#include "datapaths/formats/codec.h"

#include <bit>
#include <cmath>
#include <limits>

namespace gemmsim {
namespace {

constexpr int kDoubleFractionBits = 52;

// |x| = significand * 2^(exponent - 52), significand in [2^52, 2^53): the
// shape every float64 takes once its subnormals are normalised.
struct Unpacked {
  uint64_t significand;
  int exponent;
};

Unpacked UnpackMagnitude(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x) & ~(uint64_t{1} << 63);
  const int field = static_cast<int>(bits >> kDoubleFractionBits);
  uint64_t sig = bits & ((uint64_t{1} << kDoubleFractionBits) - 1);
  if (field != 0)
    return {sig | (uint64_t{1} << kDoubleFractionBits), field - 1023};
  const int lead = 63 - std::countl_zero(sig);  // sig != 0: x is non-zero
  return {sig << (kDoubleFractionBits - lead), lead - 1074};
}

uint64_t MaxFiniteCode(const Format& f, bool negative) {
  return f.max_finite_magnitude_code() | (negative ? f.sign_mask() : 0);
}

// fnuz has one NaN (0x80); other formats' NaNs carry a sign.
uint64_t NanCode(const Format& f, bool negative) {
  if (f.layout().specials == Specials::kFnuz) return f.nan_code();
  return f.nan_code() | (negative ? f.sign_mask() : 0);
}

// The code for a finite value too large for `f` (or an infinite input).
uint64_t OverflowCode(const Format& f, bool negative, Rounding mode,
                      Overflow policy) {
  if (policy == Overflow::kSaturate ||
      (policy == Overflow::kIeee && RoundsOverflowToMaxFinite(mode, negative)))
    return MaxFiniteCode(f, negative);
  if (f.has_inf()) return f.inf_code() | (negative ? f.sign_mask() : 0);
  if (f.has_nan()) return NanCode(f, negative);
  return MaxFiniteCode(f, negative);
}

uint64_t EncodeInteger(const Format& f, double x, const EncodeOptions& o,
                       uint32_t random) {
  const bool negative = std::signbit(x);
  const int64_t max = static_cast<int64_t>(f.max_finite_magnitude_code());
  const int64_t min = static_cast<int64_t>(f.min_value());
  // Integers have no NaN: it becomes 0. Infinities saturate.
  if (std::isnan(x) || x == 0) return 0;
  int64_t value;
  const Unpacked u = UnpackMagnitude(x);
  if (std::isinf(x) || u.exponent >= 63) {
    value = negative ? min : max;
  } else {
    const Split s = SplitAt(u.significand, kDoubleFractionBits - u.exponent);
    const uint64_t shifted =
        u.exponent > kDoubleFractionBits
            ? u.significand << (u.exponent - kDoubleFractionBits)
            : RoundMagnitude(s.kept, s.discarded, negative, o.rounding, random);
    const uint64_t limit =
        negative ? static_cast<uint64_t>(-min) : static_cast<uint64_t>(max);
    const uint64_t clamped = shifted > limit ? limit : shifted;
    value = negative ? -static_cast<int64_t>(clamped)
                     : static_cast<int64_t>(clamped);
  }
  return static_cast<uint64_t>(value) & f.code_mask();
}

}  // namespace

CodeClass Classify(const Format& f, uint64_t code) {
  code &= f.code_mask();
  if (!f.is_float()) return code == 0 ? CodeClass::kZero : CodeClass::kNormal;
  const FloatLayout& l = f.layout();
  const uint64_t magnitude = code & ~f.sign_mask();
  if (f.has_nan() &&
      (l.specials == Specials::kFnuz
           ? code == f.nan_code()
           : (magnitude == f.nan_code() ||
              (l.specials == Specials::kIeee && magnitude > f.inf_code()))))
    return CodeClass::kNaN;
  if (f.has_inf() && magnitude == f.inf_code()) return CodeClass::kInf;
  const uint64_t field = magnitude >> l.mantissa_bits;
  if (field != 0 || !l.has_zero) return CodeClass::kNormal;
  const uint64_t mant = magnitude & ((uint64_t{1} << l.mantissa_bits) - 1);
  return (mant == 0 || !l.subnormals) ? CodeClass::kZero
                                      : CodeClass::kSubnormal;
}

double Decode(const Format& f, uint64_t code) {
  code &= f.code_mask();
  if (!f.is_float()) {
    if (f.is_signed() && (code & f.sign_mask()))  // two's complement
      return -static_cast<double>((~code & f.code_mask()) + 1);
    return static_cast<double>(code);
  }
  const FloatLayout& l = f.layout();
  const bool negative = (code & f.sign_mask()) != 0;
  const double sign = negative ? -1.0 : 1.0;
  const uint64_t magnitude = code & ~f.sign_mask();
  const uint64_t mant = magnitude & ((uint64_t{1} << l.mantissa_bits) - 1);
  const int field = static_cast<int>(magnitude >> l.mantissa_bits);
  switch (Classify(f, code)) {
    case CodeClass::kNaN:
      return std::copysign(std::numeric_limits<double>::quiet_NaN(), sign);
    case CodeClass::kInf:
      return sign * std::numeric_limits<double>::infinity();
    case CodeClass::kZero:
      return sign * 0.0;
    case CodeClass::kSubnormal:  // 0.mant * 2^(emin)
      return sign * std::ldexp(static_cast<double>(mant),
                               f.min_normal_exponent() - l.mantissa_bits);
    case CodeClass::kNormal:  // 1.mant * 2^(field - bias)
      return sign * std::ldexp(static_cast<double>(
                                   (uint64_t{1} << l.mantissa_bits) | mant),
                               field - l.bias - l.mantissa_bits);
  }
  return 0;
}

uint64_t Encode(const Format& f, double x, const EncodeOptions& o,
                uint32_t random) {
  if (!f.is_float()) return EncodeInteger(f, x, o, random);
  const FloatLayout& l = f.layout();
  const int m = l.mantissa_bits;
  const bool negative = std::signbit(x);
  const uint64_t sign = negative ? f.sign_mask() : 0;

  // 1. NaN stays NaN (with its sign where the format has signed NaNs).
  //    Formats without NaN (e2m1fn, e2m3fn, e3m2fn) follow ml_dtypes, whose
  //    NaN for them is the -0 code: +NaN gives -0 and -NaN gives +0.
  if (std::isnan(x)) {
    if (!f.has_nan()) return negative ? 0 : f.sign_mask();
    return NanCode(f, negative);
  }
  // 2. Values an unsigned scale (e8m0fnu) cannot hold: NaN, or its smallest
  //    code when saturating (as ml_dtypes does).
  if (!l.has_sign && (negative || x == 0)) {
    if (l.has_zero || o.overflow == Overflow::kSaturate) return 0;
    return f.nan_code();
  }
  // 3. Zero keeps its sign, except where -0 does not exist (fnuz).
  if (x == 0) return f.has_negative_zero() ? sign : 0;
  // 4. Infinity is exact, not rounded: it stays Inf in every mode, becomes
  //    NaN or max finite where the format has no Inf, max when saturating.
  if (std::isinf(x)) {
    return OverflowCode(f, negative, Rounding::kNearestEven, o.overflow);
  }

  // 5. Quantum: the place value of the last kept bit, 2^q. In the normal
  //    range it sits m bits below the leading bit; below the smallest normal
  //    binade it is fixed (the subnormal grid).
  //    With rne, a zero-less format (e8m0fnu) rounds its lowest binade as
  //    ml_dtypes does: on the grid {0, 2^(1-bias)}, reading 0 as its
  //    smallest code (so 1.25 * 2^-127 -> 2^-126). Other modes use the true
  //    grid {2^-bias, 2^(1-bias)}, so that every exact value stays put.
  const Unpacked u = UnpackMagnitude(x);
  const bool ml_dtypes_lowest_binade =
      !l.has_zero && o.rounding.mode == Rounding::kNearestEven;
  const int lowest =
      f.min_normal_exponent() + (ml_dtypes_lowest_binade ? 1 : 0);
  const int q = std::max(u.exponent, lowest) - m;
  // 6. Round the significand at that place: r * 2^q is the rounded magnitude.
  const Split s =
      SplitAt(u.significand, q - (u.exponent - kDoubleFractionBits));
  uint64_t r =
      RoundMagnitude(s.kept, s.discarded, negative, o.rounding, random);
  // 7. Renormalise a carry out of the top (1.11..1 + ulp = 10.0).
  int exponent = q + m;  // exponent of r's leading place when r >= 2^m
  if (r >> (m + 1)) {
    r >>= 1;
    ++exponent;
  }
  // 8. Below the normal range: subnormal code, or flushed when the format
  //    has no subnormals; a zero-less format (e8m0fnu) keeps its minimum.
  if (r < (uint64_t{1} << m)) {
    if (!l.has_zero) return 0;  // r == 0: e8m0fnu's code 0 (2^-127)
    if (r == 0 || !l.subnormals) return f.has_negative_zero() ? sign : 0;
    return sign | r;  // exponent field 0
  }
  // 9. Overflow: the rounded value lies beyond the largest finite code.
  const int64_t field = exponent + l.bias;
  const uint64_t magnitude =
      (static_cast<uint64_t>(field) << m) | (r - (uint64_t{1} << m));
  if (field > f.max_exponent_field() ||
      magnitude > f.max_finite_magnitude_code())
    return OverflowCode(f, negative, o.rounding.mode, o.overflow);
  return sign | magnitude;
}

}  // namespace gemmsim
