// What gemmsim replay writes: a table for stdout, one JSON object (--json)
// and a CSV row per GEMM plus a total row (--csv). Key names are SPEC.md's
// ("Command line", JSON reports); a sampled statistic adds `<key>_low` and
// `<key>_high`, the bounds of its 95% confidence interval.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/replay/replay_run.h"
#include "app/trace/trace.h"

namespace gemmsim::app {

// One error report, full or sampled, as every writer shows it. Full
// reports have zero-width intervals.
struct ErrorView {
  bool sampled = false;      // some elements were not evaluated
  int64_t samples = 0;       // elements evaluated
  int64_t elements = 0;      // elements in all
  int64_t measured = -1;     // finite D and exact; -1: not known (sampled)
  double max_abs_error = 0;  // sampled: over the sample, a lower bound
  double max_rel_error = 0;
  Interval rel_fro_error, mean_ulp_error;
  Interval exact_match_vs_exact;
  std::optional<Interval> exact_match_vs_observed;
  int64_t nan_count = 0, inf_count = 0, overflow_count = 0;  // seen
  // Against the unquantized operands (full runs of value operands only).
  std::optional<double> rel_fro_error_vs_unquantized;
  // SPEC.md: exact_match_fraction is against `observed` where given.
  const Interval& exact_match() const {
    return exact_match_vs_observed ? *exact_match_vs_observed
                                   : exact_match_vs_exact;
  }
};

std::optional<ErrorView> GemmErrorView(const GemmReplay& r);
std::optional<ErrorView> TotalErrorView(const ReplayResult& r);

struct ReplayReportContext {
  const Trace* trace = nullptr;
  const ReplayOptions* options = nullptr;
  const ReplayResult* result = nullptr;
};

std::string ReplayTable(const ReplayReportContext& c);
nlohmann::json ReplayJson(const ReplayReportContext& c);
std::string ReplayCsv(const ReplayReportContext& c);

}  // namespace gemmsim::app
