// Stochastic rounding: the generator reproduces Philox's published answers,
// and rounding is unbiased: over many draws the mean rounded value converges
// on x, within a stated statistical bound.
#include <doctest/doctest.h>

#include <cmath>

#include "datapaths/formats/codec.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim {
namespace {

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
  // Random123's kat_vectors: counter, key -> output.
  CHECK(
      Philox4x32({0, 0, 0, 0}, {0, 0}) ==
      std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(
      Philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                 {0xffffffff, 0xffffffff}) ==
      std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(
      Philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                 {0xa4093822, 0x299f31d0}) ==
      std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

// RandomBits' layout: step s is word s % 4 of the block of counter
// (index lo, index hi, tensor, s / 4), so step 0 (every input and output
// rounding) is word 0 of block 0, and four steps share a block.
TEST_CASE("RandomBits takes four steps from one Philox block") {
  const RandomKey key{0x0123456789abcdefULL, StreamTensor::kAccumulate};
  int checked = 0;
  for (const uint64_t index : {uint64_t{0}, uint64_t{7}, uint64_t{1} << 40})
    for (uint32_t step = 0; step < 12; ++step) {
      const std::array<uint32_t, 4> block = Philox4x32(
          {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
           static_cast<uint32_t>(StreamTensor::kAccumulate), step / 4},
          {0x89abcdefu, 0x01234567u});
      CHECK(RandomBits(key, index, step) == block[step % 4]);
      ++checked;
    }
  CHECK(checked == 36);
}

struct Case {
  const char* format;
  double x;
  int stochastic_bits;
};

// Mean of N stochastic roundings of x. With p = P(round up) and a gap of
// (hi - lo) between the neighbours, one draw has standard deviation
// (hi - lo) * sqrt(p (1 - p)) <= (hi - lo) / 2; the mean of N draws is
// within 6 / sqrt(N) * that of its expectation except with probability
// < 2e-9 (Gaussian tail), so this test is not flaky.
TEST_CASE("stochastic rounding is unbiased") {
  const Case cases[] = {
      {"e4m3fn", 1.3, 32},   {"e4m3fn", -300.7, 32},
      {"e4m3fn", 0.003, 32},  // subnormal range (min subnormal 2^-9)
      {"e2m1fn", 2.2, 32},   {"e2m1fn", -0.2, 32},
      {"e5m2", 1000.1, 32},  {"bf16", 1.0 + 1.0 / 3, 32},
      {"e4m3fn", 1.3, 8},    {"int8", 3.3, 32},
  };
  constexpr int kDraws = 200000;
  int checked = 0;
  for (const Case& c : cases) {
    const Format f = FormatByName(c.format);
    EncodeOptions o;
    o.rounding = {Rounding::kStochastic, c.stochastic_bits};
    const RandomKey key{12345, StreamTensor::kQuantize};
    double sum = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < kDraws; ++i) {
      const double r = RoundTo(f, c.x, o, RandomBits(key, i));
      lo = std::min(lo, r);
      hi = std::max(hi, r);
      sum += r;
    }
    CAPTURE(c.format);
    CAPTURE(c.x);
    CHECK(lo < c.x);  // both neighbours were drawn
    CHECK(hi > c.x);
    // With b random bits the up-probability is the discarded fraction cut
    // to b bits: the expectation moves by less than (hi - lo) * 2^-b.
    const double bias_bound = (hi - lo) * std::ldexp(1.0, -c.stochastic_bits);
    const double noise_bound = 6 / std::sqrt(double{kDraws}) * (hi - lo) / 2;
    CHECK(std::fabs(sum / kDraws - c.x) <= bias_bound + noise_bound);
    ++checked;
  }
  CHECK(checked == 9);
}

TEST_CASE(
    "with b random bits the up-probability is the fraction cut to b bits") {
  // 1.3 in e4m3fn lies between 1.25 and 1.375: fraction 0.4 of the gap.
  // With 2 bits it is cut to 0.25, so P(up) = 1/4 exactly in expectation.
  const Format f = FormatByName("e4m3fn");
  EncodeOptions o;
  o.rounding = {Rounding::kStochastic, 2};
  const RandomKey key{99, StreamTensor::kQuantize};
  constexpr int kDraws = 100000;
  int ups = 0;
  for (int i = 0; i < kDraws; ++i)
    ups += RoundTo(f, 1.3, o, RandomBits(key, i)) > 1.3;
  const double p = 0.25;
  CHECK(std::fabs(ups / double{kDraws} - p) <=
        6 * std::sqrt(p * (1 - p) / kDraws));
}

TEST_CASE("stochastic rounding leaves representable values alone") {
  const Format f = FormatByName("e4m3fn");
  EncodeOptions o;
  o.rounding.mode = Rounding::kStochastic;
  int checked = 0;
  for (uint64_t code = 0; code < 256; ++code) {
    const double v = Decode(f, code);
    if (std::isnan(v)) continue;
    for (uint32_t r : {0u, 1u, 0x80000000u, 0xffffffffu}) {
      CHECK(Encode(f, v, o, r) == code);
      ++checked;
    }
  }
  CHECK(checked == 254 * 4);
}

}  // namespace
}  // namespace gemmsim
