// The block-FMA kernel (the tensor-core presets' truncating multi-term
// adders) equals DotProduct bit for bit on every instruction-set variant:
// random codes of the input formats, odd shapes, sticky alignment,
// after-block entry, the vectors' exact and wide forms, the bottom of the
// exponent range, overflow and signed zeros.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {

using testing::AfterBlock;
using testing::BlockFma;
using testing::CodeValues;
using testing::Sticky;

// Gemm (block-fma, on every instruction-set variant: the CPU running the
// tests may have them all) against DotProduct, bit for bit, on the given
// operands; c empty: no addend. Returns mismatches; counts elements.
int64_t CompareBlockFma(const Numerics& n, int64_t m, int64_t nn, int64_t k,
                        const std::vector<double>& a,
                        const std::vector<double>& b,
                        const std::vector<double>& c, int64_t* elements) {
  GemmProblem p;
  p.m = m;
  p.n = nn;
  p.k = k;
  p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
  p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
  p.c = c.empty() ? nullptr : c.data();
  REQUIRE(GemmKernelName(n, p) == "block-fma");
  std::vector<double> want(static_cast<size_t>(m * nn));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < nn; ++j) {
      want[i * nn + j] = kernel_support::GenericElement(p, n, i, j);
    }
  int64_t mismatches = 0;
  for (Isa isa : SupportedIsas()) {
    const ScopedIsa forced(isa);
    std::vector<double> d(static_cast<size_t>(m * nn));
    Gemm(p, n, d.data(), 2);
    for (int64_t e = 0; e < m * nn; ++e) {
      const bool same = std::isnan(want[e])
                            ? std::isnan(d[e])
                            : std::bit_cast<uint64_t>(want[e]) ==
                                  std::bit_cast<uint64_t>(d[e]);
      if (!same && mismatches++ < 3)
        MESSAGE(IsaName(isa)
                << " element " << e << ": got " << d[e] << " want " << want[e]);
      ++*elements;
    }
  }
  return mismatches;
}

TEST_CASE("block-fma kernel equals the slow path on larger shapes") {
  // Rows not a multiple of the vector tiles' (8, 4, 2), columns not a
  // multiple of their lanes (16, 8, 4), K not a multiple of the block.
  const Numerics models[] = {
      BlockFma("e4m3fn", "fp32", 32, -10, Rounding::kTowardZero, -133),
      BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21),
      BlockFma("bf16", "fp32", 8, 1, Rounding::kTowardZero, std::nullopt),
      BlockFma("e5m2", "fp32", 32, -10, Rounding::kTowardZero, -133),
      BlockFma("fp16", "fp32", 16, 2, Rounding::kTowardZero, -133),
      AfterBlock("e4m3fn", Rounding::kTowardZero),
      AfterBlock("e5m2", Rounding::kTowardZero),
      AfterBlock("bf16", Rounding::kNearestEven),
      Sticky(BlockFma("e4m3fn", "fp32", 32, -10, Rounding::kTowardZero, -133)),
      Sticky(BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21)),
      Sticky(
          BlockFma("bf16", "fp32", 8, 1, Rounding::kTowardZero, std::nullopt)),
      Sticky(BlockFma("fp16", "fp32", 16, 2, Rounding::kNearestEven, -133)),
      Sticky(AfterBlock("e4m3fn", Rounding::kTowardZero)),
      Sticky(BlockFma("tf32", "fp32", 4, 1, Rounding::kTowardZero, -132)),
      Sticky(BlockFma("bf16", "fp32", 8, 0, Rounding::kNearestEven, -133)),
  };
  int64_t elements = 0, mismatches = 0;
  uint64_t seed = 500;
  for (const Numerics& n : models) {
    for (const double special_rate : {0.0, 0.004}) {
      const int64_t m = 9, nn = 70, k = special_rate > 0 ? 97 : 100;
      std::mt19937_64 rng(seed++);
      const std::vector<double> a =
          CodeValues(n.a.format, m * k, rng, special_rate);
      const std::vector<double> b =
          CodeValues(n.b.format, k * nn, rng, special_rate);
      std::vector<double> c =
          CodeValues(FormatByName("fp32"), m * nn, rng, special_rate);
      for (double& x : c) x = std::ldexp(x, -100);
      mismatches += CompareBlockFma(n, m, nn, k, a, b, c, &elements);
    }
  }
  CHECK(mismatches == 0);
  // Each comparison runs every instruction-set variant this CPU has.
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 15 * 2 * variants * 9 * 70);
}

