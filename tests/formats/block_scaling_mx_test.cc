// Block scaling (block_scaling.h): OCP MX shared exponents, elements and
// corners.
#include <doctest/doctest.h>

#include "tests/formats/block_scaling_test_support.h"

namespace gemmsim {
namespace {
using namespace testing;

TEST_CASE("scaling names and block sizes") {
  struct Row {
    ScalingKind kind;
    const char* name;
    int block;
  };
  const Row rows[] = {{ScalingKind::kNone, "none", 0},
                      {ScalingKind::kPerTensor, "per_tensor", 0},
                      {ScalingKind::kMx, "mx", 32},
                      {ScalingKind::kNvfp4, "nvfp4", 16}};
  int checked = 0;
  for (const Row& r : rows) {
    CHECK(ScalingName(r.kind) == r.name);
    CHECK(ParseScaling(r.name) == r.kind);
    CHECK(ScalingBlockSize(r.kind) == r.block);
    CHECK(BlockScaleFormat(r.kind).has_value() == (r.block > 0));
    ++checked;
  }
  CHECK(checked == 4);
  CHECK(BlockScaleFormat(ScalingKind::kMx)->name() == "e8m0fnu");
  CHECK(BlockScaleFormat(ScalingKind::kNvfp4)->name() == "e4m3fn");
  CHECK_FALSE(ParseScaling("MX").has_value());
  CHECK_FALSE(ParseScaling("per-tensor").has_value());
  CHECK_FALSE(ParseScaling("").has_value());
}

TEST_CASE("MX emax_elem is the exponent of each element format's top binade") {
  struct Row {
    const char* format;
    int emax;
  };
  const Row rows[] = {{"e4m3fn", 8},  // 448 = 1.75 * 2^8
                      {"e5m2", 15},   // 57344 = 1.75 * 2^15
                      {"e3m2fn", 4},  // 28 = 1.75 * 2^4
                      {"e2m3fn", 2},  // 7.5 = 1.875 * 2^2
                      {"e2m1fn", 2},  // 6 = 1.5 * 2^2
                      {"int8", 0}};   // 127 * 2^-6 = 1.984375
  int checked = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    const Format f = FormatByName(r.format);
    CHECK(MxElementEmax(f) == r.emax);
    // The element's max lies in [2^emax, 2^(emax+1)) (MXINT8 in units 2^-6).
    const double max = f.is_float() ? f.max_finite() : f.max_finite() / 64;
    CHECK(max >= std::ldexp(1.0, r.emax));
    CHECK(max < std::ldexp(1.0, r.emax + 1));
    ++checked;
  }
  CHECK(checked == 6);
}

TEST_CASE("MX shared exponent X = floor(log2 amax) - emax, clamped to E8M0") {
  struct Row {
    const char* format;
    double amax;
    int x;
  };
  const double below_256 = std::nextafter(256.0, 0.0);
  const double below_1 = std::nextafter(1.0, 0.0);
  const Row rows[] = {
      // MXFP8 E4M3, emax 8.
      {"e4m3fn", 448, 0},         // log2 448 = 8.8 -> 8 - 8
      {"e4m3fn", 256, 0},         // exact power of two: 8 - 8
      {"e4m3fn", below_256, -1},  // just below: 7 - 8
      {"e4m3fn", 511.9, 0},       // top of binade 8 (saturates)
      {"e4m3fn", 512, 1},         // 9 - 8
      {"e4m3fn", 1, -8},          // 0 - 8
      {"e4m3fn", below_1, -9},    // -1 - 8
      {"e4m3fn", 0.75, -9},       // log2 0.75 = -0.4 -> -1 - 8
      // MXFP8 E5M2, emax 15.
      {"e5m2", 57344, 0},  // 15 - 15
      {"e5m2", 32768, 0},  // 2^15
      {"e5m2", 65535, 0},  // top of binade 15
      {"e5m2", 65536, 1},  // 2^16
      {"e5m2", 1, -15},
      {"e5m2", 0.5, -16},
      // MXFP6 E3M2, emax 4.
      {"e3m2fn", 28, 0},  // 4 - 4
      {"e3m2fn", 16, 0},
      {"e3m2fn", 15.99, -1},  // 3 - 4
      {"e3m2fn", 32, 1},
      {"e3m2fn", 1, -4},
      // MXFP6 E2M3, emax 2.
      {"e2m3fn", 7.5, 0},  // 2 - 2
      {"e2m3fn", 4, 0},
      {"e2m3fn", 3.99, -1},
      {"e2m3fn", 8, 1},
      {"e2m3fn", 1, -2},
      // MXFP4 E2M1, emax 2.
      {"e2m1fn", 6, 0},  // 2 - 2
      {"e2m1fn", 4, 0},
      {"e2m1fn", 3.9, -1},  // 1 - 2
      {"e2m1fn", 1, -2},
      {"e2m1fn", 0.1, -6},  // 0.1 = 1.6 * 2^-4: -4 - 2
      // MXINT8, emax 0.
      {"int8", 1.984375, 0},  // 127 * 2^-6
      {"int8", 1, 0},
      {"int8", 2, 1},
      {"int8", 0.5, -1},
      {"int8", 127, 6},  // 127 = 1.98 * 2^6
      {"int8", 100, 6},
      // Clamping to E8M0's [-127, 127].
      {"e4m3fn", 0x1p-135, -127},  // -135 - 8 = -143, clamped
      {"e4m3fn", 0x1p-119, -127},  // -119 - 8 = -127 exactly
      {"e4m3fn", 0x1p-118, -126},  // -118 - 8
      {"e4m3fn", std::nextafter(0x1p-118, 0.0), -127},
      {"e4m3fn", std::numeric_limits<double>::denorm_min(), -127},  // 2^-1074
      {"e2m1fn", 0x1p129, 127},  // 129 - 2 = 127 exactly
      {"e2m1fn", 0x1p130, 127},  // 128, clamped
      {"e2m1fn", 0x1p200, 127},
      {"e4m3fn", std::numeric_limits<double>::max(), 127},  // 1023 - 8
      {"int8", 0x1p127, 127},
      {"int8", 0x1p128, 127},  // clamped
  };
  int checked = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    CAPTURE(r.amax);
    const Format f = FormatByName(r.format);
    // The amax element with a smaller one of the other sign beside it.
    const ScaledVector v = Mx(f, {r.amax / 3, -r.amax, 0.0});
    REQUIRE(v.block_scale_codes.size() == 1);
    CHECK(SharedExponent(v, 0) == r.x);
    CHECK(v.block_scales[0] == std::ldexp(1.0, r.x));
    CHECK(Decode(FormatByName("e8m0fnu"), v.block_scale_codes[0]) ==
          std::ldexp(1.0, r.x));
    ++checked;
  }
  CHECK(checked == 46);
}

