// Error statistics from evaluated output elements: every element of a GEMM
// (a full run) or a uniform sample of them (--sample S, SPEC.md "Command
// line"). One GEMM gives the per-GEMM report; several GEMMs, one stratum
// each, give the total over all their elements (rel_fro_error =
// sqrt(sum of all e^2 / sum of all exact^2), not a mean of ratios).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "app/replay/stratified_ratio.h"
#include "app/trace/element_sample.h"
#include "app/trace/evaluate.h"
#include "datapaths/formats/format.h"

namespace gemmsim::app {

// EstimateSampledError (declared in element_sample.h) is defined with these
// statistics, in element_errors.cc.

// Accumulates error statistics over GEMMs: each Add is one stratum.
class ElementErrors {
 public:
  // `population` elements of which these (aligned spans; observed empty
  // when none) were drawn uniformly; population == d.size() for a full run.
  void Add(std::span<const double> d, std::span<const double> exact,
           std::span<const double> observed, int64_t population,
           const Format& output_format);
  // Point estimates are the ratios over all strata; intervals as
  // StratifiedRatio gives them. Maxima and NaN/Inf counts are over the
  // elements seen. One element seen with an unbounded error (an overflow:
  // reference::UnboundedError) makes every error estimate and its interval
  // +Inf: the full run's metrics are then Inf for certain.
  SampledError Estimate() const;
  int64_t overflow_count() const { return overflow_count_; }  // seen
  bool has_observed() const { return !observed_.empty(); }
  const StratifiedRatio& fro() const { return fro_; }  // y = e^2, x = exact^2
  const StratifiedRatio& ulp() const { return ulp_; }  // y = ulps, x = measured
  const StratifiedRatio& match() const { return match_; }        // vs exact
  const StratifiedRatio& observed() const { return observed_; }  // vs observed

 private:
  StratifiedRatio fro_, ulp_, match_, observed_;
  int64_t samples_ = 0, elements_ = 0, nan_count_ = 0, inf_count_ = 0,
          overflow_count_ = 0, unbounded_ = 0;
  double max_abs_ = 0, max_rel_ = 0;
};

// Every error estimate and interval +Inf (an unbounded error was seen).
void MakeUnbounded(SampledError& e);

// Intervals around given point estimates (rel_fro: sqrt of the interval of
// its square; mean_ulp: normal, clamped at 0; fractions: Wilson), each
// collapsing to the point when every stratum was evaluated in full.
Interval FroInterval(double point, const StratifiedRatio& squares);
Interval MeanInterval(double point, const StratifiedRatio& ratio);
Interval FractionInterval(double point, const StratifiedRatio& ratio);

}  // namespace gemmsim::app
