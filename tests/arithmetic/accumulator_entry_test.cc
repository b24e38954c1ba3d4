// Where the accumulator enters a block's addition (AccumulateSpec::
// accumulator_entry): hand-worked cases where adding c after the block's
// own truncated, rounded-toward-zero sum (kAfterBlock, the B200 FP8 model)
// gives other bits than one truncated sum that includes c (kInBlock), the
// cases where the two must agree, and Gemm() equal to DotProduct for such
// numerics (the fast kernels must not claim them).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"

namespace gemmsim {
namespace {

// The B200 FP8 model's adder (block 32, 23 + 2 fraction bits, truncation,
// toward zero, minimum alignment exponent -133, c added with rne), with
// fp32 inputs so that the hand-worked cases can pick their products freely.
Numerics B200Like(AccumulatorEntry entry, const char* input = "fp32") {
  Numerics n;
  n.a.format = n.b.format = FormatByName(input);
  AccumulateSpec& acc = n.accumulate;
  acc.block = 32;
  acc.alignment = Alignment::kTruncate;
  acc.adder_fraction_bits = 23;
  acc.extra_bits = 2;
  acc.rounding.mode = Rounding::kTowardZero;
  acc.overflow = Overflow::kInfinity;
  acc.min_alignment_exponent = -133;
  acc.accumulator_entry = entry;
  acc.after_block_rounding.mode = Rounding::kNearestEven;
  return n;
}

// d = c + sum_k a_k * b_k, b_k = 1 unless given.
double Dot(const Numerics& n, const std::vector<double>& a, double c,
           std::vector<double> b = {}) {
  if (b.empty()) b.assign(a.size(), 1.0);
  std::vector<Factor> fa, fb;
  for (double x : a)
    fa.push_back(MakeFactor(x, n.a.format.min_normal_exponent()));
  for (double x : b)
    fb.push_back(MakeFactor(x, n.b.format.min_normal_exponent()));
  return DotProduct(fa, fb, c, n);
}

bool SameBits(double x, double y) {
  return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y);
}

const double kUlp1 = std::ldexp(1.0, -23);  // fp32's ulp at 1

struct HandCase {
  const char* what;
  std::vector<double> a;  // the products (b = 1)
  double c;
  Order order;
  double in_block, after_block;
};

std::vector<double> Padded(std::vector<double> head, size_t size) {
  head.resize(size, 0.0);
  return head;
}

TEST_CASE("after_block rounds c + block sum to nearest; in_block truncates") {
  const double three_quarters = 3 * std::ldexp(1.0, -25);  // 3/4 ulp at 1
  const std::vector<HandCase> cases = {
      // in_block: 1 + 3/4 ulp on the 2^-25 grid, cut toward zero to 1.
      // after_block: the block sum 3/4 ulp is exact; c + it rounds up.
      {"c plus three quarters of an ulp",
       {three_quarters},
       1.0,
       Order::kSequential,
       1.0,
       1 + kUlp1},
      {"the same, negative",
       {-three_quarters},
       -1.0,
       Order::kSequential,
       -1.0,
       -(1 + kUlp1)},
      // in_block: c = 2^10 sets the grid to 2^-15, so each 2^-16 product is
      // cut to nothing. after_block: the 32 products sum exactly to 2^-11
      // (their own grid), which is 4 ulps of 1024: kept.
      {"c swamps 32 small products",
       std::vector<double>(32, std::ldexp(1, -16)), 1024.0, Order::kSequential,
       1024.0, 1024 + std::ldexp(1.0, -11)},
      // c smaller than the product: in_block cuts c's 2^-30 bit to the
      // 2^-25 grid and 1 + 3/4 ulp toward zero; after_block adds c exactly
      // and rounds 1 + 0.76 ulp to nearest.
      {"c smaller than the products",
       {1.0},
       std::ldexp(1.0, -24) + std::ldexp(1.0, -25) + std::ldexp(1.0, -30),
       Order::kSequential,
       1.0,
       1 + kUlp1},
      // Two blocks, c = 0: the running sum 1 enters the second block's
      // addition (in_block: 1 + 3/4 ulp cut to 1) or is added after it.
      {"the running sum enters after each block",
       [&] {
         std::vector<double> a = Padded({1.0}, 64);
         a[32] = three_quarters;
         return a;
       }(),
       0.0, Order::kSequential, 1.0, 1 + kUlp1},
      // Pairwise: the tree's root (1 + 3/4 ulp cut to 1) is the block sum;
      // c = 3/4 ulp then rounds up after the block, is cut inside it.
      {"pairwise: the tree's root is the block sum",
       {1.0, three_quarters},
       three_quarters,
       Order::kPairwise,
       1.0,
       1 + kUlp1},
      // One block and c = 0: after_block adds zero exactly, so both agree.
      {"c = 0 in one block: the same bits",
       {1.0, three_quarters},
       0.0,
       Order::kSequential,
       1.0,
       1.0},
  };
  int checked = 0;
  for (const HandCase& h : cases) {
    CAPTURE(h.what);
    Numerics in = B200Like(AccumulatorEntry::kInBlock);
    Numerics after = B200Like(AccumulatorEntry::kAfterBlock);
    in.accumulate.order = after.accumulate.order = h.order;
    CHECK(SameBits(Dot(in, h.a, h.c), h.in_block));
    CHECK(SameBits(Dot(after, h.a, h.c), h.after_block));
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("after_block_rounding is the rounding of c + block sum") {
  // 1 + 3/4 ulp: rne and rup round up, rtz and rdown keep 1.
  const std::vector<double> a = {3 * std::ldexp(1.0, -25)};
  int checked = 0;
  for (const auto& [mode, want] : {std::pair{Rounding::kNearestEven, 1 + kUlp1},
                                   std::pair{Rounding::kUp, 1 + kUlp1},
                                   std::pair{Rounding::kTowardZero, 1.0},
                                   std::pair{Rounding::kDown, 1.0}}) {
    Numerics n = B200Like(AccumulatorEntry::kAfterBlock);
    n.accumulate.after_block_rounding.mode = mode;
    CHECK(SameBits(Dot(n, a, 1.0), want));
    ++checked;
  }
  CHECK(checked == 4);
}

// Every finite code of `format`, uniformly (zeros of both signs included).
double RandomValue(const Format& format, std::mt19937_64& rng) {
  std::uniform_int_distribution<uint64_t> code(0, format.code_mask());
  double x;
  do {
    x = Decode(format, code(rng));
  } while (!std::isfinite(x));
  return x;
}

TEST_CASE("block 1, exact alignment: after_block equals in_block") {
  // Why identical: FP8 x FP8 products are exact in fp32 (at most 8
  // significant bits, exponents within fp32's normal range), so the block's
  // own addition returns the product unchanged, and adding it to the
  // accumulator with exact alignment and the same rounding is in_block's
  // one addition. Signed zeros and overflow follow the same rules in both.
  // Stochastic rounding is left out: after_block draws a random number for
  // each of its two additions, so the streams differ.
  std::mt19937_64 rng(20240611);
  const Rounding modes[] = {Rounding::kNearestEven, Rounding::kNearestAway,
                            Rounding::kTowardZero,  Rounding::kUp,
                            Rounding::kDown,        Rounding::kToOdd};
  const Format fp32 = FormatByName("fp32");
  int compared = 0;
  for (const char* input : {"e4m3fn", "e5m2"}) {
    for (Rounding mode : modes) {
      Numerics in;
      in.a.format = in.b.format = FormatByName(input);
      in.accumulate.rounding.mode = mode;
      Numerics after = in;
      after.accumulate.accumulator_entry = AccumulatorEntry::kAfterBlock;
      after.accumulate.after_block_rounding.mode = mode;
      for (int sample = 0; sample < 200; ++sample) {
        const size_t k = 1 + rng() % 80;
        std::vector<double> a(k), b(k);
        for (size_t i = 0; i < k; ++i) {
          a[i] = RandomValue(in.a.format, rng);
          b[i] = RandomValue(in.b.format, rng);
        }
        // c over all of fp32, zeros and values near overflow included.
        const double c = RandomValue(fp32, rng);
        const double x = Dot(in, a, c, b), y = Dot(after, a, c, b);
        CAPTURE(input);
        CAPTURE(sample);
        CHECK(SameBits(x, y));
        ++compared;
      }
    }
  }
  CHECK(compared == 2 * 6 * 200);
}

TEST_CASE("one block with c = 0: after_block equals in_block") {
  // Why identical: the block sum is the same truncated, rounded sum, and
  // adding +-0 to it is exact. Signed zeros: both give -0 only for -0 + -0.
  std::mt19937_64 rng(7);
  int compared = 0;
  for (const char* input : {"e4m3fn", "e5m2"}) {
    const Numerics in = B200Like(AccumulatorEntry::kInBlock, input);
    const Numerics after = B200Like(AccumulatorEntry::kAfterBlock, input);
    for (int sample = 0; sample < 500; ++sample) {
      const size_t k = 1 + rng() % 32;
      std::vector<double> a(k), b(k);
      for (size_t i = 0; i < k; ++i) {
        a[i] = RandomValue(in.a.format, rng);
        b[i] = RandomValue(in.b.format, rng);
      }
      const double c = sample % 2 ? 0.0 : -0.0;
      CAPTURE(sample);
      CHECK(SameBits(Dot(in, a, c, b), Dot(after, a, c, b)));
      ++compared;
    }
  }
  CHECK(compared == 1000);
}

// Runs Gemm on random operands, checks which kernel it chose, and compares
// every element with DotProduct.
int CompareGemm(const Numerics& n, int64_t m, int64_t nn, int64_t k,
                int threads, const char* kernel, std::mt19937_64& rng) {
  std::vector<double> a(m * k), b(k * nn), c(m * nn);
  for (double& x : a) x = RandomValue(n.a.format, rng);
  for (double& x : b) x = RandomValue(n.b.format, rng);
  for (double& x : c) x = RandomValue(FormatByName("fp32"), rng);
  GemmProblem p;
  p.m = m;
  p.n = nn;
  p.k = k;
  p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
  p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
  p.c = c.data();
  CHECK(GemmKernelName(n, p) == kernel);
  std::vector<double> d(m * nn);
  Gemm(p, n, d.data(), threads);
  int compared = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < nn; ++j) {
      CHECK(
          SameBits(d[i * nn + j], kernel_support::GenericElement(p, n, i, j)));
      ++compared;
    }
  }
  return compared;
}

TEST_CASE("Gemm runs after_block numerics as DotProduct does") {
  std::mt19937_64 rng(99);
  int compared = 0;
  // Two full blocks and a partial one; one thread and three. The B200
  // datapath (truncating blocks, rne after them) is block-fma's.
  for (const char* input : {"e4m3fn", "e5m2"}) {
    const Numerics n = B200Like(AccumulatorEntry::kAfterBlock, input);
    compared += CompareGemm(n, 6, 5, 75, 1, "block-fma", rng);
    compared += CompareGemm(n, 6, 5, 75, 3, "block-fma", rng);
  }
  // Block 1, exact, rne into fp32: the fp32-native kernel's numerics, but
  // for the entry, which no fast kernel executes.
  Numerics plain;
  plain.a.format = plain.b.format = FormatByName("e4m3fn");
  GemmProblem probe;
  probe.m = probe.n = probe.k = 1;
  CHECK(GemmKernelName(plain, probe) == "fp32-native");
  plain.accumulate.accumulator_entry = AccumulatorEntry::kAfterBlock;
  plain.accumulate.after_block_rounding.mode = Rounding::kTowardZero;
  compared += CompareGemm(plain, 4, 7, 40, 2, "generic", rng);
  CHECK(compared == 4 * 30 + 28);
}

}  // namespace
}  // namespace gemmsim