// bf16 and tf32 on values of moderate range: random codes over all of
// bf16 overflow an fp32 accumulator within a block or two, and the
// overflowed elements go to the scalar path, so the vector path's own
// accumulator term needs operands that keep it finite. On e5m2-ranged
// values the vectors take their exact form (every product a float32
// value); with A moved down by 2^-100 and B by 2^-30 (and c by 2^-120),
// products reach below float32's subnormals (still values of bf16 and tf32)
// and the vectors take their wide form.
TEST_CASE("block-fma kernel's bf16 and tf32 forms equal the slow path") {
  int64_t elements = 0, mismatches = 0;
  std::mt19937_64 rng(81);
  int runs = 0;
  for (const char* in : {"bf16", "tf32"}) {
    for (const bool sticky : {false, true}) {
      for (const int block : {4, 8}) {
        for (const bool low : {false, true}) {
          Numerics n = BlockFma(in, "fp32", block, 0, Rounding::kTowardZero,
                                std::nullopt);
          n.accumulate.sticky = sticky;
          const int64_t m = 9, nn = 37, k = 70;
          std::vector<double> a =
              CodeValues(FormatByName("e5m2"), m * k, rng, 0);
          std::vector<double> b =
              CodeValues(FormatByName("e5m2"), k * nn, rng, 0);
          // At most 8 significant bits, the lowest at 2^-21 or above.
          for (double& x : a)
            x = std::ldexp(x * (1.0 + 0x1p-5), low ? -100 : 0);
          for (double& x : b) x = std::ldexp(x * (1.0 + 0x1p-4), low ? -30 : 0);
          std::vector<double> c =
              CodeValues(FormatByName("e5m2"), m * nn, rng, 0);
          for (double& x : c) x = std::ldexp(x, low ? -120 : 0);
          GemmProblem p;
          p.m = m;
          p.n = nn;
          p.k = k;
          p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
          p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
          CHECK(std::string(BlockFmaVectorForm(n, p)) ==
                (low ? "wide" : "exact"));
          mismatches += CompareBlockFma(n, m, nn, k, a, b, c, &elements);
          ++runs;
        }
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(runs == 16);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 16 * variants * 9 * 37);
}

TEST_CASE("block-fma kernel's rare lanes equal the slow path") {
  int64_t elements = 0, mismatches = 0;
  std::mt19937_64 rng(77);
  const int64_t m = 6, nn = 21, k = 70;
  // Accumulators near the top of fp16 that overflow: to Inf, saturating.
  for (const Overflow overflow : {Overflow::kInfinity, Overflow::kSaturate}) {
    Numerics n = BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21);
    n.accumulate.overflow = overflow;
    std::vector<double> a = CodeValues(n.a.format, m * k, rng, 0.0);
    std::vector<double> b = CodeValues(n.b.format, k * nn, rng, 0.0);
    for (double& x : a) x = std::fabs(std::fmod(x, 64.0));
    for (double& x : b) x = std::fabs(std::fmod(x, 64.0));
    std::vector<double> c(static_cast<size_t>(m * nn), 60000.0);
    mismatches += CompareBlockFma(n, m, nn, k, a, b, c, &elements);
  }
  // fp32 accumulators near the top that overflow, in the block's addition
  // and (after_block) in the addition of the block's sum.
  for (const Overflow overflow :
       {Overflow::kInfinity, Overflow::kSaturate, Overflow::kIeee}) {
    for (const bool after : {false, true}) {
      Numerics n =
          after ? AfterBlock("e5m2", Rounding::kTowardZero)
                : BlockFma("e5m2", "fp32", 32, 2, Rounding::kTowardZero, -133);
      n.accumulate.overflow = overflow;
      std::vector<double> a = CodeValues(n.a.format, m * k, rng, 0.0);
      std::vector<double> b = CodeValues(n.b.format, k * nn, rng, 0.0);
      for (double& x : a) x = std::fabs(x);
      std::vector<double> c(static_cast<size_t>(m * nn));
      for (size_t e = 0; e < c.size(); ++e)
        c[e] = (e % 2 ? 1 : -1) * std::ldexp(1.999, 127);
      mismatches += CompareBlockFma(n, m, nn, k, a, b, c, &elements);
    }
  }
  // Signed zeros: blocks of products that are all -0 (then -0 stays) or
  // all +0 on accumulators of -0, tiny negative sums cut to -0, and exact
  // cancellations (+0); in the block, and after it.
  for (const int variant : {0, 1, 2}) {  // in the block, after it, sticky
    const bool after = variant == 1;
    Numerics n = after ? AfterBlock("e4m3fn", Rounding::kTowardZero)
                       : BlockFma("e4m3fn", "fp32", 32, -10,
                                  Rounding::kTowardZero, -133);
    n.accumulate.sticky = variant == 2;
    std::vector<double> a = CodeValues(n.a.format, m * k, rng, 0.0);
    std::vector<double> b = CodeValues(n.b.format, k * nn, rng, 0.0);
    for (int64_t kk = 0; kk < 32; ++kk) {
      a[0 * k + kk] = -0.0;  // row 0: -0 * (b >= 0) in the first block
      a[1 * k + kk] = 0.0;   // row 1: +0 * (b >= 0)
      for (int64_t j = 0; j < nn; ++j)
        b[kk * nn + j] = std::fabs(b[kk * nn + j]);
    }
    for (int64_t kk = 0; kk < k; ++kk) {
      a[2 * k + kk] = -0.0;  // row 2: -0 throughout
      a[3 * k + kk] = kk % 2 ? -a[3 * k + kk - 1] : a[3 * k + kk];
      a[4 * k + kk] = kk % 2 ? -0x1p-9 : 0x1p-9;  // the smallest values
    }
    for (int64_t kk = 1; kk < k; kk += 2)
      for (int64_t j = 0; j < nn; ++j) b[kk * nn + j] = b[(kk - 1) * nn + j];
    // Element (5, 0), whose c is -0: every product -0 in every block.
    for (int64_t kk = 0; kk < k; ++kk) {
      a[5 * k + kk] = -0.0;
      b[kk * nn] = std::fabs(b[kk * nn]);
    }
    std::vector<double> c(static_cast<size_t>(m * nn));
    for (size_t e = 0; e < c.size(); ++e)
      c[e] = e % 3 == 0 ? -0.0 : e % 3 == 1 ? -0x1p-149 : 0x1p-140;
    mismatches += CompareBlockFma(n, m, nn, k, a, b, c, &elements);
    mismatches += CompareBlockFma(n, m, nn, k, a, b, {}, &elements);
  }
  CHECK(mismatches == 0);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == (2 + 6 + 6) * variants * m * nn);
}

