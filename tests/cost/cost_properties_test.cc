// Properties of the cost model that do not depend on calibration: wave
// quantisation (costs step at tile and wave boundaries and never fall as a
// dimension grows), the exact systolic formula, overlap and memory reuse.
#include <doctest/doctest.h>

#include "app/config/machine_file.h"
#include "models/cost/cost_model.h"
#include "models/cost/systolic_formula.h"
#include "tests/cost/gemm_shape.h"

namespace gemmsim::cost {
namespace {

TEST_CASE("compute time never falls as M, N or K grows") {
  int cases = 0;
  const std::vector<std::string> presets = app::MachinePresetNames();
  for (const std::string& name : presets) {
    const Machine machine = app::LoadMachine(name);
    double previous_m = 0, previous_n = 0, previous_k = 0;
    for (int64_t size = 1; size <= 2048; size += 37) {
      const double by_m =
          EstimateGemm(machine, Shape(size, 512, 512)).compute_seconds;
      const double by_n =
          EstimateGemm(machine, Shape(512, size, 512)).compute_seconds;
      const double by_k =
          EstimateGemm(machine, Shape(512, 512, size)).compute_seconds;
      CAPTURE(name);
      CAPTURE(size);
      CHECK(by_m >= previous_m);
      CHECK(by_n >= previous_n);
      CHECK(by_k >= previous_k);
      previous_m = by_m, previous_n = by_n, previous_k = by_k;
      ++cases;
    }
  }
  CHECK(presets.size() == 7);
  CHECK(cases == 7 * 56);  // 7 machines, sizes 1, 38, ..., 2036
}

TEST_CASE("wave quantisation: a partly filled tile or wave costs in full") {
  const Machine gaudi3 = app::LoadMachine("gaudi3");  // 8 engines, 256x256
  // 8 tiles of 256x256 are one wave; 9 tiles are two (the fill/drain skew,
  // paid once, keeps the ratio a little under 2).
  const double one_wave =
      EstimateGemm(gaudi3, Shape(2048, 256, 4096)).compute_seconds;
  const double two_waves =
      EstimateGemm(gaudi3, Shape(2304, 256, 4096)).compute_seconds;
  CHECK(two_waves > 1.8 * one_wave);
  // One more row needs a new tile row: 8 more tiles, one more wave.
  CHECK(EstimateGemm(gaudi3, Shape(2049, 256, 4096)).compute_seconds ==
        doctest::Approx(two_waves));
  // Within a tile the size does not matter.
  CHECK(EstimateGemm(gaudi3, Shape(2047, 250, 4096)).compute_seconds ==
        doctest::Approx(one_wave));
  // Utilisation peaks on whole waves.
  CHECK(EstimateGemm(gaudi3, Shape(2048, 256, 4096)).utilization >
        EstimateGemm(gaudi3, Shape(2049, 256, 4096)).utilization);
}

// Issue 11, finding 7: h100 called a decode GEMV compute-bound at 0.2%
// utilisation (M = 1 padded to a 128-row tile on 16 of 132 SMs).
TEST_CASE("a GEMV is memory-bound on every machine; split-K shares K") {
  int checked = 0;
  for (const char* name : {"gaudi2", "gaudi3", "h100"}) {
    const Machine machine = app::LoadMachine(name);
    const Cost c = EstimateGemm(machine, Shape(1, 4096, 4096));
    CAPTURE(name);
    CHECK(c.bound == Bound::kMemory);
    // 4096 x 4096 bf16 weights at the machine's bandwidth.
    CHECK(c.seconds ==
          doctest::Approx(c.bytes / (machine.memory_bandwidth_gbs * 1e9)));
    ++checked;
  }
  CHECK(checked == 3);
  const Machine h100 = app::LoadMachine("h100");
  REQUIRE(h100.split_k);
  // 32 tiles of 128x128 on 132 SMs: K split 4 ways, 1024 each: 1024 x 128
  // x 128 / 2048 MACs per cycle = 8192 cycles, plus the skew once (128x256
  // split 8 ways streams as long but has the longer skew).
  const Cost gemv = EstimateGemm(h100, Shape(1, 4096, 4096));
  CHECK(gemv.geometry.cols == 128);
  CHECK(gemv.compute_seconds * h100.clock_ghz * 1e9 ==
        doctest::Approx(8192 + 2 * 128 + 128 - 2));
  Machine unsplit = h100;
  unsplit.split_k = false;
  CHECK(EstimateGemm(unsplit, Shape(1, 4096, 4096)).bound == Bound::kCompute);
  // A GEMM that fills every SM is not split.
  CHECK(EstimateGemm(h100, Shape(8192, 8192, 8192)).compute_seconds ==
        EstimateGemm(unsplit, Shape(8192, 8192, 8192)).compute_seconds);
}

TEST_CASE("SystolicCycles matches a tile-by-tile sum") {
  int cases = 0;
  for (Dataflow df :
       {Dataflow::kOutputStationary, Dataflow::kWeightStationary}) {
    for (int64_t m : {1, 7, 8, 9, 20}) {
      for (int64_t n : {1, 8, 13}) {
        for (int64_t k : {1, 5, 8, 17}) {
          const Geometry g{8, 8};
          int64_t sum = 0;
          if (df == Dataflow::kOutputStationary) {
            for (int64_t i = 0; i < m; i += 8)
              for (int64_t j = 0; j < n; j += 8)
                sum += k + 2 * std::min<int64_t>(8, m - i) +
                       std::min<int64_t>(8, n - j) - 2;
          } else {
            for (int64_t i = 0; i < k; i += 8)
              for (int64_t j = 0; j < n; j += 8)
                sum += 2 * std::min<int64_t>(8, k - i) + m +
                       std::min<int64_t>(8, n - j) - 2;
          }
          CHECK(SystolicCycles(g, df, m, n, k) == sum);
          ++cases;
        }
      }
    }
  }
  CHECK(cases == 2 * 5 * 3 * 4);
  // The README's worked example.
  CHECK(SystolicCycles({8, 8}, Dataflow::kOutputStationary, 16, 16, 16) == 152);
  CHECK(SystolicCycles({8, 8}, Dataflow::kOutputStationary, 0, 16, 16) == 0);
}

TEST_CASE("the bare-array presets follow SystolicCycles exactly") {
  const Machine mac = app::LoadMachine("mac-array-8x8");
  const Cost c = EstimateGemm(mac, Shape(20, 13, 17));
  CHECK(c.compute_seconds * 1e9 ==
        doctest::Approx(static_cast<double>(
            SystolicCycles({8, 8}, Dataflow::kOutputStationary, 20, 13, 17))));
  const Machine tpu = app::LoadMachine("systolic-128");
  const Cost t = EstimateGemm(tpu, Shape(300, 200, 400));
  CHECK(t.compute_seconds * 0.94e9 ==
        doctest::Approx(static_cast<double>(SystolicCycles(
            {128, 128}, Dataflow::kWeightStationary, 300, 200, 400))));
  // overlap: sum adds memory to compute.
  CHECK(t.seconds == doctest::Approx(t.compute_seconds + t.memory_seconds));
}

TEST_CASE("SRAM capacity decides re-reads") {
  Machine machine = app::LoadMachine("gaudi2");
  const GemmShape s = Shape(8192, 8192, 8192);
  const double big_sram = [&] {
    machine.sram_bytes = int64_t{1} << 40;
    return EstimateGemm(machine, s).bytes;
  }();
  machine.sram_bytes = 8 << 20;
  const double small_sram = EstimateGemm(machine, s).bytes;
  // With everything resident: A, B once and D written once.
  CHECK(big_sram == doctest::Approx(3.0 * 8192 * 8192 * 2));
  CHECK(small_sram > big_sram);
}

TEST_CASE("count and batch scale time; a trace adds up") {
  const Machine machine = app::LoadMachine("h100");
  GemmShape one = Shape(4096, 4096, 4096);
  GemmShape three = one;
  three.count = 3;
  GemmShape batched = one;
  batched.batch = 2;
  const Cost c1 = EstimateGemm(machine, one);
  CHECK(EstimateGemm(machine, three).seconds ==
        doctest::Approx(3 * c1.seconds));
  CHECK(EstimateGemm(machine, batched).seconds >= 2 * c1.seconds * 0.99);
  const std::vector<GemmShape> trace = {one, three};
  const TraceCost t = EstimateTrace(machine, trace);
  REQUIRE(t.gemms.size() == 2);
  CHECK(t.total.seconds == doctest::Approx(4 * c1.seconds));
  CHECK(t.total.tflops == doctest::Approx(c1.tflops));
  CHECK(t.total.utilization == doctest::Approx(c1.utilization));
}

}  // namespace
}  // namespace gemmsim::cost
