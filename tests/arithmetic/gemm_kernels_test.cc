// The fast GEMM kernels equal DotProduct (the slow path) bit for bit on
// random operands drawn uniformly over every finite code of the input
// formats (so subnormals, maxima and signed zeros appear), on operands with
// Inf and NaN, and on accumulations that overflow.
#include "datapaths/arithmetic/gemm_kernels.h"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {

using testing::AfterBlock;
using testing::BlockFma;
using testing::Sticky;

Numerics Fp8AccFp32() {
  Numerics n;
  n.a.format = n.b.format = FormatByName("e4m3fn");
  return n;  // accumulate fp32 rne block 1 exact, output fp32
}

std::vector<double> RandomValues(const Format& f, size_t count,
                                 std::mt19937_64& rng, double special_rate) {
  std::vector<double> v(count);
  std::uniform_int_distribution<uint64_t> code(0, f.code_mask());
  std::uniform_real_distribution<double> u(0, 1);
  for (double& x : v) {
    do {
      x = Decode(f, code(rng));
    } while (!std::isfinite(x));
    if (u(rng) < 0.1) x = u(rng) < 0.5 ? 0.0 : -0.0;
    if (u(rng) < special_rate) {
      const double specials[] = {std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 std::numeric_limits<double>::quiet_NaN()};
      x = specials[static_cast<int>(u(rng) * 3) % 3];
    }
  }
  return v;
}

// Runs Gemm and DotProduct on the same operands; returns mismatches.
int64_t Compare(const Numerics& n, int64_t m, int64_t nn, int64_t k,
                uint64_t seed, double special_rate, const char* expected_kernel,
                int64_t* elements) {
  std::mt19937_64 rng(seed);
  const std::vector<double> a =
      RandomValues(n.a.format, m * k, rng, special_rate);
  const std::vector<double> b =
      RandomValues(n.b.format, k * nn, rng, special_rate);
  std::vector<double> c =
      RandomValues(FormatByName("fp32"), m * nn, rng, special_rate);
  for (double& x : c) x = std::ldexp(x, -100);  // fp32 codes span 2^-149..2^128
  GemmProblem p;
  p.m = m;
  p.n = nn;
  p.k = k;
  // Integers have no binades: emin 0, as QuantizeOperand gives them.
  auto emin = [](const Format& f) {
    return f.is_float() ? f.min_normal_exponent() : 0;
  };
  p.a = {a.data(), emin(n.a.format), nullptr};
  p.b = {b.data(), emin(n.b.format), nullptr};
  p.c = c.data();
  REQUIRE(GemmKernelName(n, p) == expected_kernel);
  std::vector<double> d(static_cast<size_t>(m * nn));
  Gemm(p, n, d.data(), 2);
  int64_t mismatches = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < nn; ++j) {
      const double want = kernel_support::GenericElement(p, n, i, j);
      const double got = d[i * nn + j];
      const bool same = std::isnan(want) ? std::isnan(got)
                                         : std::bit_cast<uint64_t>(want) ==
                                               std::bit_cast<uint64_t>(got);
      if (!same && mismatches++ < 3)
        MESSAGE(expected_kernel << " (" << i << "," << j << "): got " << got
                                << " want " << want);
      ++*elements;
    }
  return mismatches;
}

