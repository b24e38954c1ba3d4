// Block scaling (block_scaling.h): OCP MX shared exponents against a table
// derived by hand, NVFP4's two-level scales on worked examples, per-tensor
// scales, the error bound each scheme promises, correct rounding of the
// exact quotient, the non-finite corners and stochastic reproducibility.
#include "datapaths/formats/block_scaling.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "datapaths/error.h"
#include "datapaths/reference/rounding_reference.h"

namespace gemmsim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

ScaledVector Mx(const Format& f, const std::vector<double>& v,
                const EncodeOptions& o = {}) {
  return QuantizeScaled(f, {ScalingKind::kMx}, v, 0, o);
}

// The shared exponent X of block b (E8M0 code - 127).
int SharedExponent(const ScaledVector& v, size_t b) {
  return static_cast<int>(v.block_scale_codes.at(b)) - 127;
}

// The exit code a call throws, or kOk when it throws nothing.
template <typename F>
ExitCode ThrownCode(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ExitCode::kOk;
}

// Half the spacing of `f`'s values around w (w in the format's own units,
// below its max): the most that round-to-nearest may move w.
double HalfUlp(const Format& f, double w) {
  if (!f.is_float()) return 0.5;
  const int binade =
      std::max(std::ilogb(std::fabs(w)), f.min_normal_exponent());
  return std::ldexp(0.5, binade - f.layout().mantissa_bits);
}

// Random values spanning `spread` binades below 2^top, with zeros and both
// signs: the shapes real blocks take, subnormal element values included.
std::vector<double> RandomBlock(std::mt19937_64& rng, size_t n, int top,
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

TEST_CASE("NVFP4: worked example, values 0..15 * 0.5 with tensor amax 7.5") {
  const Format e2m1 = FormatByName("e2m1fn");
  const Format e4m3 = FormatByName("e4m3fn");
  std::vector<double> v(32, 0.0);
  for (int i = 0; i < 16; ++i) v[i] = 0.5 * i;
  v[16] = 0.75;  // a second block with a smaller block scale
  v[17] = -0.375;
  v[18] = 0.1;
  const ScaledVector q =
      QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v, 7.5, EncodeOptions{});
  CHECK(q.block == 16);
  // s_g = 7.5 / (6 * 448) = 5/1792 = (5/7) * 2^-8; 5/7 = 0.101101101...b
  // rounds up in float32 to 0x1.6db6dcp-9.
  CHECK(q.tensor_scale == 0x1.6db6dcp-9);
  REQUIRE(q.block_scale_codes.size() == 2);
  // Block 0: amax 7.5 / (6 s_g) = 447.99999 -> 448 = e4m3fn 0x7E.
  CHECK(q.block_scale_codes[0] == 0x7E);
  CHECK(q.block_scales[0] == 448);
  // Elements i * 0.5 / (448 s_g) ~= 0.4 i: 0, .4, .8, 1.2, 1.6, 2, 2.4, 2.8,
  // 3.2, 3.6, 4, 4.4, 4.8, 5.2, 5.6, 6 to the nearest of e2m1fn's 0, 0.5, 1,
  // 1.5, 2, 3, 4, 6 (codes 0..7); 4.8 lies below the 4|6 midpoint 5.
  const std::vector<uint64_t> block0 = {0, 1, 2, 2, 3, 4, 4, 5,
                                        5, 6, 6, 6, 6, 7, 7, 7};
  CHECK(std::equal(block0.begin(), block0.end(), q.codes.begin()));
  // Block 1: amax 0.75 / (6 s_g) = 44.8 -> 44 (binade 32..64 steps by 4),
  // e4m3fn 0 1100 011 = 0x63. The scale rounded down, so 0.75 / (44 s_g) =
  // 6.11 saturates to 6; -0.375 -> -3.05 -> -3 (0xD); 0.1 -> 0.81 -> 1.
  CHECK(q.block_scale_codes[1] == 0x63);
  CHECK(q.block_scales[1] == 44);
  CHECK(q.codes[16] == 0x7);
  CHECK(q.codes[17] == 0xD);
  CHECK(q.codes[18] == 0x2);
  CHECK(q.codes[19] == 0x0);
  const std::vector<double> back = DequantizeScaled(e2m1, q);
  CHECK(back[15] == 6 * 448 * 0x1.6db6dcp-9);
  CHECK(back[17] == -3 * 44 * 0x1.6db6dcp-9);
  CHECK(Decode(e4m3, q.block_scale_codes[1]) == q.block_scales[1]);
}

