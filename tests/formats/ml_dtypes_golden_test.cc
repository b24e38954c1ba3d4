// Golden vectors: what ml_dtypes 0.6 gives for float64 -> format with its
// default conversion (round to nearest even, non-saturating). Each value was
// read from ml_dtypes' float8.h/mxfloat.h conversion logic and its tests
// (float8_test.cc, mxfloat_test.cc). gemmsim must agree on every one.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {

struct Golden {
  const char* format;
  double input;
  uint64_t code;
};

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<Golden>& Goldens() {
  static const std::vector<Golden> goldens = {
      // Overflow happens when the value rounds (unbounded exponent) above max.
      {"e4m3fn", 448, 0x7E},  // 1.75 * 2^8 = 448, the max
      {"e4m3fn", 464, 0x7E},  // tie between 448 (110) and 480: even
      {"e4m3fn", 465, 0x7F},  // rounds to 480 > max: NaN (no Inf)
      {"e4m3fn", -465, 0xFF},
      {"e4m3fn", 480, 0x7F},
      {"e5m2", 57344, 0x7B},  // 1.75 * 2^15 = 57344, the max
      {"e5m2", 61439, 0x7B},
      {"e5m2", 61440, 0x7C},  // tie with odd max: up, to Inf
      {"e4m3", 247, 0x77},    // 1.875 * 2^7 = 240, the max
      {"e4m3", 248, 0x78},
      {"e4m3fnuz", 248, 0x80},  // max 240; overflow is NaN = 0x80
      {"e5m2fnuz", 61440, 0x80},
      {"e4m3b11fnuz", 30.99, 0x7F},  // max 1.875 * 2^4 = 30
      {"e4m3b11fnuz", 31, 0x80},
      {"e3m4", 15.75, 0x70},   // max 1.9375 * 2^3 = 15.5; 15.75 -> Inf
      {"e3m2fn", 29.9, 0x1F},  // no Inf/NaN: saturates at 28
      {"e3m2fn", 1e9, 0x1F},
      {"e2m3fn", 7.75, 0x1F},  // saturates at 7.5
      {"e2m1fn", 7, 0x07},     // saturates at 6
      {"e2m1fn", 1e6, 0x07},
      {"e2m1fn", -1e6, 0x0F},
      // Round to nearest even on the subnormal grid.
      {"e4m3fn", 0x1p-10, 0x00},  // half the smallest subnormal 2^-9
      {"e4m3fn", 0x1.8p-10, 0x01},
      {"e2m3fn", 0.0625, 0x00},   // tie between 0 and 0.125
      {"e3m2fn", 0.09375, 0x02},  // tie between 0.0625 and 0.125
      {"e2m1fn", 0.25, 0x00},     // tie between 0 and 0.5
      {"e2m1fn", 0.26, 0x01},
      {"e2m1fn", 0.75, 0x02},      // tie between 0.5 and 1: 1 (even)
      {"e3m4", 0x0.8Ap-2, 0x09},   // rounds up into subnormal 0x0.9p-2
      {"e4m3", 0x0.94p-6, 0x05},   // -> 0x0.Ap-6
      {"e5m2", 0x0.A8p-14, 0x03},  // -> 0x0.Cp-14
      // Zero and the sign: fnuz has no -0, tiny negatives round to +0.
      {"e4m3fn", -0.0, 0x80},
      {"e4m3fnuz", -0.0, 0x00},
      {"e5m2fnuz", -1e-30, 0x00},
      {"e4m3b11fnuz", -1e-30, 0x00},
      {"e2m1fn", -0.0, 0x08},
      // Infinities.
      {"e5m2", kInf, 0x7C},
      {"e5m2", -kInf, 0xFC},
      {"e4m3", kInf, 0x78},
      {"e3m4", -kInf, 0xF0},
      {"e4m3fn", kInf, 0x7F},
      {"e4m3fn", -kInf, 0xFF},
      {"e4m3fnuz", -kInf, 0x80},
      {"e3m2fn", kInf, 0x1F},
      {"e2m3fn", -kInf, 0x3F},
      {"e2m1fn", kInf, 0x07},
      {"e8m0fnu", kInf, 0xFF},
      // NaN: signed where the format's NaN is; -0/+0 (sign inverted) where
      // the format has none (ml_dtypes' quiet_NaN() there is the -0 code).
      {"e5m2", kNaN, 0x7E},
      {"e5m2", -kNaN, 0xFE},
      {"e4m3", kNaN, 0x7C},
      {"e3m4", -kNaN, 0xF8},
      {"e4m3fn", kNaN, 0x7F},
      {"e4m3fn", -kNaN, 0xFF},
      {"e5m2fnuz", -kNaN, 0x80},
      {"e8m0fnu", kNaN, 0xFF},
      {"e3m2fn", kNaN, 0x20},
      {"e2m3fn", -kNaN, 0x00},
      {"e2m1fn", kNaN, 0x08},
      {"e2m1fn", -kNaN, 0x00},
      // e8m0fnu: 2^(code - 127); no zero, no sign.
      {"e8m0fnu", 0.0, 0xFF},
      {"e8m0fnu", -1.0, 0xFF},
      {"e8m0fnu", -0x1p-140, 0xFF},
      {"e8m0fnu", 1.5, 0x80},  // tie: rounds up to 2
      {"e8m0fnu", 3, 0x81},
      {"e8m0fnu", 6, 0x82},
      {"e8m0fnu", 0.75, 0x7F},
      {"e8m0fnu", 1.49, 0x7F},
      {"e8m0fnu", 0.7, 0x7E},
      {"e8m0fnu", 2.9, 0x80},
      {"e8m0fnu", 0x1p-127, 0x00},
      {"e8m0fnu", 0x1p-128, 0x00},
      {"e8m0fnu", 0x1.8p-128, 0x00},
      {"e8m0fnu", 0x1p-149, 0x00},
      {"e8m0fnu", 0x1.4p-127, 0x01},  // ml_dtypes rounds [2^-127, 2^-126)
      {"e8m0fnu", 0x1.cp-127, 0x01},  //   on the grid {0, 2^-126}
      {"e8m0fnu", 0x1p127, 0xFE},
      {"e8m0fnu", 0x1.66p127, 0xFE},
      {"e8m0fnu", 0x1.8p127, 0xFF},
      {"e8m0fnu", 0x1p128, 0xFF},
      // Just under 2 rounds to 2 in every format (float bits 0x3FFFFFFF).
      {"e4m3fn", 0x1.fffffep0, 0x40},
      {"e5m2", 0x1.fffffep0, 0x40},
      {"e3m4", 0x1.fffffep0, 0x40},
      {"e4m3fnuz", 0x1.fffffep0, 0x48},
      {"e2m1fn", 0x1.fffffep0, 0x04},
      // A double that float32 would round first: gemmsim rounds once.
      {"e4m3fn", 1 + 0x1p-4 + 0x1p-30, 0x39},
      {"e4m3fn", 464.00000001, 0x7F},
      {"e5m2", 61439.999999999, 0x7B},
      // 2^128 overflows every 8-bit float format.
      {"e4m3fnuz", 0x1p128, 0x80},
      {"e4m3b11fnuz", 0x1p128, 0x80},
  };
  return goldens;
}

