// The chip with operands (models/chip/): randomized small GEMMs on random
// small machines (R x C arrays, output or weight stationary, 1-3 engines,
// overlap max or sum, tiny to roomy SRAM) and on the mac-array-8x8 preset,
// every machine run four times in one elaboration: cycle mode, fast mode,
// fast mode timing only, and fast mode without the SRAM limit.
//
// Checked:
// - D: cycle mode == fast mode == Gemm(), bit for bit, every element.
// - Per tile: cycle mode's engine cycles are the register-level array's
//   (OS k + 2*mt + nt - 2, WS m + 2*kt + nt - 2). They equal fast mode's
//   (the cost model's tile time) when the machine has one engine (a bare
//   array: edge tiles at their own size) or the tile is full; with several
//   engines the cost model charges an edge tile in full, so cycle mode is
//   shorter there.
// - Whole chip: when every tile's cycles agree, cycle and fast mode give
//   identical times (seconds, channel and engine busy time), under overlap
//   max and sum alike: the cycle engine ends a tile exactly `cycles`
//   periods after it starts, as the fast engine's one wait does, and
//   everything else (loads, dispatch) is the same code. Otherwise cycle
//   mode is never slower.
// - Operands change no time, except that a weight-stationary K slice waits
//   for the previous slice of its columns (their partial sums): with
//   several engines and fewer column blocks than engines that dependency
//   can bind (never faster than timing only).
// - The SRAM limit only delays (never speeds up) and does delay with tiny
//   SRAM.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/error.h"
#include "models/chip/chip.h"
#include "models/chip/chip_plan.h"
#include "tests/models/mac_array_test_util.h"

namespace models = gemmsim::models;
namespace cost = gemmsim::cost;
using gemmsim::Numerics;
using gemmsim::Rounding;
using gemmsim::testing::MacNumerics;
using gemmsim::testing::RandomGemm;
using gemmsim::testing::SameBits;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Machine {
  cost::Machine machine;
  std::vector<cost::GemmShape> shapes;
  std::vector<models::ChipOperands> operands;
};

// configs/machines/mac-array-8x8.yaml, built here so that this test does
// not depend on the app layer.
cost::Machine MacArray8x8() {
  cost::Machine m;
  m.name = "mac-array-8x8";
  m.engine_kind = "systolic";
  m.geometries = {{8, 8}};
  m.dataflow = cost::Dataflow::kOutputStationary;
  m.clock_ghz = 1;
  for (const char* dtype : {"bf16", "fp16", "fp8", "fp32", "int8"})
    m.dtypes[dtype] = {1, 0};
  m.fill_drain_exposed = true;
  m.sram_bytes = 64000;
  m.memory_bandwidth_gbs = 16;
  m.overlap = cost::Overlap::kMax;
  return m;
}

const char* Dtype(const std::string& format) {
  if (format == "bf16") return "bf16";
  if (format == "fp16") return "fp16";
  return "fp8";
}

cost::Machine RandomMachine(std::mt19937_64& rng, int i) {
  const cost::Geometry geometries[] = {{4, 4}, {3, 5}, {8, 8}, {5, 2}, {2, 6}};
  const auto pick = [&](int n) {
    return static_cast<size_t>(
        std::uniform_int_distribution<int>(0, n - 1)(rng));
  };
  cost::Machine m;
  m.name = "random-" + std::to_string(i);
  m.engine_kind = "systolic";
  m.geometries = {geometries[pick(5)]};
  if (i % 5 == 4) m.geometries.push_back(geometries[pick(5)]);
  m.dataflow = i % 2 ? cost::Dataflow::kWeightStationary
                     : cost::Dataflow::kOutputStationary;
  m.clock_ghz = std::vector<double>{1.0, 1.25, 0.5}[pick(3)];
  const int64_t count = 1 + (i / 2) % 3;
  for (const char* dtype : {"bf16", "fp16", "fp8"})
    m.dtypes[dtype] = {count, 0};
  m.fill_drain_exposed = true;
  m.sram_bytes = std::vector<int64_t>{256, 2048, 1 << 20}[pick(3)];
  m.memory_bandwidth_gbs = std::vector<double>{2, 16, 128}[pick(3)];
  m.overlap = i % 4 < 2 ? cost::Overlap::kMax : cost::Overlap::kSum;
  return m;
}