TEST_CASE("NVFP4: a block scale that underflows zeroes its block") {
  const Format e2m1 = FormatByName("e2m1fn");
  std::vector<double> v(32);
  for (int i = 0; i < 16; ++i) v[i] = (i % 2 ? -1e-4 : 1e-4);
  v[16] = 2688;  // tensor amax: s_g = 2688 / 2688 = 1 exactly
  v[17] = -1000;
  v[18] = 6 * 0x1p-9 / 2;  // block 1 is not affected by block 0
  const ScaledVector q =
      QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v, 2688, EncodeOptions{});
  CHECK(q.tensor_scale == 1);
  REQUIRE(q.block_scale_codes.size() == 2);
  // 1e-4 / 6 = 1.7e-5 is below half of e4m3fn's smallest subnormal 2^-9.
  CHECK(q.block_scale_codes[0] == 0);
  CHECK(q.block_scales[0] == 0);
  int zeros = 0;
  for (int i = 0; i < 16; ++i) {
    zeros += q.codes[i] == (i % 2 ? 0x8u : 0x0u);  // zeros keep their sign
  }
  CHECK(zeros == 16);
  const std::vector<double> back = DequantizeScaled(e2m1, q);
  for (int i = 0; i < 16; ++i) CHECK(back[i] == 0);
  CHECK(q.block_scale_codes[1] == 0x7E);  // 2688 / 6 = 448
  CHECK(q.codes[16] == 0x7);              // 2688 / 448 = 6
  CHECK(q.codes[17] == 0xC);              // -1000 / 448 = -2.23 -> -2
  CHECK(q.codes[18] == 0x0);              // 0.0059 / 448 -> 0

  // The smallest non-zero block scale: amax / 6 = 2^-9 exactly.
  const std::vector<double> smallest = {6 * 0x1p-9, -3 * 0x1p-9};
  const ScaledVector s = QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, smallest,
                                        2688, EncodeOptions{});
  CHECK(s.block_scale_codes[0] == 0x01);  // e4m3fn 0 0000 001 = 2^-9
  CHECK(s.codes == std::vector<uint64_t>{0x7, 0xD});  // 6, -3
}

TEST_CASE("NVFP4: a NaN or Inf gives the block e4m3fn's NaN scale") {
  const Format e2m1 = FormatByName("e2m1fn");
  std::vector<double> v(48, 3.0);
  v[20] = kInf;
  v[40] = -kNaN;
  // The caller's amax over the tensor is then Inf or NaN: s_g = 1.
  const ScaledVector q =
      QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v, kInf, EncodeOptions{});
  CHECK(q.tensor_scale == 1);
  // Block 0: 3 / 6 = 0.5 = e4m3fn 0 0110 000; its elements 3 / 0.5 = 6.
  CHECK(q.block_scale_codes == std::vector<uint64_t>{0x30, 0x7F, 0x7F});
  const std::vector<double> back = DequantizeScaled(e2m1, q);
  int nan_elements = 0, exact = 0;
  for (int i = 0; i < 48; ++i) {
    if (i < 16) {
      exact += back[i] == 3.0;
    } else {
      nan_elements += std::isnan(back[i]);
    }
  }
  CHECK(exact == 16);
  CHECK(nan_elements == 32);
  CHECK(QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v, kNaN, EncodeOptions{})
            .tensor_scale == 1);
}