TEST_CASE("MX: a block of zeros takes the smallest scale, 2^-127") {
  const Format f = FormatByName("e4m3fn");
  const std::vector<double> zeros = {0.0, -0.0, 0.0};
  const ScaledVector v = Mx(f, zeros);
  REQUIRE(v.block_scale_codes.size() == 1);
  CHECK(v.block_scale_codes[0] == 0);
  CHECK(v.block_scales[0] == 0x1p-127);
  CHECK(v.codes == std::vector<uint64_t>{0x00, 0x80, 0x00});  // signed zeros
  const std::vector<double> back = DequantizeScaled(f, v);
  CHECK(back[0] == 0);
  CHECK(std::signbit(back[1]));
}

TEST_CASE("MX elements: worked examples") {
  SUBCASE("MXFP4: ties to even, and the top binade saturates") {
    const Format f = FormatByName("e2m1fn");
    // amax 5: X = 2 - 2 = 0. 5 is the tie of 4 and 6: even mantissa, 4.
    // -2.4 -> -2; 0.3 -> 0.5 (nearer than 0); 0.2 -> 0.
    const ScaledVector v = Mx(f, {5.0, -2.4, 0.3, 0.2});
    CHECK(SharedExponent(v, 0) == 0);
    CHECK(v.codes == std::vector<uint64_t>{0x6, 0xC, 0x1, 0x0});
    // amax 7.9: X = 0 too; 7.9 > 6 saturates, whatever overflow says.
    EncodeOptions ieee;
    ieee.overflow = Overflow::kIeee;
    const ScaledVector top = Mx(f, {7.9, -7.9}, ieee);
    CHECK(SharedExponent(top, 0) == 0);
    CHECK(top.codes == std::vector<uint64_t>{0x7, 0xF});  // +-6
  }
  SUBCASE("MXFP8 E5M2 saturates where ieee overflow would give Inf") {
    const Format f = FormatByName("e5m2");
    EncodeOptions ieee;
    ieee.overflow = Overflow::kIeee;
    CHECK(Classify(f, Encode(f, 65000, ieee)) == CodeClass::kInf);
    // 65000: X = 15 - 15 = 0, and 65000 > 57344 clamps to 57344 = 0x7B.
    const ScaledVector v = Mx(f, {65000, -65000, 1.0}, ieee);
    CHECK(SharedExponent(v, 0) == 0);
    CHECK(v.codes == std::vector<uint64_t>{0x7B, 0xFB, 0x3C});
    CHECK(DequantizeScaled(f, v) == std::vector<double>{57344, -57344, 1});
  }
  SUBCASE("MXINT8: int8 codes in units of 2^-6") {
    const Format f = FormatByName("int8");
    // amax 1.999: X = 0. 1.5 * 64 = 96; -1.999 * 64 = -127.9 -> -128;
    // 0.01 * 64 = 0.64 -> 1; 1.99 * 64 = 127.36 -> 127.
    const ScaledVector v = Mx(f, {1.5, -1.999, 0.01, 1.99});
    CHECK(SharedExponent(v, 0) == 0);
    CHECK(v.codes == std::vector<uint64_t>{96, 0x80, 1, 127});
    CHECK(v.tensor_scale == 0x1p-6);  // the implicit 2^-6
    CHECK(v.block_scales[0] == 1);
    CHECK(DequantizeScaled(f, v) ==
          std::vector<double>{1.5, -2, 0.015625, 1.984375});
    // amax 100: X = 6; 100 / 2^6 * 2^6 = 100 exactly, 3 / 2^6 * 2^6 = 3.
    const ScaledVector w = Mx(f, {100, 3, -127.5});
    CHECK(SharedExponent(w, 0) == 6);
    CHECK(w.codes == std::vector<uint64_t>{100, 3, 0x80});  // -127.5 -> -128
  }
}

