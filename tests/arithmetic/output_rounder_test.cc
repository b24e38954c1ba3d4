// OutputRounder (kernel_support.h), the kernels' output rounding with a
// pass-through for values of the output format, equals ToOutput bit for
// bit: every code of the 8-bit formats and of fp16 as totals, each moved by
// a few units in the last place of double and of the format, in every
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

// Totals: every code of fp16, e4m3fn and e5m2 decoded, then each one
// nudged by 1 and 2^20 units in the last place of double, and by +-2^-11,
// +-2^-4 relatively (between fp16 and e4m3 values), plus 1e300 and 1e-300.
std::vector<double> Totals() {
  std::vector<double> base;
  for (const char* name : {"fp16", "e4m3fn", "e5m2"}) {
    const Format f = FormatByName(name);
    for (uint64_t code = 0; code < f.code_count(); ++code) {
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
  for (const char* name : {"fp32", "fp16", "bf16", "e4m3fn", "e5m2", "e4m3fnuz",
                           "e2m1fn", "e8m0fnu", "int8"}) {
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
            MESSAGE(name << " " << RoundingName(mode) << ": " << t << " -> "
                         << got << ", want " << want);
          passed_through += SameBits(got, t);
          ++checked;
        }
        CHECK(mismatches == 0);
      }
    }
  }
  CHECK(checked == 9 * 4 * 2 * static_cast<int64_t>(totals.size()));
  CHECK(totals.size() == 575902);
  CHECK(passed_through > 100000);  // the pass-through does take place
}

}  // namespace
}  // namespace gemmsim
