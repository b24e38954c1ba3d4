// The MAC array's plain-C++ layer, without SystemC: the MAC datapath against
// DotProduct, the cycle-level array against Gemm and the timing formulas.
#include "models/mac_array/mac_unit.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/error.h"
#include "datapaths/formats/codec.h"
#include "models/cost/systolic_formula.h"
#include "models/mac_array/mac_array_timing.h"
#include "models/mac_array/systolic_array.h"
#include "tests/models/mac_array_test_util.h"

namespace models = gemmsim::models;
using gemmsim::AccumulateSpec;
using gemmsim::Factor;
using gemmsim::Format;
using gemmsim::FormatByName;
using gemmsim::MakeFactor;
using gemmsim::Numerics;
using gemmsim::Rounding;
using gemmsim::testing::MacNumerics;
using gemmsim::testing::SameBits;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// d through a chain of MACs in k order, as one PE of the array computes it.
double MacChain(const std::vector<double>& a, const std::vector<double>& b,
                double c, const Numerics& n) {
  const int emin = n.a.format.min_normal_exponent();
  models::MacState s = models::MacInit(c, n);
  for (size_t k = 0; k < a.size(); ++k)
    s = models::MacStep(s, MakeFactor(a[k], emin), MakeFactor(b[k], emin),
                        n.accumulate);
  return models::MacOutput(s, n);
}

double Dot(const std::vector<double>& a, const std::vector<double>& b, double c,
           const Numerics& n) {
  const int emin = n.a.format.min_normal_exponent();
  std::vector<Factor> fa, fb;
  for (double x : a) fa.push_back(MakeFactor(x, emin));
  for (double x : b) fb.push_back(MakeFactor(x, emin));
  return gemmsim::DotProduct(fa, fb, c, n);
}

// The numerics the MAC datapath is checked under: formats, roundings,
// truncated alignment, flushing.
std::vector<Numerics> DatapathNumerics() {
  std::vector<Numerics> all;
  for (const char* input : {"e4m3fn", "e5m2", "bf16"}) {
    for (const char* acc : {"fp32", "fp16", "bf16"}) {
      for (Rounding r :
           {Rounding::kNearestEven, Rounding::kTowardZero, Rounding::kDown}) {
        all.push_back(MacNumerics(input, acc, r, "fp16"));
      }
    }
  }
  Numerics truncate =
      MacNumerics("e4m3fn", "fp32", Rounding::kTowardZero, "bf16");
  truncate.accumulate.alignment = gemmsim::Alignment::kTruncate;
  truncate.accumulate.adder_fraction_bits = 10;
  truncate.accumulate.sticky = true;
  all.push_back(truncate);
  Numerics flush = MacNumerics("e5m2", "fp16", Rounding::kNearestEven, "fp16");
  flush.accumulate.subnormal_inputs = false;
  flush.accumulate.subnormal_outputs = false;
  all.push_back(flush);
  return all;
}

}  // namespace

static_assert(models::OsTileCycles(1, 1, 1) == 2);   // 1 MAC + 1 drain
static_assert(models::OsTileCycles(8, 8, 8) == 30);  // 22 compute + 8 drain
static_assert(models::WsSliceCycles(1, 1, 1) == 2);  // 1 load + 1 MAC
static_assert(models::WsSliceCycles(20, 8, 8) == 42);

TEST_CASE("MAC chain gives DotProduct's bits (block 1, k order)") {
  std::mt19937_64 rng(1);
  int cases = 0, specials = 0;
  for (const Numerics& n : DatapathNumerics()) {
    CAPTURE(n.name);
    std::uniform_int_distribution<int> k_dist(0, 24);
    for (int trial = 0; trial < 60; ++trial) {
      const int k = k_dist(rng);
      const auto g = gemmsim::testing::MakeRandomGemm(
          rng, 1, 1, k, n.a.format, trial % 2 ? 2.0 : 300.0, trial % 3 == 0);
      std::vector<double> a = g.a, b = g.b;
      double c = g.c.empty() ? 0.0 : g.c[0];
      if (trial % 10 == 9 && k > 1) {  // Inf/NaN inputs: IEEE resolution
        a[trial % k] = trial % 20 == 9 ? kNaN : -kInf;
        if (trial % 30 == 19) c = kInf;
        ++specials;
      }
      CAPTURE(k);
      CHECK(SameBits(MacChain(a, b, c, n), Dot(a, b, c, n)));
      ++cases;
    }
  }
  CHECK(cases == 29 * 60);
  CHECK(specials > 20);
}

TEST_CASE("MAC datapath: overflow sticks and specials resolve like IEEE") {
  const Numerics n =
      MacNumerics("e4m3fn", "fp16", Rounding::kNearestEven, "fp16");
  // 448 * 448 > fp16's max: +Inf, which later negative products keep.
  CHECK(MacChain({448, -448}, {448, 448}, 0, n) == kInf);
  CHECK(std::isnan(MacChain({kInf, 1}, {0, 1}, 0, n)));  // 0 * Inf
  CHECK(MacChain({1, 2}, {1, 2}, -kInf, n) == -kInf);
  CHECK(std::isnan(MacChain({kInf}, {1}, -kInf, n)));
  CHECK(SameBits(MacChain({}, {}, -0.0, n), -0.0));
}