// Where a lane's alignment exponent M lies at the floor the vectors' exact
// form keeps T at (FitExactForm): every product of a block at the smallest
// values, on zero or tiny accumulators. FP8 and fp16 at their formats'
// smallest codes; bf16 and tf32 on the smallest e4m3fn values (their floor
// is the data's: the exact form by the values).
TEST_CASE(
    "block-fma kernel at the bottom of the exponent range equals the "
    "slow path") {
  struct Case {
    const char* in;
    const char* acc;
    const char* values;  // the format whose codes 1..max_code are drawn
    uint64_t max_code;
  };
  // e4m3fn codes 1..3 (2^-9, 2^-8, 1.5 2^-8): a block of tf32 or bf16
  // products lies at the data's floor (2^-18) or just above it often.
  const Case cases[] = {
      {"e4m3fn", "fp32", "e4m3fn", 24}, {"e5m2", "fp32", "e5m2", 24},
      {"fp16", "fp32", "fp16", 24},     {"fp16", "fp16", "fp16", 24},
      {"bf16", "fp32", "e4m3fn", 3},    {"tf32", "fp32", "e4m3fn", 3}};
  int64_t elements = 0, mismatches = 0;
  int runs = 0;
  std::mt19937_64 rng(91);
  for (const Case& c : cases) {
    for (const int block : {4, 16}) {
      for (const bool sticky : {false, true}) {
        Numerics n = BlockFma(c.in, c.acc, block, 1, Rounding::kTowardZero,
                              std::nullopt);
        n.accumulate.sticky = sticky;
        const Format& from = FormatByName(c.values);
        const Format& acc = FormatByName(c.acc);
        const int64_t m = 9, nn = 37, k = 40;
        std::uniform_int_distribution<uint64_t> smallest(1, c.max_code);
        std::uniform_real_distribution<double> u(0, 1);
        auto draw = [&](int64_t count) {
          std::vector<double> v(static_cast<size_t>(count));
          for (double& x : v)
            x = u(rng) < 0.2
                    ? 0.0
                    : (u(rng) < 0.5 ? -1 : 1) * Decode(from, smallest(rng));
          return v;
        };
        const std::vector<double> a = draw(m * k), b = draw(k * nn);
        std::vector<double> cv(static_cast<size_t>(m * nn), 0.0);
        for (size_t e = 1; e < cv.size(); e += 2)
          cv[e] = (e % 4 == 1 ? -1 : 1) * Decode(acc, smallest(rng));
        GemmProblem p;
        p.m = m;
        p.n = nn;
        p.k = k;
        p.a = {a.data(), n.a.format.min_normal_exponent(), nullptr};
        p.b = {b.data(), n.b.format.min_normal_exponent(), nullptr};
        CHECK(std::string(BlockFmaVectorForm(n, p)) == "exact");
        mismatches += CompareBlockFma(n, m, nn, k, a, b, cv, &elements);
        ++runs;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(runs == 6 * 2 * 2);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 24 * variants * 9 * 37);
}

// The vectors round a block's total by float32's conversion to 24 bits
// (RoundFast); into fp16 that is a double rounding unless it goes through
// round-to-odd. On the grid 2^-23 (23 fraction bits: totals in int32), four
// products of 1 make 4 = 2^25 grid steps, and fp16 keeps steps of 2^-8
// there: 4 + 2^-8 + 2^-9 - 2^-23 rounds to 4 + 2^-8 (the tie is above it),
// 4 + 2^-9 + 2^-23 to 4 + 2^-8 (the tie is below). Rounded to 24 bits first
// (steps of 2^-21), both would land on the tie and go to even (4 + 2^-7
// and 4). A third row is the exact tie 4 + 2^-9: to even, 4 (ties away
// from zero would give 4 + 2^-8).
TEST_CASE(
    "block-fma kernel's float32 rounding of block totals is not a "
    "double rounding") {
  const Numerics n =
      BlockFma("fp16", "fp16", 16, 0, Rounding::kNearestEven, -21);
  const int64_t m = 3, nn = 16, k = 7;
  const std::vector<double> a = {1, 1, 1, 1, 0x1p-8, 0x1p-9, -0x1p-11,
                                 1, 1, 1, 1, 0,      0x1p-9, 0x1p-11,
                                 1, 1, 1, 1, 0,      0x1p-9, 0};
  std::vector<double> b;
  for (const double x : {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0x1p-12})
    b.insert(b.end(), static_cast<size_t>(nn), x);
  GemmProblem p;
  p.m = m;
  p.n = nn;
  p.k = k;
  p.a = {a.data(), -14, nullptr};
  p.b = {b.data(), -14, nullptr};
  REQUIRE(std::string(BlockFmaVectorForm(n, p)) == "exact");
  std::vector<double> d(static_cast<size_t>(m * nn));
  Gemm(p, n, d.data(), 1);
  int64_t checked = 0;
  for (int64_t j = 0; j < nn; ++j) {
    CHECK(d[j] == 4 + 0x1p-8);
    CHECK(d[nn + j] == 4 + 0x1p-8);
    CHECK(d[2 * nn + j] == 4);
    checked += 3;
  }
  CHECK(checked == 48);
  int64_t elements = 0;
  CHECK(CompareBlockFma(n, m, nn, k, a, b, {}, &elements) == 0);
}

// Batched dot products in the lanes of the vector tiles (BlockFmaDots):
// 37 dot products of K = 70 (neither a multiple of the lanes nor of the
// blocks) from random codes with Inf and NaN, c on some, each equal to the
// oracle's on every instruction-set variant.
TEST_CASE("block-fma kernel's lane-wise dot products equal the slow path") {
  const Numerics models[] = {
      BlockFma("fp16", "fp32", 16, 0, Rounding::kTowardZero, -133),
      BlockFma("e4m3fn", "fp32", 32, -10, Rounding::kTowardZero, -133),
      BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21),
      BlockFma("tf32", "fp32", 4, 1, Rounding::kTowardZero, -132),
      AfterBlock("e5m2", Rounding::kTowardZero),
      Sticky(BlockFma("bf16", "fp32", 8, 0, Rounding::kNearestEven, -133)),
  };
  const int64_t count = 37, k = 70;
  int64_t elements = 0, mismatches = 0;
  std::mt19937_64 rng(93);
  for (const Numerics& n : models) {
    for (const double special_rate : {0.0, 0.003}) {
      const std::vector<double> a =
          CodeValues(n.a.format, count * k, rng, special_rate);
      const std::vector<double> b =
          CodeValues(n.b.format, count * k, rng, special_rate);
      std::vector<double> c =
          CodeValues(FormatByName("fp32"), count, rng, special_rate);
      for (double& x : c) x = std::ldexp(x, -100);
      std::vector<GemmProblem> problems(static_cast<size_t>(count));
      std::vector<double> want(problems.size());
      for (int64_t i = 0; i < count; ++i) {
        GemmProblem& p = problems[i];
        p.m = p.n = 1;
        p.k = k;
        p.a = {a.data() + i * k, n.a.format.min_normal_exponent(), nullptr};
        p.b = {b.data() + i * k, n.b.format.min_normal_exponent(), nullptr};
        p.c = i % 3 ? c.data() + i : nullptr;
        p.first_element = static_cast<uint64_t>(i);
        want[i] = kernel_support::GenericElement(p, n, 0, 0);
      }
      for (Isa isa : SupportedIsas()) {
        const ScopedIsa forced(isa);
        std::vector<double> got(problems.size());
        BlockFmaDots(problems.data(), count, n, got.data());
        for (int64_t i = 0; i < count; ++i, ++elements)
          if (!testing::SameBits(got[i], want[i]) && mismatches++ < 3)
            MESSAGE(IsaName(isa) << " dot " << i << ": got " << got[i]
                                 << " want " << want[i]);
      }
    }
  }
  CHECK(mismatches == 0);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 6 * 2 * variants * count);
}

}  // namespace
}  // namespace gemmsim