Numerics RandomNumerics(std::mt19937_64& rng) {
  const auto pick = [&](auto const& list) {
    return list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)];
  };
  const std::vector<std::string> inputs = {"e4m3fn", "e5m2", "bf16", "fp16"};
  const std::vector<std::string> accs = {"fp32", "fp16", "bf16"};
  const std::vector<Rounding> roundings = {
      Rounding::kNearestEven, Rounding::kTowardZero, Rounding::kNearestAway,
      Rounding::kDown, Rounding::kUp};
  Numerics n =
      MacNumerics(pick(inputs), pick(accs), pick(roundings),
                  pick(std::vector<std::string>{"fp32", "bf16", "fp16"}));
  if (std::uniform_int_distribution<int>(0, 5)(rng) == 0) {
    // Flushing: a zero or subnormal partial sum that MacInit would change
    // (-0 to +0) must not restart between K slices.
    n.accumulate.subnormal_inputs = false;
    n.accumulate.subnormal_outputs = false;
  }
  return n;
}

struct Suite {
  std::deque<RandomGemm> gemms;  // the operands' buffers (stable addresses)
  std::vector<Machine> machines;
  int specials = 0;
};

void AddGemm(Suite& suite, Machine& machine, std::mt19937_64& rng,
             const Numerics& numerics, int m, int n, int k, bool with_c,
             double scale, bool special) {
  RandomGemm& g = suite.gemms.emplace_back(gemmsim::testing::MakeRandomGemm(
      rng, m, n, k, numerics.a.format, scale, with_c));
  if (special && !g.a.empty() && !g.b.empty() &&
      numerics.a.format.name() != "e4m3fn") {  // e4m3fn has no Inf
    g.a[g.a.size() / 2] = kInf;
    g.b[g.b.size() / 3] = -kInf;
    ++suite.specials;
  }
  cost::GemmShape s;
  s.name = "g" + std::to_string(suite.gemms.size());
  s.m = m, s.n = n, s.k = k;
  s.dtype = Dtype(numerics.a.format.name());
  s.addend = with_c;
  machine.shapes.push_back(s);
  machine.operands.push_back({g.problem, numerics});
}

Suite MakeSuite() {
  Suite suite;
  std::mt19937_64 rng(20261123);
  std::uniform_int_distribution<int> dim(1, 40), percent(0, 99);
  for (int i = 0; i < 60; ++i) {
    Machine machine{RandomMachine(rng, i), {}, {}};
    for (int j = 0; j < 4; ++j) {
      int m = dim(rng), n = dim(rng), k = dim(rng);
      if (percent(rng) < 4) (percent(rng) < 50 ? k : m) = 0;  // empty
      AddGemm(suite, machine, rng, RandomNumerics(rng), m, n, k,
              percent(rng) < 60, percent(rng) < 50 ? 2.0 : 100.0,
              percent(rng) < 10);
    }
    suite.machines.push_back(machine);
  }
  // The cycle-level test preset, whole 8 x 8 tiles and edges.
  Machine preset{MacArray8x8(), {}, {}};
  const int shapes[][3] = {{16, 16, 16}, {8, 8, 8}, {13, 21, 9}, {1, 40, 33}};
  for (const auto& s : shapes) {
    AddGemm(suite, preset, rng,
            MacNumerics("e4m3fn", "fp32", Rounding::kNearestEven, "bf16"), s[0],
            s[1], s[2], true, 2.0, false);
  }
  suite.machines.push_back(preset);
  return suite;
}

enum Variant { kCycle, kFast, kTimingOnly, kNoSramLimit, kVariants };

struct Run {
  Suite suite;
  std::vector<models::ChipJob> jobs;  // kVariants per machine
  std::vector<models::ChipRunResult> results;
};

// The one simulation of this process, shared by the test cases.
const Run& TheRun() {
  static const Run run = [] {
    Run r;
    r.suite = MakeSuite();
    for (const Machine& m : r.suite.machines) {
      for (int v = 0; v < kVariants; ++v) {
        models::ChipJob job;
        job.machine = m.machine;
        job.gemms = m.shapes;
        job.mode = v == kCycle ? models::EngineMode::kCycle
                               : models::EngineMode::kFast;
        if (v != kTimingOnly) job.operands = m.operands;
        job.sram_limit = v != kNoSramLimit;
        r.jobs.push_back(job);
      }
    }
    r.results = models::RunChips(r.jobs);
    return r;
  }();
  return run;
}

