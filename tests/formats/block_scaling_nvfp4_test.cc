// Block scaling (block_scaling.h): NVFP4 two-level scales.
#include <doctest/doctest.h>

#include "tests/formats/block_scaling_test_support.h"

namespace gemmsim {
namespace {
using namespace testing;

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

}  // namespace
}  // namespace gemmsim
