// Block scaling (block_scaling.h): OCP MX shared exponents from a hand-made
// table, NVFP4's two-level scales on a worked example, per-tensor scales,
// the error bound every scheme promises, and the non-finite corners.
#include "datapaths/formats/block_scaling.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "datapaths/error.h"

namespace gemmsim {
namespace {

int MxExponent(const char* element, double amax) {
  const std::vector<double> block = {amax, -amax / 3};
  const ScaledVector v = QuantizeScaled(
      FormatByName(element), {ScalingKind::kMx}, block, amax, EncodeOptions{});
  return static_cast<int>(v.block_scale_codes[0]) - 127;
}

TEST_CASE("MX shared exponent is floor(log2 amax) - emax of the element") {
  struct Row {
    const char* element;
    double amax;
    int x;
  };
  const Row rows[] = {
      {"e4m3fn", 448, 0},  // 448 = 1.75 * 2^8, emax 8
      {"e4m3fn", 1, -8},        {"e4m3fn", 0.75, -9},
      {"e4m3fn", 511.9, 0},     {"e4m3fn", 512, 1},
      {"e5m2", 57344, 0},                           // emax 15
      {"e5m2", 1, -15},         {"e3m2fn", 28, 0},  // emax 4
      {"e2m3fn", 7.5, 0},                           // emax 2
      {"e2m1fn", 6, 0},         {"e2m1fn", 4, 0},
      {"e2m1fn", 3.9, -1},      {"int8", 1, 0},              // MXINT8: emax 0
      {"int8", 100, 6},         {"e4m3fn", 0x1p-140, -127},  // clamped
      {"e2m1fn", 0x1p200, 127},                              // clamped
  };
  int checked = 0;
  for (const Row& r : rows) {
    CAPTURE(r.element);
    CAPTURE(r.amax);
    CHECK(MxExponent(r.element, r.amax) == r.x);
    ++checked;
  }
  CHECK(checked == 16);
}

TEST_CASE("MX: a zero block takes the smallest scale, NaN/Inf the NaN scale") {
  const Format f = FormatByName("e4m3fn");
  std::vector<double> v(70, 0.0);  // three blocks: 32 + 32 + 6
  v[40] = std::numeric_limits<double>::infinity();
  for (int i = 64; i < 70; ++i) v[i] = i;
  const ScaledVector q =
      QuantizeScaled(f, {ScalingKind::kMx}, v, 0, EncodeOptions{});
  REQUIRE(q.block_scale_codes.size() == 3);
  CHECK(q.block_scale_codes[0] == 0);            // 2^-127
  CHECK(q.block_scale_codes[1] == 0xFF);         // NaN
  CHECK(q.block_scale_codes[2] == 127 + 6 - 8);  // amax 69: floor(log2) = 6
  const std::vector<double> back = DequantizeScaled(f, ScalingKind::kMx, q);
  int nan = 0;
  for (int i = 32; i < 64; ++i) nan += std::isnan(back[i]);
  CHECK(nan == 32);
  CHECK(back[0] == 0);
  CHECK(back[64] == 64);
  // 69 / 2^-2 = 276; e4m3fn has a step of 32 in [256, 512): 288 * 2^-2 = 72
  CHECK(back[69] == 72);
}

TEST_CASE("NVFP4 worked example: two-level scales") {
  // Block 0.0, 0.5, ..., 7.5; tensor amax 7.5.
  std::vector<double> v;
  for (int i = 0; i < 16; ++i) v.push_back(0.5 * i);
  const Format e2m1 = FormatByName("e2m1fn");
  const ScaledVector q =
      QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, v, 7.5, EncodeOptions{});
  // s_g = 7.5 / 2688, rounded to float32.
  CHECK(q.tensor_scale == static_cast<float>(7.5 / 2688));
  // Block scale = 7.5 / 6 / s_g = 448 (up to s_g's float32 rounding) ->
  // e4m3fn 448 = code 0x7E.
  CHECK(q.block_scale_codes[0] == 0x7E);
  // Elements x / (448 s_g): the largest, 7.5, maps to ~6 -> code 7.
  CHECK(q.codes[15] == 0x7);
  CHECK(q.codes[0] == 0x0);
  const std::vector<double> back =
      DequantizeScaled(e2m1, ScalingKind::kNvfp4, q);
  CHECK(back[15] == doctest::Approx(7.5).epsilon(1e-6));
  // A block whose scale underflows e4m3fn encodes zeros.
  std::vector<double> tiny(16, 1e-12);
  const ScaledVector t =
      QuantizeScaled(e2m1, {ScalingKind::kNvfp4}, tiny, 1e6, EncodeOptions{});
  CHECK(t.block_scales[0] == 0);
  for (uint64_t c : t.codes) CHECK(c == 0);
  CHECK_THROWS_AS(QuantizeScaled(FormatByName("e4m3fn"), {ScalingKind::kNvfp4},
                                 v, 7.5, EncodeOptions{}),
                  Error);
  CHECK_THROWS_AS(QuantizeScaled(FormatByName("fp16"), {ScalingKind::kMx}, v,
                                 7.5, EncodeOptions{}),
                  Error);
}

TEST_CASE("per-tensor scale maps amax to max; power of two never overflows") {
  const Format f = FormatByName("e4m3fn");
  std::vector<double> v = {1000, -3, 0.5};
  const ScaledVector q =
      QuantizeScaled(f, {ScalingKind::kPerTensor}, v, 1000, EncodeOptions{});
  CHECK(q.tensor_scale == static_cast<float>(1000.0 / 448));
  CHECK(Decode(f, q.codes[0]) == 448);
  const ScaledVector p = QuantizeScaled(f, {ScalingKind::kPerTensor, true}, v,
                                        1000, EncodeOptions{});
  CHECK(p.tensor_scale == 4);           // 1000 / 448 = 2.23 -> 2^ceil(1.16) = 4
  CHECK(Decode(f, p.codes[0]) == 256);  // 1000 / 4 = 250 -> 256
}

TEST_CASE(
    "every scheme's error is within half an element ulp times its scale") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0, 3);
  struct Scheme {
    const char* format;
    ScalingKind kind;
  };
  const Scheme schemes[] = {
      {"e4m3fn", ScalingKind::kMx},       {"e5m2", ScalingKind::kMx},
      {"e2m1fn", ScalingKind::kMx},       {"e2m3fn", ScalingKind::kMx},
      {"int8", ScalingKind::kMx},         {"e2m1fn", ScalingKind::kNvfp4},
      {"e4m3fn", ScalingKind::kPerTensor}};
  int64_t checked = 0, violations = 0;
  for (const Scheme& s : schemes) {
    const Format f = FormatByName(s.format);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> v(64);
      for (double& x : v) x = normal(rng) * std::exp(normal(rng));
      double amax = 0;
      for (double x : v) amax = std::max(amax, std::fabs(x));
      const ScaledVector q =
          QuantizeScaled(f, {s.kind}, v, amax, EncodeOptions{});
      const std::vector<double> back = DequantizeScaled(f, s.kind, q);
      for (size_t i = 0; i < v.size(); ++i) {
        const double scale = (q.block ? q.block_scales[i / q.block] : 1.0) *
                             q.tensor_scale * (f.is_float() ? 1.0 : 1.0 / 64);
        const double unit = v[i] / scale;  // where the element was rounded
        // Half the element format's quantum at |unit| (clamped to max), plus
        // the saturation loss above max.
        const double a = std::min(std::fabs(unit), f.max_finite());
        const int e = f.is_float() ? std::max(a == 0 ? -1000 : std::ilogb(a),
                                              f.min_normal_exponent())
                                   : 0;
        const double half_ulp =
            (f.is_float() ? std::ldexp(1.0, e - f.layout().mantissa_bits)
                          : 1.0) /
            2;
        const double bound =
            (half_ulp + std::max(0.0, std::fabs(unit) - f.max_finite())) *
            scale;
        if (std::fabs(back[i] - v[i]) > bound * (1 + 1e-12)) ++violations;
        ++checked;
      }
    }
  }
  CHECK(violations == 0);
  CHECK(checked == 7 * 200 * 64);
}

TEST_CASE("stochastic block quantization is reproducible and split-free") {
  std::vector<double> v(96);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.3 * i) * 10;
  EncodeOptions o;
  o.rounding.mode = Rounding::kStochastic;
  const Format f = FormatByName("e2m1fn");
  const RandomKey key{5, StreamTensor::kA};
  const ScaledVector whole =
      QuantizeScaled(f, {ScalingKind::kMx}, v, 10, o, key, 0);
  const ScaledVector again =
      QuantizeScaled(f, {ScalingKind::kMx}, v, 10, o, key, 0);
  CHECK(whole.codes == again.codes);
  const ScaledVector tail =
      QuantizeScaled(f, {ScalingKind::kMx},
                     std::span<const double>(v).subspan(32), 10, o, key, 32);
  CHECK(std::vector<uint64_t>(whole.codes.begin() + 32, whole.codes.end()) ==
        tail.codes);
}

}  // namespace
}  // namespace gemmsim