TEST_CASE("fp32-native kernel equals the slow path") {
  int64_t elements = 0, mismatches = 0;
  Numerics promote = Fp8AccFp32();
  promote.accumulate.promote = PromoteSpec{5, FormatByName("fp32"), {}};
  Numerics fp16 = Fp8AccFp32();
  fp16.a.format = fp16.b.format = FormatByName("fp16");
  Numerics mixed = Fp8AccFp32();
  mixed.b.format = FormatByName("e5m2");
  mixed.output.format = FormatByName("bf16");
  int runs = 0;
  for (const Numerics* n : {&promote, &fp16, &mixed}) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      mismatches +=
          Compare(*n, 9, 300, 37, seed, 0.0, "fp32-native", &elements);
      mismatches +=
          Compare(*n, 3, 7, 13, seed + 10, 0.02, "fp32-native", &elements);
      runs += 2;
    }
  }
  mismatches +=
      Compare(Fp8AccFp32(), 17, 33, 64, 99, 0.0, "fp32-native", &elements);
  // Every instruction-set variant this CPU has (isa.h): same bits.
  int variants = 0;
  for (Isa isa : SupportedIsas()) {
    const ScopedIsa forced(isa);
    CHECK(ActiveIsa() == isa);
    mismatches +=
        Compare(promote, 13, 70, 37, 5, 0.01, "fp32-native", &elements);
    mismatches +=
        Compare(Fp8AccFp32(), 7, 19, 64, 6, 0.0, "fp32-native", &elements);
    ++variants;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 18);
  CHECK(variants == static_cast<int>(SupportedIsas().size()));
  CHECK(elements ==
        3 * 3 * (9 * 300 + 3 * 7) + 17 * 33 + variants * (13 * 70 + 7 * 19));
}

TEST_CASE("block-fma kernel equals the slow path") {
  const Numerics models[] = {
      BlockFma("e4m3fn", "fp32", 32, -10, Rounding::kTowardZero, -133),
      BlockFma("e5m2", "fp32", 32, -10, Rounding::kTowardZero, -133),
      BlockFma("fp16", "fp32", 16, 2, Rounding::kTowardZero, -133),
      BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21),
      BlockFma("bf16", "fp32", 8, 1, Rounding::kTowardZero, std::nullopt),
      BlockFma("tf32", "fp32", 4, 1, Rounding::kTowardZero, -132),
      BlockFma("fp16", "fp16", 4, 0, Rounding::kNearestEven, 40),  // clamps M
  };
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  for (const Numerics& n : models) {
    mismatches += Compare(n, 5, 40, 70, 7 + runs, 0.0, "block-fma", &elements);
    mismatches +=
        Compare(n, 3, 9, 33, 100 + runs, 0.02, "block-fma", &elements);
    runs += 2;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 14);
  CHECK(elements == 7 * (5 * 40 + 3 * 9));
}

TEST_CASE("results do not depend on the thread count") {
  std::mt19937_64 rng(5);
  const Numerics n =
      BlockFma("e4m3fn", "fp32", 32, -10, Rounding::kTowardZero, -133);
  const std::vector<double> a = RandomValues(n.a.format, 13 * 50, rng, 0);
  const std::vector<double> b = RandomValues(n.b.format, 50 * 11, rng, 0);
  GemmProblem p;
  p.m = 13;
  p.n = 11;
  p.k = 50;
  p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
  p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
  std::vector<double> d1(13 * 11), d3(13 * 11);
  Gemm(p, n, d1.data(), 1);
  Gemm(p, n, d3.data(), 3);
  CHECK(d1 == d3);
}

}  // namespace
}  // namespace gemmsim

namespace gemmsim {
namespace {

TEST_CASE("block-fma kernel breaks exact ties to even, as the slow path") {
  // fp16 accumulation, rne: 1 + 2^-10 + 2^-11 lies halfway between
  // 1 + 2^-10 (odd last bit) and 1 + 2^-9: nearest even is 1 + 2^-9.
  // 1 + 2^-11 lies halfway between 1 (even) and 1 + 2^-10: it stays 1.
  const Numerics n =
      BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21);
  const std::vector<double> a = {1, 0x1p-10, 0x1p-11, 1, 0, 0x1p-11};
  const std::vector<double> b = {1, 1, 1};
  GemmProblem p;
  p.m = 2;
  p.n = 1;
  p.k = 3;
  p.a = {a.data(), -14, nullptr};
  p.b = {b.data(), -14, nullptr};
  REQUIRE(GemmKernelName(n, p) == "block-fma");
  std::vector<double> d(2);
  Gemm(p, n, d.data(), 1);
  CHECK(d[0] == 1 + 0x1p-9);
  CHECK(d[1] == 1);
}

}  // namespace
}  // namespace gemmsim

