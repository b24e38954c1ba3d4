// The one rounding helper the kernels share: rounding doubles to integers
// and to float formats with selects and arithmetic only, so that the loops
// around them vectorize (stochastic_acc_kernel.cc spells FloorInteger in
// explicit vector lanes). DotProduct's
// RoundExact (multi_term_adder.h) defines the bits; the kernels' tests
// prove these equal to it.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "datapaths/arithmetic/numerics.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::kernel_support {

// Rounding of doubles to a float format: y = s / 2^q with q the quantum
// exponent at |s| is exact (a power-of-two scaling); y is rounded to an
// integer by the mode; r = y' * 2^q. Everything is a select or an
// arithmetic operation, so the loops below vectorize.
struct Rounder {
  int mantissa;
  int emin;  // smallest normal exponent of the format
  double max_finite;
  double overflow_pos, overflow_neg;  // per the overflow policy and mode
  double min_normal;
  bool flush;  // no subnormal results
  bool down;   // rdown: exact zero sums are -0
};

// y rounded to an integer, ties to even, for |y| < 2^51: adding 1.5 * 2^52
// leaves no fraction bits in the default (rne) environment, and removing it is
// exact. No library call, so that loops vectorize on every instruction set.
inline double RoundEvenInteger(double y) {
  constexpr double kMagic = 0x1.8p52;
  return (y + kMagic) - kMagic;
}

// floor(y) for |y| < 2^51: one down where rounding to even went up.
inline double FloorInteger(double y) {
  const double r = RoundEvenInteger(y);
  return r > y ? r - 1.0 : r;
}

// Only plain selects below (no short-circuit operators, no branches), so
// that the compiler if-converts and vectorizes the loops.
template <Rounding kMode>
inline double RoundToInteger(double y) {
  const double r = RoundEvenInteger(y);
  const double floor_y = r - (r > y ? 1.0 : 0.0);
  const double ceil_y = r + (r < y ? 1.0 : 0.0);
  const double trunc_y = y >= 0 ? floor_y : ceil_y;
  const double away = trunc_y + std::copysign(1.0, y);
  if constexpr (kMode == Rounding::kNearestEven) return r;
  if constexpr (kMode == Rounding::kTowardZero) return trunc_y;
  if constexpr (kMode == Rounding::kUp) return ceil_y;
  if constexpr (kMode == Rounding::kDown) return floor_y;
  if constexpr (kMode == Rounding::kNearestAway)
    return std::fabs(y - trunc_y) >= 0.5 ? away : trunc_y;
  // kToOdd: an inexact truncation with an even last bit moves away.
  const double half = trunc_y * 0.5;
  const bool even = RoundEvenInteger(half) == half;
  return ((trunc_y != y) & even) ? away : trunc_y;
}

template <Rounding kMode>
inline double RoundToFormat(double s, const Rounder& q) {
  const uint64_t bits = std::bit_cast<uint64_t>(s);
  const int64_t e = static_cast<int64_t>((bits >> 52) & 0x7ff) - 1023;
  const int64_t quantum = (e > q.emin ? e : q.emin) - q.mantissa;
  const double down_scale =
      std::bit_cast<double>(static_cast<uint64_t>(1023 - quantum) << 52);
  const double up_scale =
      std::bit_cast<double>(static_cast<uint64_t>(1023 + quantum) << 52);
  double r = RoundToInteger<kMode>(s * down_scale) * up_scale;
  r = r > q.max_finite ? q.overflow_pos : r;
  r = r < -q.max_finite ? q.overflow_neg : r;
  r = (q.flush & (std::fabs(r) < q.min_normal)) ? 0.0 * r : r;
  r = s == 0 ? (q.down ? -0.0 : s) : r;  // IEEE signed zeros, as AddTerms
  // Inf/NaN pass through: the slow path decides those elements at the end.
  return std::fabs(s) <= std::numeric_limits<double>::max() ? r : s;
}

inline Rounder MakeRounder(const Format& f, const RoundingSpec& rounding,
                           Overflow overflow, bool subnormal_outputs) {
  Rounder q{};
  q.mantissa = f.layout().mantissa_bits;
  q.emin = f.min_normal_exponent();
  q.max_finite = f.max_finite();
  EncodeOptions o;
  o.rounding = rounding;
  o.overflow = overflow;
  // What a value just past max becomes: decided once by the encoder.
  q.overflow_pos = Decode(f, Encode(f, q.max_finite * 4, o));
  q.overflow_neg = Decode(f, Encode(f, -q.max_finite * 4, o));
  q.min_normal = f.min_normal();
  q.flush = !subnormal_outputs;
  q.down = rounding.mode == Rounding::kDown;
  return q;
}

// fn(std::integral_constant<Rounding, mode>) for a deterministic mode: the
// one switch from a rounding mode to the template instance that runs it.
template <typename Fn>
auto ForMode(Rounding mode, const Fn& fn) {
  using R = Rounding;
  switch (mode) {
    case R::kNearestEven:
      return fn(std::integral_constant<R, R::kNearestEven>{});
    case R::kNearestAway:
      return fn(std::integral_constant<R, R::kNearestAway>{});
    case R::kTowardZero:
      return fn(std::integral_constant<R, R::kTowardZero>{});
    case R::kUp:
      return fn(std::integral_constant<R, R::kUp>{});
    case R::kDown:
      return fn(std::integral_constant<R, R::kDown>{});
    default:  // kToOdd (no kernel sees stochastic here)
      return fn(std::integral_constant<R, R::kToOdd>{});
  }
}