TEST_CASE("float64 -> format agrees with ml_dtypes on every golden vector") {
  const EncodeOptions rne;
  int checked = 0;
  for (const Golden& g : Goldens()) {
    const Format f = FormatByName(g.format);
    const std::string name = g.format;
    CAPTURE(name);
    CAPTURE(g.input);
    CHECK(Encode(f, g.input, rne) == g.code);
    ++checked;
  }
  CHECK(checked == 89);
}

TEST_CASE("saturating conversion clamps finite overflow and infinities") {
  EncodeOptions sat;
  sat.overflow = Overflow::kSaturate;
  // ml_dtypes: 479.75 -> e4m3fn saturating = 448. Like NVIDIA's SATFINITE,
  // gemmsim also clamps infinities (ml_dtypes keeps them NaN/Inf).
  CHECK(Encode(FormatByName("e4m3fn"), 479.75, sat) == 0x7E);
  CHECK(Encode(FormatByName("e4m3fn"), kInf, sat) == 0x7E);
  CHECK(Encode(FormatByName("e5m2"), -kInf, sat) == 0xFB);
  CHECK(Encode(FormatByName("e5m2"), 1e9, sat) == 0x7B);
  CHECK(Encode(FormatByName("e4m3fnuz"), -1e9, sat) == 0xFF);
  CHECK(Encode(FormatByName("e5m2"), kNaN, sat) == 0x7E);  // NaN stays NaN
  // e8m0fnu: 0 and negatives go to the smallest code when saturating.
  CHECK(Encode(FormatByName("e8m0fnu"), 0.0, sat) == 0x00);
  CHECK(Encode(FormatByName("e8m0fnu"), -3.0, sat) == 0x00);
  CHECK(Encode(FormatByName("e8m0fnu"), 0x1p200, sat) == 0xFE);
}

TEST_CASE("round toward zero matches ml_dtypes' truncating conversion") {
  EncodeOptions rtz;
  rtz.rounding.mode = Rounding::kTowardZero;
  // One float32 step below 2 truncates to the code below 2.
  CHECK(Encode(FormatByName("e3m4"), 0x1.ffep0, rtz) == 0x3F);
  CHECK(Encode(FormatByName("e4m3"), -0x1.ffep0, rtz) == 0xBF);
  CHECK(Encode(FormatByName("e5m2"), 0x1.ffep0, rtz) == 0x3F);
  // Subnormal code i from one step below it: i with RNE, i - 1 with RTZ.
  const Format f = FormatByName("e4m3fn");
  int checked = 0;
  for (uint64_t code = 1; code <= 7; ++code) {
    const double below = std::nextafter(Decode(f, code), 0.0);
    CHECK(Encode(f, below, EncodeOptions{}) == code);
    CHECK(Encode(f, below, rtz) == code - 1);
    ++checked;
  }
  CHECK(checked == 7);
}

}  // namespace
}  // namespace gemmsim
