#include "app/sweep/sweep_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datapaths/error.h"

namespace gemmsim::app {

SweepMetric ParseSweepMetric(const std::string& name) {
  for (SweepMetric m : {SweepMetric::kRelFro, SweepMetric::kMaxRel,
                        SweepMetric::kMeanUlp, SweepMetric::kMaxAbs}) {
    if (name == SweepMetricName(m)) return m;
  }
  throw ConfigError("--metric " + name +
                    ": expected rel_fro_error, max_rel_error, mean_ulp_error "
                    "or max_abs_error");
}

const char* SweepMetricName(SweepMetric metric) {
  switch (metric) {
    case SweepMetric::kRelFro:
      return "rel_fro_error";
    case SweepMetric::kMaxRel:
      return "max_rel_error";
    case SweepMetric::kMeanUlp:
      return "mean_ulp_error";
    case SweepMetric::kMaxAbs:
      return "max_abs_error";
  }
  return "?";
}

double MetricValue(const PointMetrics& m, SweepMetric metric) {
  switch (metric) {
    case SweepMetric::kRelFro:
      return m.rel_fro_error;
    case SweepMetric::kMaxRel:
      return m.max_rel_error;
    case SweepMetric::kMeanUlp:
      return m.mean_ulp_error;
    case SweepMetric::kMaxAbs:
      return m.max_abs_error;
  }
  return 0;
}

void TraceErrorSum::Norm::Add(double v) {
  const double a = std::fabs(v);
  if (a == 0 || !std::isfinite(a)) return;
  if (scale < a) {
    ssq = 1 + ssq * (scale / a) * (scale / a);
    scale = a;
  } else {
    ssq += (a / scale) * (a / scale);
  }
}

double TraceErrorSum::Norm::value() const { return scale * std::sqrt(ssq); }

void TraceErrorSum::Add(const GemmError& error, const std::vector<double>& d,
                        const std::vector<double>& exact,
                        const std::vector<double>& unquantized) {
  if (unquantized.size() != d.size()) {
    every_unquantized_ = false;
  } else {
    for (size_t i = 0; i < d.size(); ++i) {
      if (!std::isfinite(d[i]) || !std::isfinite(unquantized[i])) {
        unquantized_unbounded_ +=
            reference::UnboundedError(d[i], unquantized[i]);
        continue;
      }
      unquantized_error_.Add(d[i] - unquantized[i]);
      unquantized_reference_.Add(unquantized[i]);
    }
  }
  const reference::ErrorMetrics& e = error.vs_exact;
  // The norms over the elements CompareToExact measures (both finite), in
  // its order, so that a one-GEMM trace reports the GEMM's own value.
  for (size_t i = 0; i < d.size() && i < exact.size(); ++i) {
    if (!std::isfinite(d[i]) || !std::isfinite(exact[i])) continue;
    error_.Add(d[i] - exact[i]);
    reference_.Add(exact[i]);
  }
  m_.max_rel_error = std::max(m_.max_rel_error, e.max_rel_error);
  m_.max_abs_error = std::max(m_.max_abs_error, e.max_abs_error);
  ulp_sum_ += e.mean_ulp_error * static_cast<double>(e.measured);
  measured_ += e.measured;
  unbounded_ += e.unbounded;
  m_.elements += e.count;
  m_.nan_count += e.nan_count;
  m_.inf_count += e.inf_count;
  m_.overflow_count += error.overflow_count;
  if (error.vs_observed) {
    observed_matches_ += error.vs_observed->exact_matches;
    observed_count_ += error.vs_observed->count;
  }
}

PointMetrics TraceErrorSum::Result() const {
  PointMetrics m = m_;
  const double reference = reference_.value();
  m.rel_fro_error = reference > 0 ? error_.value() / reference : 0;
  m.mean_ulp_error = measured_ ? ulp_sum_ / static_cast<double>(measured_) : 0;
  if (unbounded_) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    m.rel_fro_error = m.max_rel_error = m.mean_ulp_error = m.max_abs_error =
        kInf;
  }
  if (every_unquantized_) {
    const double r = unquantized_reference_.value();
    m.rel_fro_error_vs_unquantized =
        unquantized_unbounded_ ? std::numeric_limits<double>::infinity()
        : r > 0                ? unquantized_error_.value() / r
                               : 0.0;
  }
  if (observed_count_) {
    m.exact_match_fraction = static_cast<double>(observed_matches_) /
                             static_cast<double>(observed_count_);
  }
  return m;
}

}  // namespace gemmsim::app