// The float32 counterpart of Rounder and RoundToFormat, for accumulator
// formats whose every quantum 2^q float32 can add as a magic constant
// 1.5 * 2^(q + 23) (FloatRoundingOk): the value is rounded at its quantum
// directly, (s + C) - C to nearest even, and the other modes from how that
// compares with s. Exact: every quantity is a multiple of 2^q below
// 2^(q + 24).
struct RounderF {
  int mantissa, emin;
  float max_finite, overflow_pos, overflow_neg, min_normal;
  bool flush, down;
};

inline bool FloatRoundingOk(const Format& f) {
  if (!f.is_float() || f.layout().mantissa_bits > 21) return false;
  const int m = f.layout().mantissa_bits;
  const int lowest = f.min_normal_exponent() - m;
  const int top = std::ilogb(f.max_finite());
  // Quanta from 2^lowest (>= 2^-147: float32 keeps two bits below it) to
  // the one of a sum up to twice max_finite (its magic constant < 2^127).
  return lowest >= -147 && top + 1 - m + 23 <= 126;
}

inline RounderF MakeRounderF(const Rounder& q) {
  return {q.mantissa,
          q.emin,
          static_cast<float>(q.max_finite),
          static_cast<float>(q.overflow_pos),
          static_cast<float>(q.overflow_neg),
          static_cast<float>(q.min_normal),
          q.flush,
          q.down};
}

// Formats on float32's own grid cut to fewer mantissa bits (bf16, e8m<M>):
// float32's exponents, subnormals at the same bits, the same largest
// binade. Rounding them is rounding away the low 23 - M bits of float32.
inline bool Float32GridFormat(const Format& f) {
  if (!f.is_float() || f.layout().exponent_bits != 8 ||
      f.layout().mantissa_bits > 21 || f.min_normal_exponent() != -126)
    return false;
  const uint32_t cut = (uint32_t{1} << (23 - f.layout().mantissa_bits)) - 1;
  return static_cast<double>(std::bit_cast<float>(0x7f7fffffu & ~cut)) ==
         f.max_finite();
}

// The rounding of a finite or non-finite float32 s to such a format, on
// its bits: the magnitude's low `drop` bits decide by the mode (sign-
// magnitude: adding to the bits moves the magnitude).
template <Rounding kMode>
inline float RoundToGridF(float s, int drop) {
  const int32_t bits = std::bit_cast<int32_t>(s);
  const int32_t cut = (int32_t{1} << drop) - 1, one = int32_t{1} << drop;
  const int32_t low = bits & cut, kept = bits & ~cut;
  const int32_t inexact = -static_cast<int32_t>(low != 0);
  const int32_t negative = bits >> 31;  // -1 for negative s
  int32_t r;
  if constexpr (kMode == Rounding::kNearestEven) {
    const int32_t half = one >> 1, odd = (bits >> drop) & 1;
    r = (bits + half - 1 + odd) & ~cut;
  } else if constexpr (kMode == Rounding::kNearestAway) {
    r = (bits + (one >> 1)) & ~cut;
  } else if constexpr (kMode == Rounding::kTowardZero) {
    r = kept;
  } else if constexpr (kMode == Rounding::kUp) {
    r = kept + (one & inexact & ~negative);
  } else if constexpr (kMode == Rounding::kDown) {
    r = kept + (one & inexact & negative);
  } else {  // kToOdd
    r = kept | (one & inexact);
  }
  return std::bit_cast<float>(r);
}

template <Rounding kMode, bool kGrid = false>
inline float RoundToFormatF(float s, const RounderF& q) {
  const int32_t bits = std::bit_cast<int32_t>(s);
  const int32_t e = ((bits >> 23) & 0xff) - 127;
  const int32_t quantum = (e > q.emin ? e : q.emin) - q.mantissa;
  // C = 1.5 * 2^(quantum + 23); the quantum itself, subnormal below 2^-126.
  const float magic =
      std::bit_cast<float>(((quantum + 23 + 127) << 23) | (1 << 22));
  // (Integer masks, not a select of two bit_casts: GCC 12 vectorizes this.)
  const int32_t normal = -static_cast<int32_t>(quantum >= -126);
  const float step =
      std::bit_cast<float>((((quantum + 127) << 23) & normal) |
                           ((int32_t{1} << ((quantum + 149) & 31)) & ~normal));
  const float even = (s + magic) - magic;
  const float floor_s = even > s ? even - step : even;
  const float ceil_s = even < s ? even + step : even;
  const float trunc_s = s >= 0 ? floor_s : ceil_s;
  const float away = trunc_s + std::copysign(step, s);
  float r;
  if constexpr (kGrid) {
    r = RoundToGridF<kMode>(s, 23 - q.mantissa);
  } else if constexpr (kMode == Rounding::kNearestEven) {
    r = even;
  } else if constexpr (kMode == Rounding::kTowardZero) {
    r = trunc_s;
  } else if constexpr (kMode == Rounding::kUp) {
    r = ceil_s;
  } else if constexpr (kMode == Rounding::kDown) {
    r = floor_s;
  } else if constexpr (kMode == Rounding::kNearestAway) {
    r = std::fabs(s - trunc_s) >= 0.5f * step ? away : trunc_s;
  } else {  // kToOdd: an inexact truncation with an even last bit moves away
    const float half = trunc_s * 0.5f;
    const bool is_even = (half + magic) - magic == half;
    r = ((trunc_s != s) & is_even) ? away : trunc_s;
  }
  r = r > q.max_finite ? q.overflow_pos : r;
  r = r < -q.max_finite ? q.overflow_neg : r;
  r = (q.flush & (std::fabs(r) < q.min_normal)) ? 0.0f * r : r;
  r = s == 0 ? (q.down ? -0.0f : s) : r;  // IEEE signed zeros, as AddTerms
  // Inf/NaN pass through: the slow path decides those elements at the end.
  return std::fabs(s) <= std::numeric_limits<float>::max() ? r : s;
}

}  // namespace gemmsim::kernel_support
