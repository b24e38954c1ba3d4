// What a finished sweep reports: the table on stdout, the budget's answer,
// the plot (metric against the first varied key, one series per
// combination of the others) and the JSON document.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/sweep/svg_plot.h"
#include "app/sweep/sweep_csv.h"
#include "app/sweep/sweep_grid.h"
#include "app/sweep/sweep_job.h"
#include "app/sweep/sweep_metrics.h"

namespace gemmsim::app {

struct SweepResult {
  const Trace* trace = nullptr;
  std::string numerics;  // --numerics as given
  std::vector<std::string> sets;
  std::string operands;  // "from files", or how synthetic ones were drawn
  std::vector<VaryAxis> axes;
  std::vector<SweepPoint> points;
  std::vector<SweepRow> rows;         // one per point, in point order
  std::vector<bool> resumed;          // per point: read back from the CSV
  std::vector<int> accumulator_bits;  // per point (widest over the GEMMs)
  SweepMetric metric = SweepMetric::kRelFro;
  std::optional<double> budget;
  std::optional<size_t> budget_pick;  // the point PickNarrowest chose
  // With more than one --vary key, the budget's answer per line of the
  // others (BudgetGroups).
  struct BudgetGroup {
    std::string label;  // "accumulate.promote.every=32"
    std::vector<size_t> points;
    std::optional<size_t> pick;
  };
  std::vector<BudgetGroup> budget_groups;
};

// The points grouped by the values of every --vary axis but the one that
// varies the accumulator: the accumulate.format axis where there is one,
// else the first (the plot's x axis). One group when there is one axis.
std::vector<SweepResult::BudgetGroup> BudgetGroups(
    const std::vector<VaryAxis>& axes, const std::vector<SweepPoint>& points);

// One row per point: the varied values, the metrics, counts and seconds;
// the observed-match column only when the trace has observed outputs.
std::string SweepTable(const SweepResult& r, bool has_observed);

// The budget's verdict: one line, then one per group when there are
// several.
std::string BudgetLine(const SweepResult& r, const SweepNumerics& numerics);

LinePlot SweepPlot(const SweepResult& r);

nlohmann::json SweepJson(const SweepResult& r, const SweepNumerics& numerics);

}  // namespace gemmsim::app