TEST_CASE("MX: the last block may be partial") {
  const Format f = FormatByName("e4m3fn");
  std::vector<double> v(70);  // blocks [0, 32), [32, 64), [64, 70)
  for (int i = 0; i < 70; ++i) {
    const double magnitude = i < 32 ? 1.0 : i < 64 ? 100.0 : 0.01;
    v[i] = magnitude * (1 - (i % 7) / 8.0);
  }
  const ScaledVector q = Mx(f, v);
  CHECK(q.block == 32);
  CHECK(q.codes.size() == 70);
  REQUIRE(q.block_scale_codes.size() == 3);
  CHECK(SharedExponent(q, 0) == -8);   // amax 1: 0 - 8
  CHECK(SharedExponent(q, 1) == -2);   // amax 100: 6 - 8
  CHECK(SharedExponent(q, 2) == -15);  // amax 0.00875 = 1.12 * 2^-7: -7 - 8
  // The tail alone, from the same place in the row, gives the same codes.
  const std::vector<double> tail(v.begin() + 64, v.end());
  const ScaledVector t =
      QuantizeScaled(f, {ScalingKind::kMx}, tail, 0, EncodeOptions{}, {}, 64);
  CHECK(t.block_scale_codes == std::vector<uint64_t>{q.block_scale_codes[2]});
  CHECK(std::equal(t.codes.begin(), t.codes.end(), q.codes.begin() + 64));
  const std::vector<double> back = DequantizeScaled(f, q);
  int checked = 0;
  for (int i = 0; i < 70; ++i) {
    CAPTURE(i);
    const double scale = q.block_scales[i / 32];
    CHECK(std::fabs(back[i] - v[i]) <= HalfUlp(f, v[i] / scale) * scale);
    ++checked;
  }
  CHECK(checked == 70);
}