namespace gemmsim {
namespace {

Numerics NarrowAcc(const char* in_a, const char* in_b, const char* acc,
                   Rounding mode, const char* out) {
  Numerics n;
  n.a.format = FormatByName(in_a);
  n.b.format = FormatByName(in_b);
  n.accumulate.format = FormatByName(acc);
  n.accumulate.rounding.mode = mode;
  n.output.format = FormatByName(out);
  return n;
}

TEST_CASE("narrow-acc kernel equals the slow path in every mode") {
  std::vector<Numerics> models;
  for (Rounding mode :
       {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
        Rounding::kUp, Rounding::kDown, Rounding::kToOdd})
    models.push_back(NarrowAcc("e4m3fn", "e4m3fn", "fp16", mode, "fp32"));
  // bf16 is on float32's grid: the float32 lanes round it on its bits.
  for (Rounding mode :
       {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
        Rounding::kUp, Rounding::kDown, Rounding::kToOdd})
    models.push_back(NarrowAcc("e4m3fn", "e5m2", "bf16", mode, "fp32"));
  models.push_back(
      NarrowAcc("e4m3fn", "e5m2", "bf16", Rounding::kNearestEven, "bf16"));
  models.push_back(
      NarrowAcc("e5m2", "e5m2", "e5m4", Rounding::kTowardZero, "fp32"));
  models.push_back(
      NarrowAcc("fp16", "fp16", "fp32", Rounding::kTowardZero, "fp32"));
  models.push_back(
      NarrowAcc("bf16", "bf16", "bf16", Rounding::kNearestEven, "fp32"));
  Numerics promoted =
      NarrowAcc("e4m3fn", "e4m3fn", "fp16", Rounding::kNearestEven, "fp32");
  promoted.accumulate.promote = PromoteSpec{16, FormatByName("fp32"), {}};
  models.push_back(promoted);
  Numerics flushed =
      NarrowAcc("e4m3fn", "e4m3fn", "e5m2", Rounding::kNearestEven, "fp32");
  flushed.accumulate.subnormal_outputs = false;
  flushed.accumulate.overflow = Overflow::kSaturate;
  models.push_back(flushed);
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  for (const Numerics& n : models) {
    mismatches +=
        Compare(n, 6, 70, 45, 300 + runs, 0.0, "narrow-acc", &elements);
    mismatches +=
        Compare(n, 3, 9, 20, 400 + runs, 0.03, "narrow-acc", &elements);
    runs += 2;
  }
  // Every instruction-set variant this CPU has: the same bits.
  int variants = 0;
  for (Isa isa : SupportedIsas()) {
    const ScopedIsa forced(isa);
    for (size_t i = 0; i < models.size(); i += 3) {
      mismatches +=
          Compare(models[i], 5, 67, 31, 500 + i, 0.02, "narrow-acc", &elements);
    }
    ++variants;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 36);
  CHECK(elements == 18 * (6 * 70 + 3 * 9) + variants * 6 * 5 * 67);
}

// Batched dot products: rows x n under 16 outputs take one-element tiles
// (kernel_support::FewOutputs) in fp32-native, narrow-acc and block-fma.
TEST_CASE("few-output problems (batched dot products) equal the slow path") {
  Numerics promoted =
      NarrowAcc("e4m3fn", "e4m3fn", "fp16", Rounding::kNearestEven, "fp32");
  promoted.accumulate.promote = PromoteSpec{16, FormatByName("fp32"), {}};
  Numerics exact_sum =
      NarrowAcc("e4m3fn", "e4m3fn", "fp32", Rounding::kTowardZero, "fp16");
  exact_sum.accumulate.block = 1 << 20;  // one block per chunk
  Numerics fp32_promoted = Fp8AccFp32();
  fp32_promoted.accumulate.promote = PromoteSpec{8, FormatByName("fp32"), {}};
  const std::pair<Numerics, const char*> models[] = {
      {Fp8AccFp32(), "fp32-native"},
      {fp32_promoted, "fp32-native"},
      {NarrowAcc("e4m3fn", "e5m2", "bf16", Rounding::kTowardZero, "fp32"),
       "narrow-acc"},
      {promoted, "narrow-acc"},
      {exact_sum, "narrow-acc"},
      {BlockFma("fp16", "fp32", 16, 3, Rounding::kTowardZero, -133),
       "block-fma"},
      {AfterBlock("e4m3fn", Rounding::kTowardZero), "block-fma"},
  };
  const int64_t shapes[][3] = {
      {1, 1, 32}, {1, 15, 7}, {3, 5, 100}, {15, 1, 33}, {1, 1, 1}};
  int64_t elements = 0, mismatches = 0;
  uint64_t seed = 700;
  for (const auto& [n, kernel] : models)
    for (const auto& s : shapes)
      for (double special : {0.0, 0.05})
        mismatches +=
            Compare(n, s[0], s[1], s[2], seed++, special, kernel, &elements);
  CHECK(mismatches == 0);
  CHECK(elements == 7 * 2 * (1 + 15 + 15 + 15 + 1));
}

}  // namespace
}  // namespace gemmsim

