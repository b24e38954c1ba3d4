// Elaborates the MAC array models once (SystemC elaborates once per process)
// and runs every GEMM of this file through them in one sc_start: cycle and
// fast mode, output and weight stationary. Checks: the same D bits as Gemm
// everywhere, and cycle counts equal to mac_array_timing.h's formulas.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "models/mac_array/mac_array.h"
#include "models/mac_array/mac_array_timing.h"
#include "tests/models/mac_array_test_util.h"

namespace models = gemmsim::models;
using gemmsim::Numerics;
using gemmsim::Rounding;
using gemmsim::testing::MacNumerics;
using gemmsim::testing::RandomGemm;
using gemmsim::testing::SameBits;

namespace {

// Every run gets the same jobs, so the modes and dataflows compare.
std::vector<models::GemmJob> Jobs(const std::vector<RandomGemm>& gemms,
                                  const std::vector<Numerics>& numerics) {
  std::vector<models::GemmJob> jobs;
  for (size_t i = 0; i < gemms.size(); ++i)
    jobs.push_back({gemms[i].problem, numerics[i], {}, 0});
  return jobs;
}

}  // namespace

TEST_CASE("MAC array: cycle and fast modes agree on bits and cycles") {
  std::mt19937_64 rng(2026);
  // Randomized GEMMs on an 8 x 8 array: e4m3fn inputs, fp32 and fp16
  // accumulators, rne and rtz.
  const Numerics kinds[] = {
      MacNumerics("e4m3fn", "fp32", Rounding::kNearestEven, "fp32"),
      MacNumerics("e4m3fn", "fp32", Rounding::kTowardZero, "bf16"),
      MacNumerics("e4m3fn", "fp16", Rounding::kNearestEven, "fp16"),
      MacNumerics("e4m3fn", "fp16", Rounding::kTowardZero, "fp32"),
  };
  std::vector<RandomGemm> random_gemms;
  std::vector<Numerics> random_numerics;
  std::uniform_int_distribution<int> dim(1, 20);
  for (int i = 0; i < 40; ++i) {
    // Scale 120 lets fp16 accumulators overflow now and then.
    random_gemms.push_back(gemmsim::testing::MakeRandomGemm(
        rng, dim(rng), dim(rng), dim(rng), kinds[i % 4].a.format,
        i % 8 < 4 ? 2.0 : 120.0, i % 3 != 0));
    random_numerics.push_back(kinds[i % 4]);
  }
  // A shape sweep on a 3 x 5 array: partial tiles, single rows and
  // columns, empty GEMMs.
  std::vector<RandomGemm> sweep_gemms;
  std::vector<Numerics> sweep_numerics;
  const int sizes[] = {0, 1, 2, 4, 6, 11};
  for (int m : sizes) {
    for (int n : sizes) {
      for (int k : sizes) {
        sweep_gemms.push_back(gemmsim::testing::MakeRandomGemm(
            rng, m, n, k, kinds[0].a.format, 2.0, (m + n + k) % 2 == 0));
        sweep_numerics.push_back(kinds[(m + k) % 4]);
      }
    }
  }
  REQUIRE(random_gemms.size() == 40);
  REQUIRE(sweep_gemms.size() == 216);

  using models::Dataflow;
  using models::MacArrayMode;
  std::vector<models::MacArrayRun> runs;
  for (const auto& [rows, cols, gemms, numerics] :
       {std::tuple{8, 8, &random_gemms, &random_numerics},
        std::tuple{3, 5, &sweep_gemms, &sweep_numerics}}) {
    for (Dataflow flow :
         {Dataflow::kOutputStationary, Dataflow::kWeightStationary}) {
      for (MacArrayMode mode : {MacArrayMode::kCycle, MacArrayMode::kFast}) {
        runs.push_back({{rows, cols, flow}, mode, Jobs(*gemms, *numerics), {}});
      }
    }
  }
  REQUIRE(runs.size() == 8);

  models::RunMacArrays(runs);

  const sc_core::sc_time period(models::kMacArrayClockPeriodNs, sc_core::SC_NS);
  int jobs_checked = 0, outputs_checked = 0, infinities = 0;
  int fast_kernel_jobs = 0;
  for (const models::MacArrayRun& run : runs) {
    REQUIRE(run.elapsed.size() == run.jobs.size());
    for (size_t i = 0; i < run.jobs.size(); ++i) {
      const models::GemmJob& job = run.jobs[i];
      const gemmsim::GemmProblem& p = job.problem;
      CAPTURE(run.config.rows);
      CAPTURE(static_cast<int>(run.config.dataflow));
      CAPTURE(static_cast<int>(run.mode));
      CAPTURE(p.m);
      CAPTURE(p.n);
      CAPTURE(p.k);
      const int64_t cycles =
          models::MacArrayGemmCycles(run.config, p.m, p.n, p.k);
      CHECK(job.cycles == cycles);
      if (run.mode == MacArrayMode::kFast) {
        CHECK(run.elapsed[i] == period * static_cast<double>(cycles));
      } else if (cycles > 0) {
        // Picked up between edges: up to one period before the first step.
        CHECK(run.elapsed[i] > period * static_cast<double>(cycles - 1));
        CHECK(run.elapsed[i] <= period * static_cast<double>(cycles));
      }
      // The fast mode runs the fast kernels, not the per-element fallback.
      if (run.config.rows == 8 && run.mode == MacArrayMode::kFast) {
        CHECK(gemmsim::GemmKernelName(job.numerics, p) != "generic");
        ++fast_kernel_jobs;
      }
      std::vector<double> expected(static_cast<size_t>(p.m * p.n));
      gemmsim::Gemm(p, job.numerics, expected.data(), 1);
      REQUIRE(job.d.size() == expected.size());
      int differing = 0;
      for (size_t e = 0; e < expected.size(); ++e) {
        differing += !SameBits(job.d[e], expected[e]);
        infinities += std::isinf(job.d[e]);
      }
      CHECK(differing == 0);
      outputs_checked += static_cast<int>(expected.size());
      ++jobs_checked;
    }
  }
  CHECK(jobs_checked == 4 * 40 + 4 * 216);
  CHECK(fast_kernel_jobs == 2 * 40);
  CHECK(outputs_checked > 10000);
  // Overflowing fp16 accumulators were exercised (Inf sticks in every mode).
  CHECK(infinities > 0);
}
