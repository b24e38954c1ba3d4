// Many small batches (batched dot products and tiny GEMMs) run side by side,
// one thread each (evaluate.cc, InRowChunks; dot products of the block-FMA
// presets in vector lanes, RunDots): D and the exact reference are
// the same bits on 1, 2 and 3 threads, and D equals the oracle (DotProduct
// per element) batch by batch.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "app/config/numerics_file.h"
#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "tests/replay/random_tensor.h"

namespace gemmsim::app {
namespace {

bool SameBits(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) return false;
  for (size_t e = 0; e < x.size(); ++e)
    if (std::bit_cast<uint64_t>(x[e]) != std::bit_cast<uint64_t>(y[e]))
      return false;
  return true;
}

TEST_CASE("small batches: the same bits on any thread count, the oracle's") {
  struct Case {
    const char* preset;
    std::vector<int64_t> a, b;
  };
  const Case cases[] = {
      {"h100-fp16-fp32", {300, 1, 32}, {300, 32, 1}},
      {"a100-tf32-fp32", {300, 1, 32}, {300, 32, 1}},
      {"b200-e4m3-fp32", {300, 1, 96}, {300, 96, 1}},
      {"fp8-acc-fp16", {300, 1, 32}, {300, 32, 1}},
      {"fp8-acc-fp32", {120, 2, 16}, {120, 16, 3}},
      {"b200-e4m3-fp32", {7, 3, 64}, {7, 64, 5}},
  };
  int64_t elements = 0;
  for (const Case& c : cases) {
    CAPTURE(c.preset);
    const Numerics n = LoadNumerics(c.preset, {});
    const OperandTensor a{"a", testing::RandomFloatTensor(c.a, -0.5, 11)};
    const OperandTensor b{"b", testing::RandomFloatTensor(c.b, -0.5, 12)};
    const PreparedGemm g = PrepareGemm(a, b, nullptr, n);
    const std::vector<double> d1 = EmulateGemm(g, n, 1);
    CHECK(SameBits(d1, EmulateGemm(g, n, 2)));
    CHECK(SameBits(d1, EmulateGemm(g, n, 3)));
    const std::vector<double> exact1 = ExactResult(g, 1);
    CHECK(SameBits(exact1, ExactResult(g, 3)));
    std::vector<double> oracle(d1.size());
    const GemmShapes& s = g.shapes;
    for (int64_t batch = 0; batch < s.batches(); ++batch) {
      const GemmProblem p = ProblemOf(g, batch, 0, s.m);
      RunGemmKernel(nullptr, p, n, oracle.data() + p.first_element, 1);
    }
    CHECK(SameBits(d1, oracle));
    elements += static_cast<int64_t>(d1.size());
  }
  CHECK(elements == 4 * 300 + 120 * 6 + 7 * 15);
}

}  // namespace
}  // namespace gemmsim::app
