// The budget's pick (fewest accumulator bits, ties to the smaller error) and
// the aggregation of GEMM errors over a trace.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "app/sweep/budget.h"
#include "app/sweep/sweep_metrics.h"
#include "datapaths/error.h"
#include "datapaths/reference/error_metrics.h"

namespace gemmsim::app {
namespace {

TEST_CASE("accumulator bits: sign + exponent + mantissa, integer width") {
  const std::vector<std::pair<const char*, int>> cases = {
      {"fp32", 32},  {"tf32", 19},  {"bf16", 16},  {"e8m7", 16},
      {"e8m10", 19}, {"e5m10", 16}, {"int16", 16}, {"int32", 32}};
  int checked = 0;
  for (const auto& [name_, bits] : cases) {
    const char* name = name_;  // CAPTURE cannot capture a binding (clang 14)
    AccumulateSpec spec;
    spec.format = FormatByName(name);
    CAPTURE(name);
    CHECK(AccumulatorBits(spec) == bits);
    ++checked;
  }
  CHECK(checked == 8);
}

TEST_CASE("budget: fewest bits within the budget, ties to the smaller error") {
  const std::vector<BudgetCandidate> points = {
      {32, 1e-7, false}, {16, 2e-3, false}, {16, 1e-3, false},
      {12, 5e-2, false}, {8, 1e-9, true},   {10, NAN, false},
      {19, 1e-4, false}};
  CHECK(PickNarrowest(points, 1e-2) == size_t{2});  // 16 bits, 1e-3 < 2e-3
  CHECK(PickNarrowest(points, 2e-3) == size_t{2});
  CHECK(PickNarrowest(points, 5e-4) == size_t{6});  // 19 bits
  CHECK(PickNarrowest(points, 0.1) == size_t{3});   // 12 bits
  CHECK(PickNarrowest(points, 1e-7) == size_t{0});  // the budget is inclusive
  CHECK(!PickNarrowest(points, 1e-8));  // only the overflowed point is below
  CHECK(!PickNarrowest({}, 1.0));
  // Equal bits and equal error: the earlier point.
  CHECK(PickNarrowest({{16, 1e-3, false}, {16, 1e-3, false}}, 1) == size_t{0});
}

TEST_CASE("--metric names") {
  int checked = 0;
  for (const char* name :
       {"rel_fro_error", "max_rel_error", "mean_ulp_error", "max_abs_error"}) {
    CHECK(std::string(SweepMetricName(ParseSweepMetric(name))) == name);
    ++checked;
  }
  CHECK(checked == 4);
  try {
    ParseSweepMetric("rel_error");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    CHECK(std::string(e.what()).find("--metric rel_error") !=
          std::string::npos);
  }
}

// A trace of two GEMMs aggregates as if their outputs were one tensor.
TEST_CASE("trace error: the GEMMs' outputs as one tensor") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  auto draw = [&](size_t n, double scale) {
    std::vector<double> v(n);
    for (double& x : v) x = scale * normal(rng);
    return v;
  };
  const Format fp16 = FormatByName("fp16");
  // Exact values of two GEMMs at different scales, and outputs off by noise.
  std::vector<double> e1 = draw(300, 1.0), e2 = draw(100, 50.0);
  std::vector<double> d1 = e1, d2 = e2;
  for (double& x : d1) x += 1e-3 * normal(rng);
  for (double& x : d2) x *= 1 + 1e-2 * normal(rng);
  // Non-finite values that agree with the exact ones: counted, left out
  // of the norms (an overflow is the next test's).
  d2[5] = e2[5] = INFINITY;
  d1[9] = e1[9] = NAN;