TEST_CASE("NVFP4 property: block scales fit, error <= half ulp or saturated") {
  const Format e2m1 = FormatByName("e2m1fn");
  constexpr int kMatrices = 60;
  constexpr int kRows = 4;
  std::mt19937_64 rng(4242);
  std::uniform_int_distribution<int> top(-30, 30);
  std::uniform_int_distribution<size_t> length(1, 80);
  int rows = 0, elements = 0, saturated = 0, top_blocks = 0;
  for (int m = 0; m < kMatrices; ++m) {
    // A matrix of rows sharing one tensor amax (one s_g).
    const size_t n = length(rng);
    const int t = top(rng);
    std::vector<std::vector<double>> matrix;
    double tensor_amax = 0;
    for (int r = 0; r < kRows; ++r) {
      matrix.push_back(RandomBlock(rng, n, t, 16));
      for (double e : matrix.back())
        tensor_amax = std::max(tensor_amax, std::fabs(e));
    }
    double s_g = 0;
    for (const std::vector<double>& v : matrix) {
      const ScaledVector q = QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v,
                                            tensor_amax, EncodeOptions{});
      if (s_g == 0) s_g = q.tensor_scale;
      CHECK(q.tensor_scale == s_g);  // every row shares s_g
      CHECK(static_cast<float>(s_g) == s_g);
      // float32 rounding moves s_g by at most 2^-24 relative (plus the
      // double rounding of this check).
      CHECK(std::fabs(s_g * 2688 / tensor_amax - 1) <= 0x1p-24 + 0x1p-50);
      REQUIRE(q.block_scale_codes.size() == (n + 15) / 16);
      const std::vector<double> back = DequantizeScaled(e2m1, q);
      for (size_t b = 0; b < q.block_scale_codes.size(); ++b) {
        const double s_b = q.block_scales[b];
        CHECK(s_b <= 448);
        double amax = 0;
        for (size_t i = 16 * b; i < std::min(n, 16 * b + 16); ++i)
          amax = std::max(amax, std::fabs(v[i]));
        if (amax == tensor_amax) {  // the tensor's amax maps to 448 * 6
          CHECK(q.block_scale_codes[b] == 0x7E);
          ++top_blocks;
        }
        for (size_t i = 16 * b; i < std::min(n, 16 * b + 16); ++i) {
          CAPTURE(v[i]);
          const double divisor = s_b * s_g;
          if (divisor == 0) {
            CHECK(back[i] == 0);
          } else if (const double w = v[i] / divisor; std::fabs(w) > 6) {
            CHECK(back[i] == std::copysign(6 * divisor, w));
            ++saturated;
          } else {
            CHECK(std::fabs(back[i] - v[i]) <=
                  HalfUlp(e2m1, w) * divisor * (1 + 0x1p-50));
          }
          ++elements;
        }
      }
      ++rows;
    }
  }
  CHECK(rows == kMatrices * kRows);
  CHECK(top_blocks >= kMatrices);
  CHECK(saturated > 0);
  CHECK(elements > kMatrices * kRows * 20);
  MESSAGE(elements << " elements, " << saturated << " saturated");
}

TEST_CASE(
    "per_tensor scaling: amax maps to max; power_of_two never overflows") {
  struct Row {
    const char* format;
    double amax;
  };
  const Row rows[] = {{"e4m3fn", 1000}, {"e4m3fn", 3.3},  {"e4m3fn", 1e-3},
                      {"e4m3fn", 448},  {"e5m2", 1e9},    {"e5m2", 0.17},
                      {"e2m1fn", 123},  {"e3m2fn", 1e-9}, {"e2m3fn", 77},
                      {"int8", 5.5},    {"bf16", 1e30},   {"fp16", 3e-7}};
  std::mt19937_64 rng(99);
  int checked = 0, elements = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    CAPTURE(r.amax);
    const Format f = FormatByName(r.format);
    const double max = f.max_finite();
    const uint64_t max_code = f.max_finite_magnitude_code();
    EncodeOptions ieee;  // overflow: ieee, so an overflow would show
    std::vector<double> v = {r.amax, -r.amax};
    std::uniform_real_distribution<double> within(-r.amax, r.amax);
    for (int i = 0; i < 62; ++i) v.push_back(within(rng));

    // Float32 s = amax / max: the amax element lands on max.
    const ScaledVector q =
        QuantizeScaled(f, {ScalingKind::kPerTensor}, v, r.amax, ieee);
    const double s = q.tensor_scale;
    CHECK(static_cast<float>(s) == s);
    CHECK(std::fabs(r.amax / s - max) <= max * 0x1p-23);
    CHECK(q.codes[0] == max_code);
    CHECK(Decode(f, q.codes[1]) == -max);
    CHECK(q.block_scales.empty());

    // Power of two: max / 2 < amax / s <= max, and nothing overflows.
    const ScaledVector p =
        QuantizeScaled(f, {ScalingKind::kPerTensor, true}, v, r.amax, ieee);
    const double s2 = p.tensor_scale;
    int exponent;
    CHECK(std::frexp(s2, &exponent) == 0.5);
    CHECK(r.amax / s2 <= max);
    CHECK(r.amax / s2 > max / 2);
    for (uint64_t code : p.codes) {
      const CodeClass c = Classify(f, code);
      CHECK(c != CodeClass::kInf);
      CHECK(c != CodeClass::kNaN);
      ++elements;
    }
    const std::vector<double> back = DequantizeScaled(f, p);
    for (size_t i = 0; i < v.size(); ++i) CHECK(std::fabs(back[i]) <= max * s2);
    ++checked;
  }
  CHECK(checked == 12);
  CHECK(elements == 12 * 64);
}