TEST_CASE("MX property: elements land below 2^(emax+1), error <= half ulp") {
  const char* formats[] = {"e4m3fn", "e5m2",   "e3m2fn",
                           "e2m3fn", "e2m1fn", "int8"};
  constexpr int kBlocksPerFormat = 400;
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<int> top(-60, 60);
  std::uniform_int_distribution<size_t> length(1, 32);
  int blocks = 0, elements = 0, saturated = 0;
  for (const char* name : formats) {
    CAPTURE(name);
    const Format f = FormatByName(name);
    const int emax = MxElementEmax(f);
    // In the element's own units: MXINT8 counts in 2^-6.
    const double unit = f.is_float() ? 1.0 : 0x1p-6;
    const double max = f.max_finite() * unit;
    for (int b = 0; b < kBlocksPerFormat; ++b) {
      // Every fourth block is full; others are partial tails.
      const size_t n = b % 4 == 0 ? 32 : length(rng);
      const std::vector<double> v = RandomBlock(rng, n, top(rng), 12);
      const ScaledVector q = Mx(f, v);
      REQUIRE(q.block_scale_codes.size() == 1);
      const int x = SharedExponent(q, 0);
      const double scale = std::ldexp(1.0, x);
      double amax = 0;
      for (double e : v) amax = std::max(amax, std::fabs(e));
      if (amax > 0) {
        // The block's amax lands in the top binade [2^emax, 2^(emax+1)).
        CHECK(amax / scale >= std::ldexp(1.0, emax));
        CHECK(amax / scale < std::ldexp(1.0, emax + 1));
      }
      const std::vector<double> back = DequantizeScaled(f, q);
      for (size_t i = 0; i < n; ++i) {
        CAPTURE(v[i]);
        const double w = v[i] / scale;  // exact: a power of two
        CHECK(std::fabs(w) <= 2 * max);
        const double err = std::fabs(back[i] - v[i]);
        const double low = f.is_float() ? -max : f.min_value() * unit;
        if (w > max || w < low) {
          // Saturated: only the top binade gets here, clamped to the end.
          CHECK(back[i] == (w > 0 ? max : low) * scale);
          ++saturated;
        } else {
          CHECK(err <= HalfUlp(f, w / unit) * unit * scale);
        }
        ++elements;
      }
      ++blocks;
    }
  }
  CHECK(blocks == 6 * kBlocksPerFormat);
  CHECK(elements > 6 * kBlocksPerFormat * 8);
  CHECK(saturated > 0);  // the saturating path was exercised
  MESSAGE(elements << " elements, " << saturated << " saturated");
}

TEST_CASE("MX: a NaN or Inf poisons its block, and only its block") {
  const Format f = FormatByName("e4m3fn");
  std::mt19937_64 rng(7);
  std::vector<double> v = RandomBlock(rng, 128, 3, 10);  // four blocks
  v[40] = kNaN;                                          // block 1
  v[70] = -kInf;                                         // block 2
  const ScaledVector q = Mx(f, v);
  REQUIRE(q.block_scale_codes.size() == 4);
  CHECK(q.block_scale_codes[1] == 0xFF);
  CHECK(q.block_scale_codes[2] == 0xFF);
  CHECK(std::isnan(q.block_scales[1]));
  CHECK(std::isnan(q.block_scales[2]));
  const std::vector<double> back = DequantizeScaled(f, q);
  int nan_elements = 0;
  for (int i = 32; i < 96; ++i) nan_elements += std::isnan(back[i]);
  CHECK(nan_elements == 64);
  // Blocks 0 and 3 are what they are when quantized alone.
  int checked = 0;
  for (size_t b : {size_t{0}, size_t{3}}) {
    const std::vector<double> alone(v.begin() + 32 * b,
                                    v.begin() + 32 * (b + 1));
    const ScaledVector a = Mx(f, alone);
    CHECK(a.block_scale_codes[0] == q.block_scale_codes[b]);
    CHECK(a.block_scale_codes[0] != 0xFF);
    CHECK(std::equal(a.codes.begin(), a.codes.end(), q.codes.begin() + 32 * b));
    for (size_t i = 32 * b; i < 32 * (b + 1); ++i)
      CHECK(std::isfinite(back[i]));
    ++checked;
  }
  CHECK(checked == 2);
}

}  // namespace
}  // namespace gemmsim
