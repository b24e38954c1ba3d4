// Error metrics on cases small enough to work out by hand.
#include "datapaths/reference/error_metrics.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace gemmsim::reference {
namespace {

TEST_CASE("metrics of a hand-worked example") {
  const std::vector<double> exact = {3, 4, 0, -1};
  const std::vector<double> got = {3, 4.5, 0.25, -1};
  const ErrorMetrics m = CompareToExact(got, exact, FormatByName("e4m3fn"));
  CHECK(m.count == 4);
  CHECK(m.measured == 4);
  CHECK(m.max_abs_error == 0.5);
  CHECK(m.max_rel_error == 0.125);  // 0.5 / 4; the zero exact value is skipped
  // ||(0, .5, .25, 0)|| / ||(3, 4, 0, -1)|| = sqrt(0.3125) / sqrt(26)
  CHECK(m.rel_fro_error ==
        doctest::Approx(std::sqrt(0.3125 / 26)).epsilon(1e-15));
  // e4m3fn ulps: at 4 it is 0.5, at 0 the subnormal quantum 2^-9.
  CHECK(m.mean_ulp_error == doctest::Approx((1 + 0.25 * 512) / 4.0));
  CHECK(m.exact_matches == 2);
  CHECK(m.exact_match_fraction() == 0.5);
}

TEST_CASE("agreeing non-finite values are counted, not measured") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> exact = {1, nan, inf, 1e300};
  const std::vector<double> got = {1, nan, inf, 1e300};
  const ErrorMetrics m = CompareToExact(got, exact, FormatByName("fp32"));
  CHECK(m.count == 4);
  CHECK(m.measured == 2);
  CHECK(m.unbounded == 0);
  CHECK(m.nan_count == 1);
  CHECK(m.inf_count == 1);
  CHECK(m.exact_matches == 4);
  CHECK(m.max_abs_error == 0);
  CHECK(m.rel_fro_error == 0);
}

// Issue 11, finding 2: an overflowed output used to be left out, so an
// all-Inf result reported error 0.
TEST_CASE(
    "an output that is not finite where the exact one is makes every "
    "error Inf") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const Format fp32 = FormatByName("fp32");
  struct Case {
    std::vector<double> got, exact;
  };
  const Case cases[] = {
      {{inf, inf}, {512, 512}},  // all overflowed
      {{1, -inf}, {1, 2}},       // one of two
      {{nan}, {3}},              // NaN against a number
      {{3}, {inf}},              // a number against Inf
      {{inf}, {-inf}},           // Infs of opposite signs
      {{nan}, {inf}},            // NaN against Inf
  };
  int checked = 0;
  for (const Case& c : cases) {
    const ErrorMetrics m = CompareToExact(c.got, c.exact, fp32);
    CHECK(m.unbounded == 1 + (c.got.size() == 2 && c.got[0] == inf));
    CHECK(m.rel_fro_error == inf);
    CHECK(m.max_abs_error == inf);
    CHECK(m.max_rel_error == inf);
    CHECK(m.mean_ulp_error == inf);
    ++checked;
  }
  CHECK(checked == 6);
  CHECK(UnboundedError(inf, 1));
  CHECK_FALSE(UnboundedError(inf, inf));
  CHECK_FALSE(UnboundedError(nan, nan));
  CHECK_FALSE(UnboundedError(1, 2));  // finite: a measured error
}

TEST_CASE("the Frobenius norm neither overflows nor underflows") {
  const std::vector<double> exact = {1e300, 1e300};
  const std::vector<double> got = {1e300 * (1 + 1e-10), 1e300};
  CHECK(CompareToExact(got, exact, FormatByName("fp64")).rel_fro_error ==
        doctest::Approx(1e-10 / std::sqrt(2.0)).epsilon(1e-5));
  const std::vector<double> tiny_exact = {1e-300, 1e-300};
  const std::vector<double> tiny_got = {2e-300, 1e-300};
  CHECK(CompareToExact(tiny_got, tiny_exact, FormatByName("fp64"))
            .rel_fro_error == doctest::Approx(1 / std::sqrt(2.0)));
}

TEST_CASE("ulp sizes") {
  CHECK(UlpAt(FormatByName("fp32"), 1.0) == 0x1p-23);
  CHECK(UlpAt(FormatByName("fp32"), 1.5) == 0x1p-23);
  CHECK(UlpAt(FormatByName("fp32"), -2.0) == 0x1p-22);
  CHECK(UlpAt(FormatByName("fp16"), 1e-7) == 0x1p-24);  // subnormal quantum
  CHECK(UlpAt(FormatByName("int8"), 5.0) == 1.0);
}

}  // namespace
}  // namespace gemmsim::reference