TEST_CASE("per_tensor scales: hand-derived values") {
  struct Row {
    const char* format;
    double amax;
    bool power_of_two;
    double s;
  };
  const Row rows[] = {
      {"e4m3fn", 896, false, 2},               // 896 / 448
      {"e4m3fn", 1000, false, 0x1.1db6dcp+1},  // 125/56, float32 up
      {"int8", 1, false, 0x1.020408p-7},       // 1/127 = 0.0000001(0000001)b
      {"e4m3fn", 448, true, 1},                // exactly max: 2^0
      {"e4m3fn", 449, true, 2},                // just above: 2^1
      {"e4m3fn", 224, true, 0.5},              // 448 / 2
      {"e4m3fn", 224.0001, true, 1},
      {"e4m3fn", 1, true, 0x1p-8},  // 1/448 in (2^-9, 2^-8]
      {"int8", 127, true, 1},
      {"int8", 128, true, 2},
      {"int8", 1, true, 0x1p-6},  // 1/127 in (2^-7, 2^-6]
      {"e2m1fn", 6, true, 1},
      {"e2m1fn", 12, true, 2},
      {"e2m1fn", 12.1, true, 4},
      {"e2m1fn", 3, true, 0.5},
      {"e4m3fn", 1e-300, false, 0x1p-149},        // below float32: its smallest
      {"e4m3fn", 1e300, false, 0x1.fffffep+127},  // above: its largest
      {"e4m3fn", 1e-300, true, 0x1p-149},
      {"e4m3fn", 0, false, 1},  // nothing to scale
      {"e4m3fn", 0, true, 1},
      {"e4m3fn", kInf, false, 1},
      {"e4m3fn", kNaN, true, 1},
  };
  int checked = 0;
  for (const Row& r : rows) {
    CAPTURE(r.format);
    CAPTURE(r.amax);
    CAPTURE(r.power_of_two);
    const Format f = FormatByName(r.format);
    const ScalingSpec spec{ScalingKind::kPerTensor, r.power_of_two};
    CHECK(TensorScale(f, spec, r.amax) == r.s);
    const std::vector<double> one = {1.0};
    CHECK(QuantizeScaled(f, spec, one, r.amax, EncodeOptions{}).tensor_scale ==
          r.s);
    ++checked;
  }
  CHECK(checked == 22);
}

// The value the exact quotient x / s rounds to in `f`, decided with exact
// products only (g * s is exact in double for these formats and scales).
double RoundQuotientByDefinition(const reference::RoundingReference& ref,
                                 double x, double s, Rounding mode) {
  const std::vector<double>& grid = ref.grid();  // non-negative, ascending
  const double ax = std::fabs(x);
  // lo = the largest grid value with g * s <= |x|.
  const auto above =
      std::upper_bound(grid.begin(), grid.end(), ax,
                       [s](double a, double g) { return a < g * s; });
  const double lo = *(above - 1);
  if (lo * s == ax) return std::copysign(lo, x);
  const double hi = *above;
  const bool negative = std::signbit(x);
  double m;
  switch (mode) {
    case Rounding::kTowardZero:
      m = lo;
      break;
    case Rounding::kUp:
      m = negative ? lo : hi;
      break;
    case Rounding::kDown:
      m = negative ? hi : lo;
      break;
    default: {  // nearest: compare |x| with the midpoint, exactly
      const double mid = (lo + hi) / 2 * s;
      if (ax != mid) {
        m = ax < mid ? lo : hi;
      } else if (mode == Rounding::kNearestAway) {
        m = hi;
      } else {  // ties to even: the neighbour whose grid index is even
        m = ((above - grid.begin()) % 2 == 0) ? hi : lo;
      }
    }
  }
  return std::copysign(m, x);
}

