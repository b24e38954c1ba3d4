#include "app/replay/element_errors.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datapaths/error.h"
#include "datapaths/reference/error_metrics.h"

namespace gemmsim::app {
namespace {

bool Matches(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

}  // namespace

void ElementErrors::Add(std::span<const double> d,
                        std::span<const double> exact,
                        std::span<const double> observed, int64_t population,
                        const Format& output_format) {
  if (d.size() != exact.size() ||
      (!observed.empty() && observed.size() != d.size()))
    throw Error(ExitCode::kInternal, "ElementErrors::Add: sizes differ");
  Stratum fro{population}, ulp{population}, match{population}, seen{population};
  for (size_t i = 0; i < d.size(); ++i) {
    const double di = d[i], ei = exact[i];
    nan_count_ += std::isnan(di);
    inf_count_ += std::isinf(di);
    overflow_count_ += !std::isfinite(di) && std::isfinite(ei);
    match.Add(Matches(di, ei), 1);
    if (!observed.empty()) seen.Add(Matches(di, observed[i]), 1);
    if (!std::isfinite(di) || !std::isfinite(ei)) {
      unbounded_ += reference::UnboundedError(di, ei);
      // Counted, not measured (as CompareToExact): x = 0 keeps them out.
      fro.Add(0, 0);
      ulp.Add(0, 0);
      continue;
    }
    const double abs_error = std::fabs(di - ei);
    max_abs_ = std::max(max_abs_, abs_error);
    if (ei != 0) max_rel_ = std::max(max_rel_, abs_error / std::fabs(ei));
    const long double e = static_cast<long double>(di) - ei;
    fro.Add(e * e, static_cast<long double>(ei) * ei);
    ulp.Add(abs_error / reference::UlpAt(output_format, ei), 1);
  }
  samples_ += static_cast<int64_t>(d.size());
  elements_ += population;
  fro_.AddStratum(fro);
  ulp_.AddStratum(ulp);
  match_.AddStratum(match);
  if (!observed.empty()) observed_.AddStratum(seen);
}

Interval FroInterval(double point, const StratifiedRatio& squares) {
  if (squares.exact() || point == 0) return {point, point, point};
  // The delta method on log(R), R = rel_fro^2: sums of squared errors are
  // right-skewed (a few large errors), and a symmetric interval on R
  // undercovers from above; half of the log-interval is then the interval
  // of log(rel_fro).
  const double r = point * point;
  const double half_log =
      kZ95 * std::sqrt(static_cast<double>(squares.Variance())) / r / 2;
  return {point, point * std::exp(-half_log), point * std::exp(half_log)};
}

Interval MeanInterval(double point, const StratifiedRatio& ratio) {
  if (ratio.exact()) return {point, point, point};
  const double half = kZ95 * std::sqrt(static_cast<double>(ratio.Variance()));
  return {point, std::max(0.0, point - half), point + half};
}

Interval FractionInterval(double point, const StratifiedRatio& ratio) {
  if (ratio.exact()) return {point, point, point};
  const Bounds b = WilsonInterval(point, ratio.EffectiveSize(point));
  return {point, b.low, b.high};
}

SampledError ElementErrors::Estimate() const {
  SampledError e;
  e.samples = samples_;
  e.elements = elements_;
  e.rel_fro_error =
      FroInterval(std::sqrt(static_cast<double>(fro_.Ratio())), fro_);
  e.mean_ulp_error = MeanInterval(static_cast<double>(ulp_.Ratio()), ulp_);
  e.exact_match_fraction = FractionInterval(
      match_.empty() ? 1.0 : static_cast<double>(match_.Ratio()), match_);
  if (!observed_.empty()) {
    e.observed_match_fraction =
        FractionInterval(static_cast<double>(observed_.Ratio()), observed_);
  }
  e.max_abs_error_seen = max_abs_;
  e.max_rel_error_seen = max_rel_;
  e.nan_count = nan_count_;
  e.inf_count = inf_count_;
  if (unbounded_) MakeUnbounded(e);
  return e;
}

void MakeUnbounded(SampledError& e) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  e.rel_fro_error = e.mean_ulp_error = {kInf, kInf, kInf};
  e.max_abs_error_seen = e.max_rel_error_seen = kInf;
}

SampledError EstimateSampledError(const ElementSample& sample,
                                  const Numerics& numerics) {
  const Format& out = numerics.output.format;
  ElementErrors errors;
  errors.Add(sample.d, sample.exact, sample.observed, sample.elements, out);
  SampledError e = errors.Estimate();
  // Points exactly as the full run's CompareToExact computes them.
  const reference::ErrorMetrics m =
      reference::CompareToExact(sample.d, sample.exact, out);
  e.rel_fro_error = FroInterval(m.rel_fro_error, errors.fro());
  e.mean_ulp_error = MeanInterval(m.mean_ulp_error, errors.ulp());
  e.exact_match_fraction =
      FractionInterval(m.exact_match_fraction(), errors.match());
  if (!sample.observed.empty()) {
    const double point =
        reference::CompareToExact(sample.d, sample.observed, out)
            .exact_match_fraction();
    e.observed_match_fraction = FractionInterval(point, errors.observed());
  }
  e.max_abs_error_seen = m.max_abs_error;
  e.max_rel_error_seen = m.max_rel_error;
  if (m.unbounded) MakeUnbounded(e);
  return e;
}

}  // namespace gemmsim::app
