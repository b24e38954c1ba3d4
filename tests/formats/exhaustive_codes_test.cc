// Every code of every format of at most 8 bits: its class, its value (against
// the layout's definition, reference/rounding_reference.h) and its round trip
// through Encode under every rounding mode and overflow policy.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>

#include "datapaths/formats/codec.h"
#include "datapaths/reference/rounding_reference.h"
#include "tests/formats/format_lists.h"

namespace gemmsim {
namespace {

constexpr Rounding kAllModes[] = {
    Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
    Rounding::kUp,          Rounding::kDown,        Rounding::kToOdd,
    Rounding::kStochastic};

bool SameDouble(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b) && std::signbit(a) == std::signbit(b));
}

// What Encode(Decode(code)) must give: the code itself, or its canonical
// form (one NaN per sign, zero for flushed subnormal codes, max for Inf when
// saturating).
uint64_t Canonical(const Format& f, uint64_t code, Overflow overflow) {
  const uint64_t sign = code & f.sign_mask();
  switch (Classify(f, code)) {
    case CodeClass::kNaN:
      return f.layout().specials == Specials::kFnuz ? f.nan_code()
                                                    : f.nan_code() | sign;
    case CodeClass::kInf:
      return overflow == Overflow::kSaturate
                 ? f.max_finite_magnitude_code() | sign
                 : code;
    case CodeClass::kZero:  // fnuz: DAZ codes with a sign bit are +0
      return f.has_negative_zero() ? sign : 0;
    default:
      return code;
  }
}

TEST_CASE("every code decodes to its defined value and classifies") {
  int64_t checked = 0;
  for (const auto& name : testing::SmallFloatFormatNames()) {
    const Format f = FormatByName(name);
    CAPTURE(name);
    int nan = 0, inf = 0;
    for (uint64_t code = 0; code < f.code_count(); ++code) {
      const double value = Decode(f, code);
      const double defined = reference::ValueOfCodeByDefinition(f, code);
      const CodeClass cls = Classify(f, code);
      if (cls == CodeClass::kNaN || cls == CodeClass::kInf) {
        CHECK(std::isnan(defined));  // the definition marks specials NaN
        CHECK((cls == CodeClass::kNaN ? std::isnan(value) : std::isinf(value)));
        (cls == CodeClass::kNaN ? nan : inf)++;
      } else {
        CHECK(SameDouble(value, defined));
        CHECK((cls == CodeClass::kZero) == (value == 0));
        CHECK((cls == CodeClass::kSubnormal) ==
              (value != 0 && std::fabs(value) < f.min_normal()));
      }
      ++checked;
    }
    // Specials per format family (SPEC.md "Number formats").
    const FloatLayout& l = f.layout();
    const int expected_inf = l.specials == Specials::kIeee ? 2 : 0;
    const int expected_nan =
        l.specials == Specials::kIeee   ? 2 * ((1 << l.mantissa_bits) - 1)
        : l.specials == Specials::kFn   ? (l.has_sign ? 2 : 1)
        : l.specials == Specials::kFnuz ? 1
                                        : 0;
    CHECK(inf == expected_inf);
    CHECK(nan == expected_nan);
  }
  CHECK(checked == 4896);  // the sum of 2^bits over the 27 formats
}

TEST_CASE("every code round-trips through Encode in every mode") {
  int64_t checked = 0, mismatches = 0;
  for (const auto& name : testing::SmallFloatFormatNames()) {
    const Format f = FormatByName(name);
    for (Rounding mode : kAllModes) {
      for (Overflow overflow :
             {Overflow::kIeee, Overflow::kSaturate, Overflow::kInfinity}) {
        EncodeOptions o;
        o.rounding.mode = mode;
        o.overflow = overflow;
        for (uint64_t code = 0; code < f.code_count(); ++code) {
          const uint64_t got = Encode(
              f, Decode(f, code), o, static_cast<uint32_t>(code * 2654435761u));
          const uint64_t want = Canonical(f, code, overflow);
          if (got != want && mismatches++ < 5) {
            MESSAGE(name << " mode " << RoundingName(mode) << " code " << code
                         << ": got " << got << " want " << want);
          }
          ++checked;
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(checked == 21 * 4896);  // 7 modes x 3 overflow policies
}

}  // namespace
}  // namespace gemmsim