TEST_CASE(
    "per_tensor scaling rounds the exact quotient x / s once, in every mode") {
  const char* formats[] = {"e4m3fn", "e2m1fn", "bf16"};
  const Rounding modes[] = {Rounding::kNearestEven, Rounding::kNearestAway,
                            Rounding::kTowardZero, Rounding::kUp,
                            Rounding::kDown};
  std::mt19937_64 rng(31337);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  int checked = 0;
  for (const char* name : formats) {
    const Format f = FormatByName(name);
    const reference::RoundingReference ref(f);
    for (double amax : {1000.0, 3.3, 0.07, 1e5}) {
      const double s = TensorScale(f, {ScalingKind::kPerTensor}, amax);
      // Random values, plus values a few double ulps either side of each
      // midpoint and each grid value times s (where a double quotient is
      // most likely to be rounded onto the wrong side).
      std::vector<double> v;
      for (int i = 0; i < 200; ++i) v.push_back(amax * unit(rng));
      const std::vector<double>& grid = ref.grid();
      for (size_t g = 1; g + 1 < grid.size(); g += grid.size() / 40 + 1) {
        for (double target : {grid[g] * s, (grid[g] + grid[g + 1]) / 2 * s}) {
          if (target > amax) continue;
          double below = target, above = target;
          for (int k = 0; k < 3; ++k) {
            below = std::nextafter(below, 0.0);
            above = std::nextafter(above, kInf);
            v.insert(v.end(), {below, above, -below, -above});
          }
          v.push_back(target);
        }
      }
      for (Rounding mode : modes) {
        CAPTURE(name);
        CAPTURE(amax);
        CAPTURE(RoundingName(mode));
        EncodeOptions o;
        o.rounding.mode = mode;
        o.overflow = Overflow::kSaturate;
        const ScaledVector q =
            QuantizeScaled(f, {ScalingKind::kPerTensor}, v, amax, o);
        REQUIRE(q.tensor_scale == s);
        for (size_t i = 0; i < v.size(); ++i) {
          CAPTURE(v[i]);
          const double want = RoundQuotientByDefinition(ref, v[i], s, mode);
          CHECK(Decode(f, q.codes[i]) ==
                std::clamp(want, -f.max_finite(), f.max_finite()));
          ++checked;
        }
      }
    }
  }
  CHECK(checked > 3 * 4 * 5 * 200);
  MESSAGE(checked << " quotients checked");
}

TEST_CASE("per_tensor scaling: no double rounding through a float64 quotient") {
  // A wide element format (41 significant bits) and a float32 scale of 24
  // bits: t * s has up to 66 bits, so x = t * s rounded to double lies a hair
  // off t * s, and x / s rounded to double lands exactly on t. For t a
  // midpoint of e8m40, rne of that double quotient is a tie (to even), but
  // the exact quotient t + (x - t s) / s lies on one side of it.
  const Format f = FormatByName("e8m40");
  const double s = 1 + 0x1p-23;  // float32: 24 significant bits
  const double amax = f.max_finite() * s;
  REQUIRE(TensorScale(f, {ScalingKind::kPerTensor}, amax) == s);
  std::mt19937_64 rng(8);
  std::uniform_int_distribution<uint64_t> odd(0, (uint64_t{1} << 39) - 1);
  std::vector<double> v, want;
  int double_quotient_wrong = 0;
  for (int i = 0; i < 400; ++i) {
    // t = 1 + (2k + 1) 2^-41: the midpoint of two e8m40 neighbours 2^-40
    // apart (e8m40 has 40 fraction bits).
    const double t = 1 + std::ldexp(static_cast<double>(2 * odd(rng) + 1), -41);
    const double x = t * s;               // rounded to double
    const double e = std::fma(-t, s, x);  // x - t s, exactly
    if (e == 0) continue;                 // x / s is the tie itself
    const double sign = i % 2 ? -1 : 1;
    v.push_back(sign * x);
    want.push_back(sign * (e > 0 ? t + 0x1p-41 : t - 0x1p-41));
    const double plain = x / s;  // what a float64 quotient would round
    EncodeOptions rne;
    double_quotient_wrong += RoundTo(f, plain, rne) != want.back() * sign;
  }
  const ScaledVector q =
      QuantizeScaled(f, {ScalingKind::kPerTensor}, v, amax, EncodeOptions{});
  int checked = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    CAPTURE(v[i]);
    CHECK(Decode(f, q.codes[i]) == want[i]);
    ++checked;
  }
  CHECK(checked > 300);
  CHECK(double_quotient_wrong > 50);  // the trap this test guards is real
}

