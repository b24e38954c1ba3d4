// The matrix engine's plain-C++ data structures (models/chip/engine_data.h),
// without SystemC: the double-buffered input buffers' protocol, and D built
// tile by tile through the accumulators (K slices chained through
// MacStates, fast path and register-level array) against Gemm's bits.
#include "models/chip/engine_data.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "models/mac_array/systolic_array.h"
#include "tests/models/mac_array_test_util.h"

namespace models = gemmsim::models;
using gemmsim::Numerics;
using gemmsim::Rounding;
using gemmsim::testing::MacNumerics;
using gemmsim::testing::SameBits;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

models::TileOperands Tagged(int64_t tag) {
  models::TileOperands t;
  t.tag = tag;
  return t;
}

// Numerics that stress the chaining: roundings toward -Inf (x - x = -0),
// flushing (MacInit would change a subnormal partial sum), narrow
// accumulators that overflow, truncated alignment.
std::vector<Numerics> ChainNumerics() {
  std::vector<Numerics> all;
  for (const char* input : {"e4m3fn", "e5m2", "bf16", "fp16"}) {
    for (const char* acc : {"fp32", "fp16", "bf16"}) {
      for (Rounding r : {Rounding::kNearestEven, Rounding::kTowardZero,
                         Rounding::kDown, Rounding::kNearestAway}) {
        all.push_back(MacNumerics(input, acc, r, "fp16"));
      }
    }
  }
  Numerics flush = MacNumerics("e5m2", "fp16", Rounding::kDown, "bf16");
  flush.accumulate.subnormal_inputs = false;
  flush.accumulate.subnormal_outputs = false;
  all.push_back(flush);
  Numerics truncate =
      MacNumerics("bf16", "fp32", Rounding::kTowardZero, "fp32");
  truncate.accumulate.alignment = gemmsim::Alignment::kTruncate;
  truncate.accumulate.adder_fraction_bits = 10;
  truncate.accumulate.sticky = true;
  all.push_back(truncate);
  return all;
}

}  // namespace

TEST_CASE("input buffers: one tile computes while the next one loads") {
  models::InputBuffers buffers;
  CHECK(buffers.CanStage());
  CHECK_THROWS_AS(buffers.Begin(), std::logic_error);  // nothing staged
  CHECK_THROWS_AS(buffers.Finish(), std::logic_error);
  buffers.Stage(Tagged(1));
  CHECK_FALSE(buffers.CanStage());  // one staged slot at a time
  CHECK_THROWS_AS(buffers.Stage(Tagged(9)), std::logic_error);
  CHECK(buffers.Begin().tag == 1);
  CHECK(buffers.HasActive());
  CHECK(buffers.CanStage());  // the other slot loads during compute
  buffers.Stage(Tagged(2));
  CHECK(buffers.Occupied() == 2);
  CHECK_THROWS_AS(buffers.Stage(Tagged(9)), std::logic_error);
  CHECK_THROWS_AS(buffers.Begin(), std::logic_error);  // 1 still computes
  buffers.Finish();
  CHECK(buffers.Begin().tag == 2);
  buffers.Stage(Tagged(3));
  buffers.Finish();
  CHECK(buffers.Begin().tag == 3);
  buffers.Finish();
  CHECK(buffers.Occupied() == 0);
}

TEST_CASE("CutTile copies the window's blocks and notes specials") {
  std::mt19937_64 rng(7);
  auto g = gemmsim::testing::MakeRandomGemm(
      rng, 5, 6, 7, gemmsim::FormatByName("bf16"), 2.0, false);
  const models::TileOperands t = models::CutTile(g.problem, {1, 3, 2, 4, 2, 5});
  REQUIRE(t.a.size() == 15);
  REQUIRE(t.b.size() == 20);
  CHECK(t.a[1 * 5 + 4] == g.a[(1 + 1) * 7 + 2 + 4]);
  CHECK(t.b[3 * 4 + 2] == g.b[(2 + 3) * 6 + 2 + 2]);
  CHECK(t.finite);
  g.b[(2 + 1) * 6 + 3] = -kInf;
  CHECK_FALSE(models::CutTile(g.problem, {1, 3, 2, 4, 2, 5}).finite);
  CHECK(models::CutTile(g.problem, {1, 3, 4, 2, 2, 5}).finite);  // outside
  CHECK_THROWS_AS(models::CutTile(g.problem, {4, 2, 0, 1, 0, 1}),
                  std::logic_error);
}

