// The stochastic-fp32 kernel equals DotProduct bit for bit: the same random
// bits for every (element index, step), every stochastic_bits width, seeds,
// batch offsets (first_element), signed zeros, Inf and NaN inputs,
// accumulators that overflow, every instruction-set variant.
#include <doctest/doctest.h>

#include <cfloat>
#include <random>
#include <vector>

#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "tests/arithmetic/kernel_compare.h"

namespace gemmsim {
namespace {
using namespace testing;

Numerics Stochastic(const char* in, int bits, uint64_t seed) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(in);
  n.accumulate.rounding.mode = Rounding::kStochastic;
  n.accumulate.rounding.stochastic_bits = bits;
  n.seed = seed;
  return n;
}

int64_t CompareAllIsas(const Numerics& n, int64_t m, int64_t nn, int64_t k,
                       double special_rate, bool huge_c, uint64_t first,
                       std::mt19937_64& rng, int64_t* elements) {
  return CompareOnEveryIsa("stochastic-fp32", n, m, nn, k, special_rate, huge_c,
                           first, rng, elements);
}

TEST_CASE("stochastic-fp32 kernel equals the slow path") {
  std::mt19937_64 rng(59);
  int64_t elements = 0, mismatches = 0, runs = 0;
  for (const char* in : {"e4m3fn", "e5m2", "fp16"}) {
    for (const int bits : {32, 13, 5, 1}) {
      for (const uint64_t seed : {uint64_t{0}, uint64_t{0x9e3779b97f4a7c15}}) {
        const Numerics n = Stochastic(in, bits, seed);
        mismatches +=
            CompareAllIsas(n, 3, 45, 70, 0.0, false, 0, rng, &elements);
        mismatches += CompareAllIsas(n, 2, 33, 31, 0.01, false,
                                     (uint64_t{1} << 33) + 7, rng, &elements);
        runs += 2;
      }
    }
  }
  for (const Overflow overflow : {Overflow::kIeee, Overflow::kSaturate}) {
    Numerics n = Stochastic("e5m2", 32, 3);
    n.accumulate.overflow = overflow;
    mismatches += CompareAllIsas(n, 2, 40, 50, 0.0, true, 0, rng, &elements);
    ++runs;
  }
  CHECK(mismatches == 0);
  CHECK(runs == 3 * 4 * 2 * 2 + 2);
  const int64_t variants = static_cast<int64_t>(SupportedIsas().size());
  CHECK(elements == variants * (3 * 4 * 2 * (3 * 45 + 2 * 33) + 2 * 2 * 40));
}

TEST_CASE("stochastic-fp32 kernel refuses what it does not compute") {
  GemmProblem p;
  p.m = p.n = p.k = 1;
  const double one = 1.0;
  p.a = {&one, -6, nullptr};
  p.b = {&one, -6, nullptr};
  auto kernel = [&](const Numerics& n) {
    const GemmKernel* k = ChooseGemmKernel(n, p);
    return std::string(k ? k->name : "generic");
  };
  const Numerics n = Stochastic("e4m3fn", 32, 1);
  CHECK(kernel(n) == "stochastic-fp32");
  Numerics fp16 = n;
  fp16.accumulate.format = FormatByName("fp16");
  CHECK(kernel(fp16) != "stochastic-fp32");
  Numerics block = n;
  block.accumulate.block = 4;
  CHECK(kernel(block) != "stochastic-fp32");
  Numerics promote = n;
  promote.accumulate.promote = PromoteSpec{8, FormatByName("fp32"), {}};
  CHECK(kernel(promote) != "stochastic-fp32");
  Numerics out = n;
  out.output.format = FormatByName("bf16");
  out.output.rounding.mode = Rounding::kStochastic;
  CHECK(kernel(out) != "stochastic-fp32");
}

}  // namespace
}  // namespace gemmsim