TEST_CASE("scaling: element formats a scheme does not allow are usage errors") {
  const std::vector<double> v = {1.0, 2.0};
  const auto code = [&](const char* format, ScalingSpec spec) {
    return ThrownCode([&] {
      QuantizeScaled(FormatByName(format), spec, v, 2.0, EncodeOptions{});
    });
  };
  int checked = 0;
  for (const char* bad : {"fp16", "bf16", "fp32", "e4m3", "e4m3fnuz",
                          "e5m2fnuz", "e3m4", "e8m0fnu", "int4", "uint8"}) {
    CAPTURE(bad);
    CHECK(code(bad, {ScalingKind::kMx}) == ExitCode::kUsage);
    CHECK(ThrownCode([&] { MxElementEmax(FormatByName(bad)); }) ==
          ExitCode::kUsage);
    ++checked;
  }
  for (const char* bad : {"e4m3fn", "e2m3fn", "e3m2fn", "int8", "fp16"}) {
    CAPTURE(bad);
    CHECK(code(bad, {ScalingKind::kNvfp4}) == ExitCode::kUsage);
    ++checked;
  }
  CHECK(checked == 15);
  // The allowed ones pass.
  for (const char* good :
       {"e4m3fn", "e5m2", "e3m2fn", "e2m3fn", "e2m1fn", "int8"})
    CHECK(code(good, {ScalingKind::kMx}) == ExitCode::kOk);
  CHECK(code("e2m1fn", {ScalingKind::kNvfp4}) == ExitCode::kOk);
  CHECK(code("fp16", {ScalingKind::kPerTensor, true}) == ExitCode::kOk);
  CHECK(code("fp16", {ScalingKind::kNone}) == ExitCode::kOk);
  // power_of_two belongs to per_tensor.
  CHECK(code("e4m3fn", {ScalingKind::kMx, true}) == ExitCode::kUsage);
  CHECK(code("e2m1fn", {ScalingKind::kNvfp4, true}) == ExitCode::kUsage);
  CHECK(code("e4m3fn", {ScalingKind::kNone, true}) == ExitCode::kUsage);
  // Caller bugs are internal errors, not usage errors.
  CHECK(ThrownCode([&] {
          QuantizeScaled(FormatByName("e4m3fn"), {ScalingKind::kPerTensor}, v,
                         -1.0, EncodeOptions{});
        }) == ExitCode::kInternal);
  ScaledVector broken = Mx(FormatByName("e4m3fn"), std::vector<double>(40, 1));
  broken.block_scales.pop_back();
  CHECK(ThrownCode([&] { DequantizeScaled(FormatByName("e4m3fn"), broken); }) ==
        ExitCode::kInternal);
  const ScaledVector mx = Mx(FormatByName("e4m3fn"), v);
  CHECK(ThrownCode([&] {
          DequantizeScaled(FormatByName("e4m3fn"), ScalingKind::kNvfp4, mx);
        }) == ExitCode::kInternal);
  CHECK(DequantizeScaled(FormatByName("e4m3fn"), ScalingKind::kMx, mx) ==
        DequantizeScaled(FormatByName("e4m3fn"), mx));
}

TEST_CASE("scaling none: plain Encode with the caller's options") {
  const Format f = FormatByName("e4m3fn");
  const std::vector<double> v = {1.3, -500, 1e-5, kNaN};
  EncodeOptions o;  // ieee overflow: 500 is beyond 464, the 448|512 midpoint
  const ScaledVector q = QuantizeScaled(f, {ScalingKind::kNone}, v, 0, o);
  CHECK(q.block == 0);
  CHECK(q.tensor_scale == 1);
  CHECK(q.block_scales.empty());
  int checked = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    CHECK(q.codes[i] == Encode(f, v[i], o));
    ++checked;
  }
  CHECK(checked == 4);
  CHECK(Classify(f, q.codes[1]) == CodeClass::kNaN);  // e4m3fn has no Inf
}

