// Batched dot products side by side in vector lanes (GemmKernel::dots):
// every kernel that has them gives, for each of 300 dot products of
// K = 40 (not a multiple of any lane count) from random codes with Inf and
// NaN, c on two of three, the oracle's bits on every instruction-set
// variant, including the numerics its lanes do not take (one by one then).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/codec.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {

using testing::AfterBlock;
using testing::BlockFma;
using testing::CodeValues;
using testing::Sticky;

Numerics NarrowAcc(const char* in, const char* acc, Rounding mode) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(in);
  n.accumulate.format = FormatByName(acc);
  n.accumulate.rounding.mode = mode;
  n.output.format = FormatByName("fp32");
  return n;
}

TEST_CASE("every kernel's lane-wise dot products equal the slow path") {
  struct Case {
    Numerics numerics;
    const char* kernel;
  };
  std::vector<Case> cases = {
      {BlockFma("fp16", "fp32", 16, 0, Rounding::kTowardZero, -133),
       "block-fma"},
      {BlockFma("tf32", "fp32", 4, 1, Rounding::kTowardZero, -132),
       "block-fma"},
      {BlockFma("fp16", "fp16", 16, 2, Rounding::kNearestEven, -21),
       "block-fma"},
      {AfterBlock("e4m3fn", Rounding::kTowardZero), "block-fma"},
      {Sticky(BlockFma("bf16", "fp32", 8, 0, Rounding::kNearestEven, -133)),
       "block-fma"},
      {NarrowAcc("e4m3fn", "fp16", Rounding::kNearestEven), "narrow-acc"},
      {NarrowAcc("e5m2", "fp16", Rounding::kTowardZero), "narrow-acc"},
      {NarrowAcc("e4m3fn", "bf16", Rounding::kUp), "narrow-acc"},
      {NarrowAcc("e4m3fn", "e6m9", Rounding::kDown), "narrow-acc"},
  };
  Numerics promoted = NarrowAcc("e4m3fn", "fp16", Rounding::kNearestEven);
  promoted.accumulate.promote = PromoteSpec{};
  promoted.accumulate.promote->every = 8;
  cases.push_back({promoted, "narrow-acc"});
  Numerics saturating = NarrowAcc("e5m2", "fp16", Rounding::kNearestEven);
  saturating.accumulate.overflow = Overflow::kSaturate;
  cases.push_back({saturating, "narrow-acc"});
  // Promotion rounded toward zero: not the float32 lanes, one by one.
  Numerics promoted_rtz = promoted;
  promoted_rtz.accumulate.promote->rounding.mode = Rounding::kTowardZero;
  cases.push_back({promoted_rtz, "narrow-acc"});

  const int64_t count = 300, k = 40;
  int64_t elements = 0, mismatches = 0;
  std::mt19937_64 rng(95);
  for (const Case& c : cases) {
    const Numerics& n = c.numerics;
    const std::vector<double> a = CodeValues(n.a.format, count * k, rng, 0.003);
    const std::vector<double> b = CodeValues(n.b.format, count * k, rng, 0.003);
    const std::vector<double> cv =
        CodeValues(n.accumulate.format, count, rng, 0.003);
    std::vector<GemmProblem> problems(static_cast<size_t>(count));
    std::vector<double> want(problems.size());
    for (int64_t i = 0; i < count; ++i) {
      GemmProblem& p = problems[i];
      p.m = p.n = 1;
      p.k = k;
      p.a = {a.data() + i * k, testing::EminOf(n.a.format), nullptr};
      p.b = {b.data() + i * k, testing::EminOf(n.b.format), nullptr};
      p.c = i % 3 ? cv.data() + i : nullptr;
      p.first_element = static_cast<uint64_t>(i);
      want[i] = kernel_support::GenericElement(p, n, 0, 0);
    }
    const GemmKernel* kernel = ChooseGemmKernel(n, problems[0]);
    REQUIRE(kernel != nullptr);
    REQUIRE(std::string(kernel->name) == c.kernel);
    REQUIRE(static_cast<bool>(kernel->dots));
    for (Isa isa : SupportedIsas()) {
      const ScopedIsa forced(isa);
      std::vector<double> got(problems.size());
      kernel->dots(problems.data(), count, n, got.data());
      for (int64_t i = 0; i < count; ++i, ++elements)
        if (!testing::SameBits(got[i], want[i]) && mismatches++ < 3)
          MESSAGE(c.kernel << " " << IsaName(isa) << " dot " << i << ": got "
                           << got[i] << " want " << want[i]);
    }
  }
  CHECK(mismatches == 0);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == 12 * variants * count);
}

}  // namespace
}  // namespace gemmsim