bool FullTile(const models::ChipTile& t, const cost::Geometry& g) {
  return t.rows == g.rows && t.cols == g.cols;
}

}  // namespace

TEST_CASE("chip: cycle mode, fast mode and Gemm give the same D bits") {
  const Run& run = TheRun();
  REQUIRE(run.results.size() == run.suite.machines.size() * kVariants);
  int gemms = 0, outputs = 0, infinities = 0, nans = 0;
  int64_t stepped = 0;
  for (size_t i = 0; i < run.suite.machines.size(); ++i) {
    const Machine& m = run.suite.machines[i];
    const models::ChipRunResult& cycle = run.results[i * kVariants + kCycle];
    const models::ChipRunResult& fast = run.results[i * kVariants + kFast];
    REQUIRE(cycle.gemms.size() == m.shapes.size());
    REQUIRE(fast.gemms.size() == m.shapes.size());
    for (size_t g = 0; g < m.shapes.size(); ++g) {
      const gemmsim::GemmProblem& p = m.operands[g].problem;
      std::vector<double> expected(static_cast<size_t>(p.m * p.n));
      gemmsim::Gemm(p, m.operands[g].numerics, expected.data(), 1);
      CAPTURE(m.machine.name);
      CAPTURE(m.operands[g].numerics.name);
      CAPTURE(p.m);
      CAPTURE(p.n);
      CAPTURE(p.k);
      REQUIRE(cycle.gemms[g].d.size() == expected.size());
      REQUIRE(fast.gemms[g].d.size() == expected.size());
      int cycle_differs = 0, fast_differs = 0;
      for (size_t e = 0; e < expected.size(); ++e) {
        cycle_differs += !SameBits(cycle.gemms[g].d[e], expected[e]);
        fast_differs += !SameBits(fast.gemms[g].d[e], expected[e]);
        infinities += std::isinf(expected[e]);
        nans += std::isnan(expected[e]);
      }
      CHECK(cycle_differs == 0);
      CHECK(fast_differs == 0);
      stepped += fast.gemms[g].stepped_elements;
      outputs += static_cast<int>(expected.size());
      ++gemms;
    }
  }
  CHECK(gemms == 60 * 4 + 4);
  CHECK(outputs > 50000);
  CHECK(run.suite.specials > 5);
  CHECK(infinities > 0);  // overflowing fp16 accumulators, Inf inputs
  CHECK(nans > 0);        // +Inf and -Inf products
  CHECK(stepped > 0);     // fast mode's MacStep path for specials
}

TEST_CASE("chip: cycle-mode tile cycles are the array's; equal fast mode's") {
  const Run& run = TheRun();
  int equal_tiles = 0, shorter_tiles = 0, equal_chips = 0, faster_chips = 0;
  for (size_t i = 0; i < run.suite.machines.size(); ++i) {
    const Machine& m = run.suite.machines[i];
    const models::ChipRunResult& cycle = run.results[i * kVariants + kCycle];
    const models::ChipRunResult& fast = run.results[i * kVariants + kFast];
    const int64_t engines = m.machine.dtypes.begin()->second.count;
    const bool os = m.machine.dataflow == cost::Dataflow::kOutputStationary;
    bool all_equal = true;
    for (size_t g = 0; g < m.shapes.size(); ++g) {
      const cost::GemmShape& s = m.shapes[g];
      const models::ChipPlan plan = models::PlanGemm(m.machine, s);
      const models::ChipGemmResult& c = cycle.gemms[g];
      const models::ChipGemmResult& f = fast.gemms[g];
      REQUIRE(c.tile_cycles.size() == plan.tiles.size());
      REQUIRE(f.tile_cycles.size() == plan.tiles.size());
      CAPTURE(m.machine.name);
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      for (size_t t = 0; t < plan.tiles.size(); ++t) {
        const models::ChipTile& tile = plan.tiles[t];
        const int64_t array = os ? s.k + 2 * tile.rows + tile.cols - 2
                                 : s.m + 2 * tile.rows + tile.cols - 2;
        CHECK(c.tile_cycles[t] == static_cast<double>(array));
        CHECK(f.tile_cycles[t] == tile.cycles);
        if (engines == 1 || FullTile(tile, plan.geometry)) {
          CHECK(c.tile_cycles[t] == f.tile_cycles[t]);
          ++equal_tiles;
        } else {
          CHECK(c.tile_cycles[t] < f.tile_cycles[t]);
          all_equal = false;
          ++shorter_tiles;
        }
      }
    }
    if (all_equal) {
      CHECK(cycle.seconds == fast.seconds);
      for (size_t g = 0; g < m.shapes.size(); ++g) {
        CHECK(cycle.gemms[g].memory_seconds == fast.gemms[g].memory_seconds);
        CHECK(cycle.gemms[g].engine_seconds == fast.gemms[g].engine_seconds);
      }
      ++equal_chips;
    } else {
      CHECK(cycle.seconds <= fast.seconds);
      ++faster_chips;
    }
  }
  CHECK(equal_tiles > 1000);
  CHECK(shorter_tiles > 100);
  CHECK(equal_chips > 15);  // every one-engine machine, overlap max and sum
  CHECK(faster_chips > 10);
}