TEST_CASE("stochastic MX and NVFP4: reproducible and split-invariant") {
  std::mt19937_64 rng(5);
  const std::vector<double> v = RandomBlock(rng, 100, 4, 12);
  EncodeOptions o;
  o.rounding.mode = Rounding::kStochastic;
  const RandomKey key{77, StreamTensor::kA};
  const RandomKey other{78, StreamTensor::kA};
  int checked = 0;
  for (const char* name : {"e4m3fn", "e2m1fn", "int8"}) {
    for (ScalingKind kind : {ScalingKind::kMx, ScalingKind::kNvfp4}) {
      const Format f = FormatByName(name);
      if (kind == ScalingKind::kNvfp4 && f.name() != "e2m1fn") continue;
      CAPTURE(name);
      CAPTURE(ScalingName(kind));
      const double amax = 16;
      const ScaledVector a = QuantizeScaled(f, {kind}, v, amax, o, key, 1000);
      const ScaledVector b = QuantizeScaled(f, {kind}, v, amax, o, key, 1000);
      CHECK(a.codes == b.codes);
      // Another seed draws other bits: some element rounds the other way.
      CHECK(QuantizeScaled(f, {kind}, v, amax, o, other, 1000).codes !=
            a.codes);
      // Split at a block boundary (64 is one for both block sizes).
      const std::span<const double> all(v);
      const ScaledVector head =
          QuantizeScaled(f, {kind}, all.first(64), amax, o, key, 1000);
      const ScaledVector tail =
          QuantizeScaled(f, {kind}, all.subspan(64), amax, o, key, 1064);
      std::vector<uint64_t> joined = head.codes;
      joined.insert(joined.end(), tail.codes.begin(), tail.codes.end());
      CHECK(joined == a.codes);
      std::vector<uint64_t> scales = head.block_scale_codes;
      scales.insert(scales.end(), tail.block_scale_codes.begin(),
                    tail.block_scale_codes.end());
      CHECK(scales == a.block_scale_codes);
      ++checked;
    }
  }
  CHECK(checked == 4);
}

// Mean of N stochastic quantizations of one block. One draw has standard
// deviation at most gap / 2 (gap: the spacing of the two neighbours); the
// mean of N is within 6 / sqrt(N) of that of its expectation except with
// probability < 2e-9 per element, and 32 random bits bias it by < gap 2^-32.
TEST_CASE("stochastic MX quantization is unbiased") {
  constexpr int kDraws = 4000;
  int checked = 0;
  for (const char* name : {"e4m3fn", "int8"}) {
    CAPTURE(name);
    const Format f = FormatByName(name);
    // amax 400 (e4m3fn: X = 0, all below 448) / 1.9 (int8: X = 0, all
    // below 127 * 2^-6): no element saturates, which would bias the mean.
    const double amax = f.is_float() ? 400 : 1.9;
    std::vector<double> v(32);
    for (int i = 0; i < 32; ++i)
      v[i] = amax * std::sin(1.0 + 2.7 * i) * (i % 5 == 0 ? 1e-3 : 1);
    v[7] = amax;
    std::vector<double> sum(32, 0.0);
    EncodeOptions o;
    o.rounding.mode = Rounding::kStochastic;
    for (int d = 0; d < kDraws; ++d) {
      const RandomKey key{static_cast<uint64_t>(d), StreamTensor::kQuantize};
      const std::vector<double> back = DequantizeScaled(
          f, QuantizeScaled(f, {ScalingKind::kMx}, v, 0, o, key));
      for (int i = 0; i < 32; ++i) sum[i] += back[i];
    }
    const double unit = f.is_float() ? 1.0 : 0x1p-6;  // X = 0
    int moved = 0;
    for (int i = 0; i < 32; ++i) {
      CAPTURE(v[i]);
      const double gap = 2 * HalfUlp(f, v[i] / unit) * unit;
      const double bound =
          gap * std::ldexp(1.0, -32) + 6 / std::sqrt(double{kDraws}) * gap / 2;
      CHECK(std::fabs(sum[i] / kDraws - v[i]) <= bound);
      moved += RoundTo(f, v[i] / unit, EncodeOptions{}) * unit != v[i];
      ++checked;
    }
    CHECK(moved > 16);  // most elements are not on the grid: a real test
  }
  CHECK(checked == 64);
}

}  // namespace
}  // namespace gemmsim
