// Full and sampled error reports in the one shape every writer shows.
#include "app/replay/replay_report.h"

namespace gemmsim::app {
namespace {

Interval Exactly(double v) { return {v, v, v}; }

ErrorView FromSample(const SampledError& s, int64_t overflow_count) {
  ErrorView v;
  v.sampled = s.samples < s.elements;
  v.samples = s.samples;
  v.elements = s.elements;
  v.max_abs_error = s.max_abs_error_seen;
  v.max_rel_error = s.max_rel_error_seen;
  v.rel_fro_error = s.rel_fro_error;
  v.mean_ulp_error = s.mean_ulp_error;
  v.exact_match_vs_exact = s.exact_match_fraction;
  v.exact_match_vs_observed = s.observed_match_fraction;
  v.nan_count = s.nan_count;
  v.inf_count = s.inf_count;
  v.overflow_count = overflow_count;
  return v;
}

}  // namespace

std::optional<ErrorView> GemmErrorView(const GemmReplay& r) {
  if (r.sampled) return FromSample(*r.sampled, r.overflow_count);
  if (!r.full) return std::nullopt;
  const reference::ErrorMetrics& m = r.full->vs_exact;
  ErrorView v;
  v.samples = v.elements = m.count;
  v.measured = m.measured;
  v.max_abs_error = m.max_abs_error;
  v.max_rel_error = m.max_rel_error;
  v.rel_fro_error = Exactly(m.rel_fro_error);
  v.mean_ulp_error = Exactly(m.mean_ulp_error);
  v.exact_match_vs_exact = Exactly(m.exact_match_fraction());
  if (r.full->vs_observed) {
    v.exact_match_vs_observed =
        Exactly(r.full->vs_observed->exact_match_fraction());
  }
  v.nan_count = m.nan_count;
  v.inf_count = m.inf_count;
  v.overflow_count = r.full->overflow_count;
  if (r.full->vs_unquantized)
    v.rel_fro_error_vs_unquantized = r.full->vs_unquantized->rel_fro_error;
  return v;
}

std::optional<ErrorView> TotalErrorView(const ReplayResult& r) {
  if (!r.total_error) return std::nullopt;
  ErrorView v = FromSample(*r.total_error, r.total_overflow_count);
  // A GEMM without `observed` has no match against it: the total's
  // observed fraction covers only the GEMMs that have one.
  if (!r.total_has_observed) v.exact_match_vs_observed.reset();
  v.rel_fro_error_vs_unquantized = r.total_rel_fro_error_vs_unquantized;
  return v;
}

}  // namespace gemmsim::app
