// The error of one sweep point over a whole trace: every GEMM's D against
// its exact result, aggregated as if the trace's outputs were one tensor
// (rel_fro_error over all elements, maxima of the maxima, mean_ulp_error
// weighted by measured elements), plus the bit-exact agreement with the
// `observed` outputs where the trace gives them. GEMM `count` is a
// throughput weight only and does not enter the error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/trace/evaluate.h"

namespace gemmsim::app {

struct PointMetrics {
  double rel_fro_error = 0;
  double max_rel_error = 0;
  double mean_ulp_error = 0;
  double max_abs_error = 0;
  // rel_fro_error against the exact result of the unquantized operands (the
  // total error of the format choice); nullopt when a GEMM's operands are
  // codes, which have no unquantized values.
  std::optional<double> rel_fro_error_vs_unquantized;
  // Against `observed`, over the GEMMs that have one; nullopt when none.
  std::optional<double> exact_match_fraction;
  int64_t elements = 0;
  int64_t nan_count = 0, inf_count = 0, overflow_count = 0;
  double seconds = 0;  // wall time of the point (emulation and comparison)
};

// --metric: the metric the budget and the plot use.
enum class SweepMetric { kRelFro, kMaxRel, kMeanUlp, kMaxAbs };
// ConfigError (exit 2) naming --metric and the choices.
SweepMetric ParseSweepMetric(const std::string& name);
const char* SweepMetricName(SweepMetric metric);
double MetricValue(const PointMetrics& m, SweepMetric metric);

// Sums GEMM errors into a PointMetrics.
class TraceErrorSum {
 public:
  // `d` is the GEMM's emulated output, `exact` its exact result: the
  // trace's rel_fro_error is computed from them over the elements where
  // both are finite, as CompareToExact measures them; a GEMM with an
  // unbounded error (an overflow) makes every error of the point +Inf.
  // `unquantized`: UnquantizedResult (empty for codes).
  void Add(const GemmError& error, const std::vector<double>& d,
           const std::vector<double>& exact,
           const std::vector<double>& unquantized = {});
  PointMetrics Result() const;

 private:
  // ||x||_2 of everything added, with a running scale (no overflow).
  struct Norm {
    double scale = 0, ssq = 1;
    void Add(double v);
    double value() const;
  };
  Norm error_, reference_;
  Norm unquantized_error_, unquantized_reference_;
  bool every_unquantized_ = true;
  int64_t unquantized_unbounded_ = 0;
  PointMetrics m_;
  double ulp_sum_ = 0;
  int64_t measured_ = 0, unbounded_ = 0;
  int64_t observed_matches_ = 0, observed_count_ = 0;
};

}  // namespace gemmsim::app