TEST_CASE("accumulators chain K slices to Gemm's bits, fast and cycle") {
  std::mt19937_64 rng(4242);
  std::uniform_int_distribution<int> dim(1, 24), slices(1, 4), pick(0, 99);
  int cases = 0, outputs = 0, specials = 0;
  int64_t stepped = 0;
  for (const Numerics& n : ChainNumerics()) {
    for (int trial = 0; trial < 6; ++trial) {
      const int m = dim(rng), nn = dim(rng), k = dim(rng);
      auto g = gemmsim::testing::MakeRandomGemm(
          rng, m, nn, k, n.a.format, trial % 2 ? 2.0 : 200.0, trial % 3 != 0);
      if (trial == 5 && n.a.format.name() != "e4m3fn") {  // Inf / NaN inputs
        g.a[static_cast<size_t>(pick(rng)) % g.a.size()] = kInf;
        g.b[static_cast<size_t>(pick(rng)) % g.b.size()] =
            pick(rng) < 50 ? -kInf : kNaN;
        ++specials;
      }
      std::vector<double> expected(static_cast<size_t>(m * nn));
      gemmsim::Gemm(g.problem, n, expected.data(), 1);
      // K cut at random points; each slice over column blocks of 5 and
      // row blocks of 4 (output blocks), alternately fast and cycle.
      std::vector<int> cuts = {0, k};
      for (int s = slices(rng); s > 1; --s)
        cuts.push_back(std::uniform_int_distribution<int>(0, k)(rng));
      std::sort(cuts.begin(), cuts.end());
      models::GemmSums sums(g.problem, n);
      for (size_t s = 0; s + 1 < cuts.size(); ++s) {
        for (int r0 = 0; r0 < m; r0 += 4) {
          for (int c0 = 0; c0 < nn; c0 += 5) {
            const models::TileWindow w{r0,      std::min(4, m - r0),
                                       c0,      std::min(5, nn - c0),
                                       cuts[s], cuts[s + 1] - cuts[s]};
            const models::TileOperands t = models::CutTile(g.problem, w);
            models::AccumulatorBank bank;
            bank.Load(sums, w);
            if ((r0 + c0 + static_cast<int>(s)) % 2 == 0) {
              stepped += bank.AddFast(t, n);
            } else {
              gemmsim::GemmProblem tile;
              tile.m = w.rows, tile.n = w.cols, tile.k = w.depth;
              tile.a = {t.a.data(), t.a_emin, nullptr};
              tile.b = {t.b.data(), t.b_emin, nullptr};
              const auto array = models::MakeSystolicTile(
                  {4, 5, models::Dataflow::kOutputStationary}, tile, n,
                  bank.data());
              while (!array->Done()) array->Step();
            }
            bank.Store(sums);
          }
        }
      }
      sums.DrainAll();
      CAPTURE(n.name);
      CAPTURE(m);
      CAPTURE(nn);
      CAPTURE(k);
      int differing = 0;
      for (size_t e = 0; e < expected.size(); ++e)
        differing += !SameBits(sums.d()[e], expected[e]);
      CHECK(differing == 0);
      outputs += static_cast<int>(expected.size());
      ++cases;
    }
  }
  CHECK(cases == 50 * 6);
  CHECK(outputs > 20000);
  // e5m2, bf16 and fp16 inputs (4 roundings x 3 accumulators), flush, truncate
  CHECK(specials == 3 * 4 * 3 + 2);
  CHECK(stepped > 0);  // the MacStep path was exercised
}

TEST_CASE("weight-stationary slices through the array chain like Gemm") {
  std::mt19937_64 rng(99);
  const Numerics n = MacNumerics("e5m2", "fp16", Rounding::kTowardZero, "fp32");
  int cases = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const int m = 1 + trial % 9, nn = 1 + trial % 7, k = 1 + trial % 13;
    const auto g = gemmsim::testing::MakeRandomGemm(rng, m, nn, k, n.a.format,
                                                    60.0, trial % 2 == 0);
    std::vector<double> expected(static_cast<size_t>(m * nn));
    gemmsim::Gemm(g.problem, n, expected.data(), 1);
    models::GemmSums sums(g.problem, n);
    for (int k0 = 0; k0 < k; k0 += 3) {  // K slices 3 deep, columns 2 wide
      for (int c0 = 0; c0 < nn; c0 += 2) {
        const models::TileWindow w{
            0, m, c0, std::min(2, nn - c0), k0, std::min(3, k - k0)};
        const models::TileOperands t = models::CutTile(g.problem, w);
        models::AccumulatorBank bank;
        bank.Load(sums, w);
        gemmsim::GemmProblem tile;
        tile.m = w.rows, tile.n = w.cols, tile.k = w.depth;
        tile.a = {t.a.data(), t.a_emin, nullptr};
        tile.b = {t.b.data(), t.b_emin, nullptr};
        const auto array = models::MakeSystolicTile(
            {3, 2, models::Dataflow::kWeightStationary}, tile, n, bank.data());
        int64_t edges = 0;
        while (!array->Done()) {
          array->Step();
          ++edges;
        }
        CHECK(edges == models::WsSliceCycles(m, w.depth, w.cols));
        bank.Store(sums);
        if (k0 + w.depth == k) sums.Drain(w);
      }
    }
    int differing = 0;
    for (size_t e = 0; e < expected.size(); ++e)
      differing += !SameBits(sums.d()[e], expected[e]);
    CHECK(differing == 0);
    ++cases;
  }
  CHECK(cases == 40);
}
