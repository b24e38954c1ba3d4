// OutputRounder (kernel_support.h), the kernels' output rounding with a
// pass-through for values of the output format, equals ToOutput bit for
// bit: every code of the 8-bit formats and a fifth of fp16's as totals, each
// moved by a few units in the last place of double and of the format, in every
// output format family (IEEE, fn, fnuz, no specials, unsigned e8m0fnu,
// integers), rounding mode and overflow rule.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {

bool SameBits(double x, double y) {
  return std::isnan(x)
             ? std::isnan(y)
             : std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
}

// Totals: every code of e4m3fn and e5m2 and every fifth of fp16 decoded, then
// each one nudged by 1 and 2^20 units in the last place of double, and by
// +-2^-11,
// +-2^-4 relatively (between fp16 and e4m3 values), plus 1e300 and 1e-300.
std::vector<double> Totals() {
  std::vector<double> base;
  for (const char* name : {"fp16", "e4m3fn", "e5m2"}) {
    const Format f = FormatByName(name);
    // fp16: every fifth code (all of them cost half a minute here).
    const uint64_t step = f.bits() > 8 ? 5 : 1;
    for (uint64_t code = 0; code < f.code_count(); code += step) {
      const double x = Decode(f, code);
      if (std::isfinite(x)) base.push_back(x);
    }
  }
  std::vector<double> totals;
  for (const double x : base) {
    totals.push_back(x);
    for (const int64_t ulps : {int64_t{1}, int64_t{1} << 20}) {
      totals.push_back(std::bit_cast<double>(std::bit_cast<int64_t>(x) + ulps));
      if (x != 0)
        totals.push_back(
            std::bit_cast<double>(std::bit_cast<int64_t>(x) - ulps));
    }
    for (const double rel : {0x1p-11, -0x1p-11, 0x1p-4, -0x1p-4})
      totals.push_back(x * (1 + rel));
  }
  for (const double x : {1e300, -1e300, 1e-300, -1e-300}) totals.push_back(x);
  return totals;
}

TEST_CASE("OutputRounder equals ToOutput on every output format") {
  const std::vector<double> totals = Totals();
  GemmProblem p;
  int64_t checked = 0, passed_through = 0;
  // Scales: 1, float32 values (NVFP4 tensor scales; one that overflows
  // and one that underflows typical totals), a product of two (46
  // significant bits), 1 + 2^-29, 0.1 (53 bits).
  const double wide = static_cast<double>(0.1f) * static_cast<double>(0.3f);
  for (const double scale : {1.0, 3.0, static_cast<double>(0.1f), 0x1p-140,
                             0x1p120, wide, 1 + 0x1p-29, 0.1}) {
    p.output_scale = scale;
    for (const char* name : {"fp32", "fp16", "bf16", "e4m3fn", "e5m2",
                             "e4m3fnuz", "e2m1fn", "e8m0fnu", "int8"}) {
      for (const Rounding mode : {Rounding::kNearestEven, Rounding::kTowardZero,
                                  Rounding::kUp, Rounding::kToOdd}) {
        for (const Overflow overflow : {Overflow::kIeee, Overflow::kSaturate}) {
          OutputSpec out;
          out.format = FormatByName(name);
          out.rounding.mode = mode;
          out.overflow = overflow;
          const kernel_support::OutputRounder to_output(p, out);
          int64_t mismatches = 0;
          for (const double t : totals) {
            const double want = kernel_support::ToOutput(t, p, out);
            const double got = to_output(t);
            if (!SameBits(want, got) && mismatches++ < 3)
              MESSAGE(name << " " << RoundingName(mode) << " scale " << scale
                           << ": " << t << " -> " << got << ", want " << want);
            passed_through += SameBits(got, t);
            ++checked;
          }
          CHECK(mismatches == 0);
        }
      }
    }
  }
  CHECK(checked == 8 * 9 * 4 * 2 * static_cast<int64_t>(totals.size()));
  CHECK(totals.size() == 118794);
  CHECK(passed_through > 100000);  // the pass-through does take place
}

// The fp32 shortcut at scales of more than 29 significant bits: products
// just beside a float32 tie, closer to it than double resolves (found by
// exact search). Rounded to double first, each would land on the tie and
// go to even, the wrong way; rounded to odd, it goes the right way. Both
// signs: the step toward zero differs.
TEST_CASE("OutputRounder's scaled fp32 rounding is not a double rounding") {
  struct Case {
    double total, scale, want;
  };
  const Case cases[] = {
      {0x1.2265b2p+0, 0x1.4ccccbbdfccddp+0, 0x1.798432p+0},
      {0x1.78e51p+0, 0x1.4cccccef93aa3p+0, 0x1.e9f696p+0},
      {0x1.6ec9d2p+0, 0x1.4ccccbaeeb6b8p+0, 0x1.dcd32ap+0},
      {0x1.587fd2p+0, 0x1.4ccccc349c914p+0, 0x1.bfd95ep+0},
  };
  OutputSpec out;  // fp32, rne
  int64_t checked = 0;
  for (const Case& c : cases)
    for (const double sign : {1.0, -1.0}) {
      GemmProblem p;
      p.output_scale = c.scale;
      const kernel_support::OutputRounder to_output(p, out);
      CHECK(to_output(sign * c.total) == sign * c.want);
      CHECK(kernel_support::ToOutput(sign * c.total, p, out) == sign * c.want);
      // Double rounding would differ: the double product is the tie.
      CHECK(static_cast<double>(static_cast<float>(c.total * c.scale)) !=
            c.want);
      ++checked;
    }
  CHECK(checked == 8);
}

}  // namespace
}  // namespace gemmsim