TEST_CASE("MAC array rejects numerics it does not model") {
  const Numerics ok =
      MacNumerics("e4m3fn", "fp32", Rounding::kNearestEven, "fp32");
  CHECK_NOTHROW(models::CheckMacArrayNumerics(ok));
  Numerics block = ok;
  block.accumulate.block = 4;
  CHECK_THROWS_AS(models::CheckMacArrayNumerics(block), gemmsim::Error);
  Numerics after = ok;
  after.accumulate.accumulator_entry = gemmsim::AccumulatorEntry::kAfterBlock;
  CHECK_THROWS_AS(models::CheckMacArrayNumerics(after), gemmsim::Error);
  Numerics sr = ok;
  sr.accumulate.rounding.mode = Rounding::kStochastic;
  CHECK_THROWS_AS(models::CheckMacArrayNumerics(sr), gemmsim::Error);
}

TEST_CASE("MAC array GEMM cycles: closed forms on full tiles") {
  using models::Dataflow;
  const models::MacArrayConfig os{8, 8, Dataflow::kOutputStationary};
  const models::MacArrayConfig ws{8, 8, Dataflow::kWeightStationary};
  CHECK(models::MacArrayGemmCycles(os, 0, 5, 5) == 0);
  CHECK(models::MacArrayGemmCycles(ws, 5, 5, 0) == 0);
  // OS, M = N = 16, K = 10: 4 tiles of 10 + 14 + 8.
  CHECK(models::MacArrayGemmCycles(os, 16, 16, 10) == 4 * 32);
  // WS, M = 10, N = 16, K = 16: 2 column tiles x 2 slices of 8 + 10 + 14.
  CHECK(models::MacArrayGemmCycles(ws, 10, 16, 16) == 4 * 32);
  // Edge tiles: OS 3 x 5 outputs of a 4 x 4 array: (K+3+4-2+3) + (K+3+1-2+3).
  CHECK(models::MacArrayGemmCycles({4, 4, Dataflow::kOutputStationary}, 3, 5,
                                   7) == 15 + 12);
}

// The cycle-level array, stepped without SystemC: D equals Gemm's bits, the
// step count equals the formula, and OS equals WS.
TEST_CASE("systolic array: Gemm's bits and the formula's cycles") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> dim(0, 13);
  const Numerics numerics[] = {
      MacNumerics("e4m3fn", "fp32", Rounding::kNearestEven, "fp32"),
      MacNumerics("e4m3fn", "fp16", Rounding::kTowardZero, "fp16"),
      MacNumerics("e5m2", "bf16", Rounding::kNearestEven, "fp32"),
  };
  int cases = 0;
  for (int trial = 0; trial < 90; ++trial) {
    const Numerics& n = numerics[trial % 3];
    const int m = dim(rng), nn = dim(rng), k = dim(rng);
    const models::MacArrayConfig shapes[] = {{4, 4}, {3, 5}, {1, 2}};
    const models::MacArrayConfig shape = shapes[trial % 3];
    const auto g = gemmsim::testing::MakeRandomGemm(rng, m, nn, k, n.a.format,
                                                    2.0, trial % 2 == 0);
    std::vector<double> expected(static_cast<size_t>(m * nn));
    gemmsim::Gemm(g.problem, n, expected.data(), 1);
    std::vector<std::vector<double>> got;
    for (auto flow : {models::Dataflow::kOutputStationary,
                      models::Dataflow::kWeightStationary}) {
      models::MacArrayConfig config = shape;
      config.dataflow = flow;
      auto& d = got.emplace_back(static_cast<size_t>(m * nn), -1.0);
      auto array = models::MakeSystolicGemm(config, g.problem, n, d.data());
      int64_t steps = 0;
      while (!array->Done()) {
        array->Step();
        ++steps;
      }
      CAPTURE(m);
      CAPTURE(nn);
      CAPTURE(k);
      CHECK(steps == models::MacArrayGemmCycles(config, m, nn, k));
    }
    int differing = 0;
    for (size_t e = 0; e < expected.size(); ++e) {
      differing += !SameBits(got[0][e], expected[e]);
      differing += !SameBits(got[1][e], expected[e]);
    }
    CHECK(differing == 0);
    ++cases;
  }
  CHECK(cases == 90);
}

namespace gemmsim::models {
namespace {

TEST_CASE("the array's tile sums equal the documented closed form") {
  // models/cost/README.md derives cost::SystolicCycles per dataflow; the
  // SystemC cycle mode is tested against MacArrayGemmCycles, so this closes
  // the chain: simulated cycles == tile sum == documented formula.
  int checked = 0;
  for (Dataflow flow :
       {Dataflow::kOutputStationary, Dataflow::kWeightStationary})
    for (int rows : {1, 3, 8, 128})
      for (int cols : {1, 5, 8, 128})
        for (int64_t m : {1, 7, 8, 9, 300})
          for (int64_t n : {1, 8, 13, 257})
            for (int64_t k : {1, 8, 29, 1000}) {
              const MacArrayConfig config{rows, cols, flow};
              CHECK(MacArrayGemmCycles(config, m, n, k) ==
                    cost::SystolicCycles({rows, cols}, flow, m, n, k));
              ++checked;
            }
  CHECK(checked == 2 * 4 * 4 * 5 * 4 * 4);
}

}  // namespace
}  // namespace gemmsim::models
