// What "the same bits" means for validate, and how mismatches are shown.
#include "app/validate/bit_match.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "app/validate/validate_report.h"

namespace gemmsim {
namespace {

TEST_CASE("signed zeros differ, any NaN matches any NaN") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(app::SameOutputBits(1.5, 1.5));
  CHECK_FALSE(app::SameOutputBits(0.0, -0.0));
  CHECK_FALSE(app::SameOutputBits(-0.0, 0.0));
  CHECK(app::SameOutputBits(nan, -nan));
  CHECK_FALSE(app::SameOutputBits(nan, 1.0));
  CHECK_FALSE(app::SameOutputBits(INFINITY, -INFINITY));
  CHECK(app::SameOutputBits(-INFINITY, -INFINITY));
}

TEST_CASE("bit fields of the output format") {
  const Format fp32 = FormatByName("fp32"), fp16 = FormatByName("fp16");
  CHECK(app::BitFields(fp32, 1.0) == "0|01111111|00000000000000000000000");
  CHECK(app::BitFields(fp16, -2.5) == "1|10000|0100000000");
  CHECK(app::BitFields(fp16, -0.0) == "1|00000|0000000000");
  CHECK(app::BitFields(fp16, 1.0 + std::ldexp(1.0, -12)) ==
        "0|01111|0000000000 (not a fp16 value)");
}

TEST_CASE("ulp differences are exact across binades and signs") {
  const Format fp32 = FormatByName("fp32");
  const double below_two = std::nextafter(2.0f, 0.0f);
  CHECK(app::UlpDifference(fp32, 2.0, below_two) == 1.0);
  CHECK(app::UlpDifference(fp32, below_two, 2.0) == -1.0);
  CHECK(app::UlpDifference(fp32, std::nextafter(2.0f, 4.0f), below_two) == 2.0);
  const double tiny = std::numeric_limits<float>::denorm_min();
  CHECK(app::UlpDifference(fp32, tiny, -tiny) == 2.0);
  CHECK(app::UlpDifference(fp32, 0.0, -0.0) == 0.0);
  CHECK_FALSE(app::UlpDifference(fp32, INFINITY, 1.0).has_value());
  CHECK_FALSE(app::UlpDifference(fp32, 0.1, 1.0).has_value());
}

// Issue 11, finding 8: a sign flip was shown as "+2.04723e+09 ulps".
TEST_CASE("a sign flip is shown as one, with the magnitudes' distance") {
  const Format fp32 = FormatByName("fp32");
  app::ShownMismatch m;
  m.model = 3.0;
  m.observed = -3.0;
  std::string text = app::MismatchText(m, fp32);
  CHECK(text.find("the sign differs (same magnitude)") != std::string::npos);
  CHECK(text.find("e+09") == std::string::npos);
  m.observed = -std::nextafter(3.0f, 4.0f);
  text = app::MismatchText(m, fp32);
  CHECK(text.find("the sign differs; magnitudes -1 ulp of fp32 apart") !=
        std::string::npos);
  m.observed = std::nextafter(3.0f, 4.0f);  // same sign: a plain distance
  CHECK(app::MismatchText(m, fp32).find("model - observed: -1 ulp of fp32") !=
        std::string::npos);
  CHECK(app::SignDiffers(1, -2));
  CHECK_FALSE(app::SignDiffers(0.0, -0.0));  // a signed zero: its own text
  CHECK_FALSE(app::SignDiffers(1, 2));
  app::GemmValidation v;
  v.elements = 1;
  m.observed = -3.0;
  v.shown.push_back(m);
  CHECK(app::ValidationJson(v, fp32)["mismatches"][0]["sign_differs"] == true);
}

}  // namespace
}  // namespace gemmsim
