// The calibrated presets against the measured best GEMMs of the public MAMF
// benchmark (SPEC.md "Machines and throughput"): within 5% on Gaudi 2 and
// 10% on Gaudi 3, and a decode-shaped GEMM memory-bound.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "app/config/machine_file.h"
#include "models/cost/cost_model.h"

namespace gemmsim::cost {
namespace {

struct Point {
  const char* machine;
  int64_t m, n, k;
  const char* dtype;
  double measured_tflops;
  double tolerance;
};

TEST_CASE("the Gaudi presets reproduce the measured MAMF figures") {
  const Point points[] = {
      {"gaudi2", 14336, 15360, 2048, "bf16", 418.7, 0.05},
      {"gaudi2", 6144, 11264, 5120, "fp8", 826.5, 0.05},
      {"gaudi3", 16384, 4096, 768, "bf16", 1243, 0.10},
      {"gaudi3", 16640, 1536, 3072, "fp8", 1289.5, 0.10},
  };
  int cases = 0;
  for (const Point& p : points) {
    const Machine machine = app::LoadMachine(p.machine);
    GemmShape s;
    s.m = p.m, s.n = p.n, s.k = p.k, s.dtype = p.dtype;
    const Cost c = EstimateGemm(machine, s);
    const double deviation = c.tflops / p.measured_tflops - 1;
    std::printf(
        "%s %s %lldx%lldx%lld: model %.1f TFLOP/s, measured %.1f, "
        "deviation %+.2f%%\n",
        p.machine, p.dtype, static_cast<long long>(p.m),
        static_cast<long long>(p.n), static_cast<long long>(p.k), c.tflops,
        p.measured_tflops, 100 * deviation);
    CAPTURE(p.machine);
    CAPTURE(p.dtype);
    CHECK(std::abs(deviation) < p.tolerance);
    // The calibration points are big GEMMs: compute-bound.
    CHECK(c.bound == Bound::kCompute);
    CHECK(c.utilization < 1);
    ++cases;
  }
  CHECK(cases == 4);
}

TEST_CASE("a decode-shaped GEMM is memory-bound on gaudi2") {
  const Machine machine = app::LoadMachine("gaudi2");
  GemmShape s;
  s.m = 16, s.n = 8192, s.k = 8192, s.dtype = "bf16";
  const Cost c = EstimateGemm(machine, s);
  CHECK(c.bound == Bound::kMemory);
  CHECK(c.memory_seconds > c.compute_seconds);
  // The 8192x8192 bf16 weights dominate: 134 MB at 2.46 TB/s.
  CHECK(c.seconds == doctest::Approx(c.bytes / 2460e9));
  CHECK(c.bytes > 8192.0 * 8192 * 2);
}

}  // namespace
}  // namespace gemmsim::cost
