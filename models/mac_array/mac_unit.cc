#include "models/mac_array/mac_unit.h"

#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/multi_term_adder.h"
#include "datapaths/error.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::models {
namespace {

bool IsStochastic(const RoundingSpec& r) {
  return r.mode == Rounding::kStochastic;
}

// Notes a non-finite value the way DotProduct's IEEE resolution does.
void NoteSpecial(double v, MacState& s) {
  if (std::isnan(v)) s.pos_special = s.neg_special = true;
  if (std::isinf(v)) (v > 0 ? s.pos_special : s.neg_special) = true;
}

// Drops a subnormal input when the accumulator does not take them: its
// align_exponent exceeds its leading bit's exponent only when subnormal
// (the same test as DotProduct's).
Factor Flushed(Factor f, const AccumulateSpec& spec) {
  if (!spec.subnormal_inputs && f.significand &&
      std::ilogb(f.value) < f.align_exponent) {
    f.significand = 0;
  }
  return f;
}

}  // namespace

void CheckMacArrayNumerics(const Numerics& n) {
  const AccumulateSpec& s = n.accumulate;
  if (s.block != 1) throw ConfigError("MAC array: accumulate.block must be 1");
  if (s.accumulator_entry != AccumulatorEntry::kInBlock)
    throw ConfigError("MAC array: accumulator entry must be in-block");
  if (s.promote) throw ConfigError("MAC array: promote unsupported");
  if (IsStochastic(s.rounding) || IsStochastic(n.output.rounding))
    throw ConfigError("MAC array: stochastic rounding unsupported");
}

void CheckMacArrayProblem(const GemmProblem& p) {
  if (p.a.emin_per_element || p.b.emin_per_element)
    throw ConfigError("MAC array: block scales unsupported");
  if (p.output_scale != 1.0 || p.first_element != 0)
    throw ConfigError("MAC array: output_scale 1, first_element 0");
  if (p.m < 0 || p.n < 0 || p.k < 0)
    throw ConfigError("MAC array: negative shape");
}

MacState MacInit(double c, const Numerics& n) {
  MacState s;
  if (!std::isfinite(c)) {
    NoteSpecial(c, s);
    return s;
  }
  const Format& f = n.accumulate.format;
  s.acc = RoundTo(f, c, EncodeOptions{});  // rne, ieee overflow
  if (!n.accumulate.subnormal_outputs && f.is_float() &&
      std::fabs(s.acc) < f.min_normal()) {
    s.acc = 0.0;  // DotProduct flushes to +0 here
  }
  return s;
}

MacState MacStep(const MacState& state, const Factor& a, const Factor& b,
                 const AccumulateSpec& spec) {
  MacState s = state;
  if (!std::isfinite(a.value) || !std::isfinite(b.value)) {
    if (std::isnan(a.value) || std::isnan(b.value) || a.value == 0 ||
        b.value == 0) {
      NoteSpecial(std::numeric_limits<double>::quiet_NaN(), s);  // 0 * Inf
    } else {
      const double inf = std::numeric_limits<double>::infinity();
      NoteSpecial(std::signbit(a.value) != std::signbit(b.value) ? -inf : inf,
                  s);
    }
    return s;
  }
  // A special input decides d already; an overflowed accumulator stays Inf
  // (DotProduct stops adding once it is not finite).
  if (s.pos_special || s.neg_special || !std::isfinite(s.acc)) return s;
  const Term product[] = {Multiply(Flushed(a, spec), Flushed(b, spec))};
  s.acc = AddTerms(product, s.acc, spec);
  return s;
}

double MacOutput(const MacState& state, const Numerics& numerics) {
  double total = state.acc;
  if (state.pos_special && state.neg_special) {
    total = std::numeric_limits<double>::quiet_NaN();
  } else if (state.pos_special || state.neg_special) {
    total = state.pos_special ? std::numeric_limits<double>::infinity()
                              : -std::numeric_limits<double>::infinity();
  }
  // Reuse the arithmetic layer's output rounding: a dot product of no terms
  // whose addend is the accumulator. Its start (rounding c to the
  // accumulator format) is exact here; the flush of subnormals already
  // happened in the MACs, so it is switched off (it would turn -0 into +0).
  Numerics out = numerics;
  out.accumulate.subnormal_outputs = true;
  return DotProduct({}, {}, total, out);
}

}  // namespace gemmsim::models