  TraceErrorSum sum;
  int gemms = 0;
  for (const auto& [d, e] : {std::pair{&d1, &e1}, std::pair{&d2, &e2}}) {
    GemmError error;
    error.vs_exact = reference::CompareToExact(*d, *e, fp16);
    for (size_t i = 0; i < d->size(); ++i)
      error.overflow_count += !std::isfinite((*d)[i]);
    if (gemms == 1) {  // only the second GEMM has an observed output
      error.vs_observed = reference::ErrorMetrics{};
      error.vs_observed->count = 100;
      error.vs_observed->exact_matches = 40;
    }
    sum.Add(error, *d, *e);
    ++gemms;
  }
  CHECK(gemms == 2);
  std::vector<double> d_all = d1, e_all = e1;
  d_all.insert(d_all.end(), d2.begin(), d2.end());
  e_all.insert(e_all.end(), e2.begin(), e2.end());
  const reference::ErrorMetrics whole =
      reference::CompareToExact(d_all, e_all, fp16);
  const PointMetrics m = sum.Result();
  CHECK(m.rel_fro_error == doctest::Approx(whole.rel_fro_error).epsilon(1e-12));
  CHECK(m.max_rel_error == whole.max_rel_error);
  CHECK(m.max_abs_error == whole.max_abs_error);
  CHECK(m.mean_ulp_error ==
        doctest::Approx(whole.mean_ulp_error).epsilon(1e-12));
  CHECK(m.elements == 400);
  CHECK(m.nan_count == 1);
  CHECK(m.inf_count == 1);
  CHECK(m.overflow_count == 2);
  REQUIRE(m.exact_match_fraction);
  CHECK(*m.exact_match_fraction == 0.4);
  // The larger GEMM dominates the Frobenius norm: not the mean of the two.
  const double e1_only = reference::CompareToExact(d1, e1, fp16).rel_fro_error;
  const double e2_only = reference::CompareToExact(d2, e2, fp16).rel_fro_error;
  CHECK(std::fabs(m.rel_fro_error - e2_only) <
        std::fabs(m.rel_fro_error - (e1_only + e2_only) / 2));
}

// Issue 11, finding 2: a point whose outputs overflowed reported error 0
// (the sweep's "best" point). One overflowed element in one GEMM of two
// makes every error of the point Inf.
TEST_CASE("trace error: an overflowed output makes the point's errors Inf") {
  const Format fp16 = FormatByName("fp16");
  const std::vector<double> e1 = {1, 2, 3}, e2 = {512, 512};
  const std::vector<double> d1 = {1, 2, 3}, d2 = {512, INFINITY};
  TraceErrorSum sum;
  for (const auto& [d, e] : {std::pair{&d1, &e1}, std::pair{&d2, &e2}}) {
    GemmError error;
    error.vs_exact = reference::CompareToExact(*d, *e, fp16);
    sum.Add(error, *d, *e);
  }
  const PointMetrics m = sum.Result();
  int checked = 0;
  for (SweepMetric metric : {SweepMetric::kRelFro, SweepMetric::kMaxRel,
                             SweepMetric::kMeanUlp, SweepMetric::kMaxAbs}) {
    CHECK(MetricValue(m, metric) == INFINITY);
    ++checked;
  }
  CHECK(checked == 4);
  CHECK(m.inf_count == 1);
}

// Issue 11: a point's error also against the unquantized operands.
TEST_CASE("trace error against the unquantized operands") {
  const Format fp16 = FormatByName("fp16");
  const std::vector<double> d = {1, 2}, exact = {1, 2}, raw = {1, 2.5};
  GemmError error;
  error.vs_exact = reference::CompareToExact(d, exact, fp16);
  TraceErrorSum sum;
  sum.Add(error, d, exact, raw);
  sum.Add(error, d, exact, raw);  // two GEMMs: the norms add up
  const PointMetrics m = sum.Result();
  CHECK(m.rel_fro_error == 0);
  REQUIRE(m.rel_fro_error_vs_unquantized);
  CHECK(*m.rel_fro_error_vs_unquantized ==
        doctest::Approx(std::sqrt(2 * 0.25 / (2 * (1 + 6.25)))));
  // A GEMM of codes has no unquantized result: the point has none.
  sum.Add(error, d, exact, {});
  CHECK_FALSE(sum.Result().rel_fro_error_vs_unquantized);
}

}  // namespace
}  // namespace gemmsim::app
