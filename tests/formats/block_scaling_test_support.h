// Helpers shared by the block-scaling tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "datapaths/error.h"
#include "datapaths/formats/block_scaling.h"
#include "datapaths/reference/rounding_reference.h"

namespace gemmsim::testing {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline ScaledVector Mx(const Format& f, const std::vector<double>& v,
                       const EncodeOptions& o = {}) {
  return QuantizeScaled(f, {ScalingKind::kMx}, v, 0, o);
}

// The shared exponent X of block b (E8M0 code - 127).
inline int SharedExponent(const ScaledVector& v, size_t b) {
  return static_cast<int>(v.block_scale_codes.at(b)) - 127;
}

// The exit code a call throws, or kOk when it throws nothing.
template <typename F>
inline ExitCode ThrownCode(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

// Half the spacing of `f`'s values around w (w in the format's own units,
// below its max): the most that round-to-nearest may move w.
inline double HalfUlp(const Format& f, double w) {
  if (!f.is_float()) return 0.5;
  const int binade =
      std::max(std::ilogb(std::fabs(w)), f.min_normal_exponent());
  return std::ldexp(0.5, binade - f.layout().mantissa_bits);
}

// Random values spanning `spread` binades below 2^top, with zeros and both
// signs: the shapes real blocks take, subnormal element values included.
inline std::vector<double> RandomBlock(std::mt19937_64& rng, size_t n, int top,
                                       int spread) {
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  std::uniform_int_distribution<int> down(1, spread);
  std::uniform_int_distribution<int> kind(0, 15);
  std::vector<double> v(n);
  for (double& x : v) {
    const int k = kind(rng);
    if (k == 0) {
      x = 0;
      continue;
    }
    x = std::ldexp(mantissa(rng), top - down(rng));
    if (k & 1) x = -x;
  }
  return v;
}

}  // namespace gemmsim::testing
