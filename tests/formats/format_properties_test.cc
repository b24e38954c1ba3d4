// Every spec format's defining numbers (bits, bias, max finite, smallest
// normal and subnormal, specials), as ml_dtypes' numeric_limits and the IEEE
// 754 / OCP documents give them; and the name parser's contract.
#include <doctest/doctest.h>

#include <cmath>

#include "datapaths/error.h"
#include "datapaths/formats/codec.h"
#include "datapaths/formats/format.h"
#include "tests/formats/format_lists.h"

namespace gemmsim {
namespace {

struct Expected {
  const char* name;
  int bits;
  double max_finite;
  double min_normal;
  double min_subnormal;
  bool inf, nan, negative_zero;
};

TEST_CASE("spec formats have ml_dtypes' limits") {
  const Expected table[] = {
      {"fp64", 64, 0x1.fffffffffffffp1023, 0x1p-1022, 0x1p-1074, 1, 1, 1},
      {"fp32", 32, 0x1.fffffep127, 0x1p-126, 0x1p-149, 1, 1, 1},
      {"tf32", 19, 0x1.ffcp127, 0x1p-126, 0x1p-136, 1, 1, 1},
      {"bf16", 16, 0x1.fep127, 0x1p-126, 0x1p-133, 1, 1, 1},
      {"fp16", 16, 65504, 0x1p-14, 0x1p-24, 1, 1, 1},
      {"e5m2", 8, 57344, 0x1p-14, 0x1p-16, 1, 1, 1},      // 1.75 * 2^15
      {"e4m3fn", 8, 448, 0x1p-6, 0x1p-9, 0, 1, 1},        // 1.75 * 2^8
      {"e4m3", 8, 240, 0x1p-6, 0x1p-9, 1, 1, 1},          // 1.875 * 2^7
      {"e4m3fnuz", 8, 240, 0x1p-7, 0x1p-10, 0, 1, 0},     // 1.875 * 2^7
      {"e5m2fnuz", 8, 57344, 0x1p-15, 0x1p-17, 0, 1, 0},  // 1.75 * 2^15
      {"e4m3b11fnuz", 8, 30, 0x1p-10, 0x1p-13, 0, 1, 0},  // 1.875 * 2^4
      {"e3m4", 8, 15.5, 0x1p-2, 0x1p-6, 1, 1, 1},         // 1.9375 * 2^3
      {"e3m2fn", 6, 28, 0.25, 0.0625, 0, 0, 1},           // 1.75 * 2^4
      {"e2m3fn", 6, 7.5, 1, 0.125, 0, 0, 1},              // 1.875 * 2^2
      {"e2m1fn", 4, 6, 1, 0.5, 0, 0, 1},                  // 1.5 * 2^2
      {"e8m0fnu", 8, 0x1p127, 0x1p-127, 0x1p-127, 0, 1, 0},
      {"int8", 8, 127, 1, 1, 0, 0, 0},
      {"int4", 4, 7, 1, 1, 0, 0, 0},
      {"uint8", 8, 255, 1, 1, 0, 0, 0},
  };
  int checked = 0;
  for (const Expected& e : table) {
    const Format f = FormatByName(e.name);
    CAPTURE(f.name());
    CHECK(f.bits() == e.bits);
    CHECK(f.max_finite() == e.max_finite);
    CHECK(f.min_normal() == e.min_normal);
    CHECK(f.min_subnormal() == e.min_subnormal);
    CHECK(f.has_inf() == e.inf);
    CHECK(f.has_nan() == e.nan);
    CHECK(f.has_negative_zero() == e.negative_zero);
    ++checked;
  }
  CHECK(checked == 19);
  CHECK(SpecFormatNames().size() == 19);
  for (const auto& name : SpecFormatNames())
    CHECK(FormatByName(name).name() == name);
}

TEST_CASE("custom e<E>m<M> is IEEE-like with the default bias") {
  const Format f = FormatByName("e8m7");
  CHECK(f == FormatByName("bf16"));
  CHECK(FormatByName("e5m10") == FormatByName("fp16"));
  CHECK(FormatByName("e4m3") == FormatByName("e4m3_b7_ieee"));
  CHECK(FormatByName("e4m3fn") == FormatByName("e4m3_b7_fn"));
  CHECK(FormatByName("e4m3fnuz") == FormatByName("e4m3_b8_fnuz"));
  CHECK(FormatByName("int32").bits() == 32);
  CHECK(FormatByName("uint16").max_finite() == 65535);
}

TEST_CASE("a mapping format's name reads back as the same format") {
  FloatLayout l;
  l.exponent_bits = 4;
  l.mantissa_bits = 3;
  l.bias = 3;
  l.specials = Specials::kFnuz;
  l.subnormals = false;
  const Format f = Format::Float("", l);
  CHECK(f.name() == "e4m3_b3_fnuz_nosub");
  CHECK(FormatByName(f.name()) == f);
  int checked = 0;
  for (const auto& name : testing::SmallFloatFormatNames()) {
    CHECK(FormatByName(name).name() == name);
    ++checked;
  }
  CHECK(checked == 27);
}

TEST_CASE("bad format names are configuration errors naming the forms") {
  const char* bad[] = {
      "e4m3x",  "int1",       "e12m3",  "e8m0", "e0m3",          "fp8",  "E4M3",
      "e4m3_b", "e4m3_b7_zz", "uint65", "",     "e4m3_b7_fnuz_", "e4m-3"};
  int checked = 0;
  for (const char* name : bad) {
    CAPTURE(name);
    try {
      (void)FormatByName(name);
      FAIL("accepted a bad format name");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
      CHECK(std::string(e.what()).find("format") != std::string::npos);
    }
    ++checked;
  }
  CHECK(checked == 13);
}

}  // namespace
}  // namespace gemmsim

namespace gemmsim {
namespace {

TEST_CASE("ValuesFitIn: exactly when every decoded value survives") {
  // Checked against the definition: decode every code of a, encode into b
  // (rne), decode again, compare.
  const char* names[] = {"e4m3fn",   "e5m2", "e2m1fn", "e3m4",        "e8m0fnu",
                         "e4m3fnuz", "bf16", "fp16",   "int8",        "uint8",
                         "int4",     "tf32", "fp32",   "e4m3_b3_fnuz"};
  int checked = 0;
  for (const char* an : names) {
    const Format a = FormatByName(an);
    if (a.bits() > 16) continue;
    for (const char* bn : names) {
      const Format b = FormatByName(bn);
      bool all_survive = true;
      for (uint64_t code = 0; code < a.code_count(); ++code) {
        const double v = Decode(a, code);
        const double back = Decode(b, Encode(b, v, EncodeOptions{}));
        const bool same =
            std::isnan(v)
                ? std::isnan(back)
                : (back == v && std::signbit(back) == std::signbit(v));
        all_survive = all_survive && same;
      }
      CAPTURE(an);
      CAPTURE(bn);
      CHECK(ValuesFitIn(a, b) == all_survive);
      ++checked;
    }
  }
  CHECK(checked == 12 * 14);
}

}  // namespace
}  // namespace gemmsim