namespace gemmsim {
namespace {
// Issue 12: one exact block per chunk (the exact preset: block all) runs
// the narrow-acc kernel with the chunk's exact sum rounded once.
TEST_CASE("narrow-acc kernel's one-block-per-chunk mode equals the slow path") {
  std::vector<Numerics> models;
  for (Rounding mode :
       {Rounding::kNearestEven, Rounding::kTowardZero, Rounding::kUp,
        Rounding::kDown, Rounding::kToOdd, Rounding::kNearestAway}) {
    Numerics n = NarrowAcc("e4m3fn", "e4m3fn", "fp32", mode, "fp32");
    n.accumulate.block = std::numeric_limits<int>::max();  // block: all
    models.push_back(n);
  }
  Numerics half =
      NarrowAcc("e5m2", "e4m3fn", "fp16", Rounding::kNearestEven, "fp16");
  half.accumulate.block = 64;  // >= K of every shape below
  models.push_back(half);
  Numerics chunks =
      NarrowAcc("e4m3fn", "e4m3fn", "e5m7", Rounding::kTowardZero, "fp32");
  chunks.accumulate.block = 16;
  chunks.accumulate.promote = PromoteSpec{16, FormatByName("fp32"), {}};
  models.push_back(chunks);
  Numerics saturating = models[0];
  saturating.accumulate.format = FormatByName("bf16");
  saturating.accumulate.overflow = Overflow::kSaturate;
  models.push_back(saturating);
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  for (const Numerics& n : models) {
    mismatches +=
        Compare(n, 6, 70, 45, 700 + runs, 0.0, "narrow-acc", &elements);
    mismatches +=
        Compare(n, 3, 9, 20, 800 + runs, 0.03, "narrow-acc", &elements);
    runs += 2;
  }
  // A block shorter than the chunk is not this mode: the oracle runs.
  Numerics short_block = models[0];
  short_block.accumulate.block = 8;
  GemmProblem p;
  p.m = p.n = 1;
  p.k = 9;
  CHECK(GemmKernelName(short_block, p) == "generic");
  CHECK(mismatches == 0);
  CHECK(runs == 18);
  CHECK(elements == 9 * (6 * 70 + 3 * 9));
}

// Issue 12: integer accumulators (int16/24/32 ran the oracle).
TEST_CASE("int-acc kernel equals the slow path, wrapping and saturating") {
  std::vector<Numerics> models;
  for (const char* acc : {"int16", "int24", "int32", "int12"}) {
    for (IntegerOverflow o :
         {IntegerOverflow::kWrap, IntegerOverflow::kSaturate}) {
      Numerics n;
      n.a.format = n.b.format = FormatByName("int8");
      n.accumulate.format = FormatByName(acc);
      n.accumulate.integer_overflow = o;
      n.output.format = FormatByName("int32");
      models.push_back(n);
    }
  }
  Numerics down = models[0];
  down.accumulate.rounding.mode = Rounding::kDown;  // zero results are -0
  down.output.format = FormatByName("fp32");
  models.push_back(down);
  Numerics wide = models[5];
  wide.a.format = FormatByName("int16");
  wide.b.format = FormatByName("uint8");
  wide.output.format = FormatByName("fp16");  // rounds, may overflow
  models.push_back(wide);
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  for (const Numerics& n : models) {
    // fp32 values as C: non-integers and huge ones round into the
    // accumulator first (with a few Inf and NaN).
    mismatches += Compare(n, 5, 70, 90, 900 + runs, 0.0, "int-acc", &elements);
    mismatches += Compare(n, 3, 9, 13, 950 + runs, 0.03, "int-acc", &elements);
    runs += 2;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 20);
  CHECK(elements == 10 * (5 * 70 + 3 * 9));
}

// Promotion of a narrow integer accumulator into a wider one (int16 every
// 8 or 64 products into int32 or int20, which then wraps), on every
// instruction-set variant; zero totals (their sign) go to the slow path.
TEST_CASE("int-acc kernel's promotion equals the slow path") {
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  for (const char* wide : {"int32", "int20"}) {
    for (const int every : {8, 64}) {
      for (IntegerOverflow o :
           {IntegerOverflow::kWrap, IntegerOverflow::kSaturate}) {
        Numerics n;
        n.a.format = n.b.format = FormatByName("int8");
        n.accumulate.format = FormatByName("int16");
        n.accumulate.integer_overflow = o;
        n.accumulate.promote = PromoteSpec{every, FormatByName(wide), {}};
        if (runs % 3 == 0)
          n.accumulate.promote->rounding.mode = Rounding::kDown;
        n.output.format = FormatByName("fp32");
        for (Isa isa : SupportedIsas()) {
          const ScopedIsa forced(isa);
          mismatches +=
              Compare(n, 4, 40, 150, 970 + runs, 0.0, "int-acc", &elements);
          mismatches +=
              Compare(n, 2, 9, 30, 990 + runs, 0.03, "int-acc", &elements);
        }
        ++runs;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(runs == 8);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 8 * variants * (4 * 40 + 2 * 9));
}

// Zero totals under promotion: their sign comes from both roundings (rdown
// gives -0 in the chunk's and in the wide addition), as the slow path says.
TEST_CASE(
    "int-acc kernel's zero totals under promotion keep the oracle's sign") {
  int64_t checked = 0, mismatches = 0;
  for (const Rounding acc_mode : {Rounding::kNearestEven, Rounding::kDown}) {
    for (const Rounding wide_mode : {Rounding::kNearestEven, Rounding::kDown}) {
      Numerics n;
      n.a.format = n.b.format = FormatByName("int8");
      n.accumulate.format = FormatByName("int16");
      n.accumulate.rounding.mode = acc_mode;
      n.accumulate.promote = PromoteSpec{4, FormatByName("int32"), {}};
      n.accumulate.promote->rounding.mode = wide_mode;
      const int64_t m = 2, nn = 3, k = 10;
      std::vector<double> a(m * k, 0.0), b(k * nn, 3.0);
      for (int64_t kk = 0; kk < k; ++kk) a[k + kk] = kk % 2 ? 1.0 : -1.0;
      GemmProblem p;
      p.m = m, p.n = nn, p.k = k;
      p.a = {a.data(), 0, nullptr};
      p.b = {b.data(), 0, nullptr};
      REQUIRE(GemmKernelName(n, p) == "int-acc");
      std::vector<double> d(m * nn);
      Gemm(p, n, d.data(), 1);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < nn; ++j) {
          const double want = kernel_support::GenericElement(p, n, i, j);
          CHECK(want == 0);
          mismatches += std::signbit(want) != std::signbit(d[i * nn + j]);
          ++checked;
        }
    }
  }
  CHECK(mismatches == 0);
  CHECK(checked == 4 * 6);
}

}  // namespace
}  // namespace gemmsim
