// The pairwise kernel equals DotProduct's adder tree bit for bit: blocks of
// even, odd and power-of-two sizes, K not a multiple of the block, fp32
// promotion (chunks that cut blocks short), signed zeros, Inf and NaN
// inputs, accumulators that overflow, every instruction-set variant; and it
// refuses what its float32 additions do not compute.
#include <doctest/doctest.h>

#include <cfloat>
#include <optional>
#include <random>
#include <vector>

#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {
using namespace testing;

Numerics Pairwise(const char* in, int block, std::optional<int> promote) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(in);
  n.accumulate.block = block;
  n.accumulate.order = Order::kPairwise;
  if (promote)
    n.accumulate.promote = PromoteSpec{*promote, n.accumulate.format, {}};
  return n;
}

// One comparison per instruction-set variant; c: per element, tiny fp32
// values, or values near FLT_MAX that overflow.
int64_t CompareAllIsas(const Numerics& n, int64_t m, int64_t nn, int64_t k,
                       double special_rate, bool huge_c, std::mt19937_64& rng,
                       int64_t* elements) {
  return CompareOnEveryIsa("pairwise", n, m, nn, k, special_rate, huge_c, 0,
                           rng, elements);
}

TEST_CASE("pairwise kernel equals the slow path") {
  std::mt19937_64 rng(53);
  int64_t elements = 0, mismatches = 0, runs = 0;
  for (const char* in : {"e4m3fn", "e5m2", "fp16"}) {
    for (const int block : {2, 3, 7, 32, 48}) {
      for (const std::optional<int> promote :
           {std::optional<int>{}, std::optional<int>{5},
            std::optional<int>{64}}) {
        const Numerics n = Pairwise(in, block, promote);
        mismatches += CompareAllIsas(n, 5, 70, 101, 0.0, false, rng, &elements);
        mismatches += CompareAllIsas(n, 3, 17, 40, 0.01, false, rng, &elements);
        runs += 2;
      }
    }
  }
  // Overflowing accumulators (to Inf under ieee and infinity).
  for (const Overflow overflow : {Overflow::kIeee, Overflow::kInfinity}) {
    Numerics n = Pairwise("e4m3fn", 16, std::nullopt);
    n.accumulate.overflow = overflow;
    mismatches += CompareAllIsas(n, 4, 33, 64, 0.0, true, rng, &elements);
    ++runs;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 3 * 5 * 3 * 2 + 2);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == variants * (3 * 5 * 3 * (5 * 70 + 3 * 17) + 2 * 4 * 33));
}

TEST_CASE("pairwise kernel refuses what float32 additions do not compute") {
  GemmProblem p;
  p.m = p.n = p.k = 1;
  const double one = 1.0;
  p.a = {&one, -6, nullptr};
  p.b = {&one, -6, nullptr};
  auto kernel = [&](const Numerics& n) {
    const GemmKernel* k = ChooseGemmKernel(n, p);
    return std::string(k ? k->name : "generic");
  };
  Numerics n = Pairwise("e4m3fn", 32, std::nullopt);
  CHECK(kernel(n) == "pairwise");
  Numerics saturate = n;
  saturate.accumulate.overflow = Overflow::kSaturate;
  CHECK(kernel(saturate) != "pairwise");
  Numerics rtz = n;
  rtz.accumulate.rounding.mode = Rounding::kTowardZero;
  CHECK(kernel(rtz) != "pairwise");
  Numerics fp16 = n;
  fp16.accumulate.format = FormatByName("fp16");
  CHECK(kernel(fp16) != "pairwise");
  Numerics truncate = n;
  truncate.accumulate.alignment = Alignment::kTruncate;
  CHECK(kernel(truncate) != "pairwise");
  Numerics after = n;
  after.accumulate.accumulator_entry = AccumulatorEntry::kAfterBlock;
  CHECK(kernel(after) != "pairwise");
  // fp32 inputs whose product has 42 significant bits.
  Numerics fp32 = n;
  fp32.a.format = fp32.b.format = FormatByName("fp32");
  const double wide = 1.0 + 0x1p-20;
  p.a = {&wide, -126, nullptr};
  p.b = {&wide, -126, nullptr};
  CHECK(kernel(fp32) != "pairwise");
}

}  // namespace
}  // namespace gemmsim