TEST_CASE("chip: operands change no time but WS slice dependencies") {
  const Run& run = TheRun();
  int same = 0, dependent = 0, stalled = 0;
  for (size_t i = 0; i < run.suite.machines.size(); ++i) {
    const Machine& m = run.suite.machines[i];
    const auto& fast = run.results[i * kVariants + kFast];
    const auto& timing = run.results[i * kVariants + kTimingOnly];
    const auto& unlimited = run.results[i * kVariants + kNoSramLimit];
    const int64_t engines = m.machine.dtypes.begin()->second.count;
    CAPTURE(m.machine.name);
    for (size_t g = 0; g < m.shapes.size(); ++g) {
      CHECK(timing.gemms[g].d.empty());
      const cost::GemmShape& s = m.shapes[g];
      const models::ChipPlan plan = models::PlanGemm(m.machine, s);
      const int64_t col_tiles =
          plan.tiles.empty()
              ? 0
              : (s.n + plan.geometry.cols - 1) / plan.geometry.cols;
      const bool may_bind =
          m.machine.dataflow == cost::Dataflow::kWeightStationary &&
          engines > 1 && col_tiles < engines;
      if (may_bind) {
        CHECK(fast.gemms[g].seconds >= timing.gemms[g].seconds);
        ++dependent;
      } else {
        CHECK(fast.gemms[g].seconds == timing.gemms[g].seconds);
        ++same;
      }
      CHECK(fast.gemms[g].memory_seconds == unlimited.gemms[g].memory_seconds);
      CHECK(fast.gemms[g].seconds >= unlimited.gemms[g].seconds);
      stalled += fast.gemms[g].seconds > unlimited.gemms[g].seconds;
    }
  }
  CHECK(same + dependent == 60 * 4 + 4);
  CHECK(dependent > 5);
  CHECK(stalled > 5);  // the SRAM limit binds with 256 bytes
}

TEST_CASE("chip: numerics and machines outside the models' limits") {
  // RunChips checks before elaborating, so these throw without simulating.
  std::mt19937_64 rng(3);
  RandomGemm g = gemmsim::testing::MakeRandomGemm(
      rng, 4, 4, 4, gemmsim::FormatByName("bf16"), 1.0, false);
  cost::GemmShape s;
  s.m = s.n = s.k = 4;
  models::ChipJob job;
  job.machine = MacArray8x8();
  job.gemms = {s};
  job.operands = {
      {g.problem, MacNumerics("bf16", "fp32", Rounding::kNearestEven, "fp32")}};
  job.mode = models::EngineMode::kCycle;
  int cases = 0;
  const auto throws = [&](models::ChipJob bad) {
    CHECK_THROWS_AS(models::RunChips({bad}), gemmsim::Error);
    ++cases;
  };
  models::ChipJob bad = job;
  bad.operands[0].numerics.accumulate.block = 4;
  throws(bad);
  bad = job;
  bad.operands[0].numerics.accumulate.rounding.mode = Rounding::kStochastic;
  throws(bad);
  bad = job;
  bad.gemms[0].k = 5;  // the operands are 4 x 4 x 4
  throws(bad);
  bad = job;
  bad.gemms[0].batch = 2;
  throws(bad);
  bad = job;
  bad.operands.clear();  // cycle mode needs operands
  throws(bad);
  bad = job;
  bad.machine.fill_drain_exposed = false;  // hidden, as on the Gaudis
  throws(bad);
  bad = job;
  bad.machine.compute_efficiency = 0.9;
  throws(bad);
  bad = job;
  bad.machine.dtypes["bf16"].macs_per_cycle = 32;
  throws(bad);
  CHECK(cases == 8);
}
