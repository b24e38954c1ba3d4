#include "app/sweep/sweep_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "app/config/numerics_file.h"
#include "app/report_json.h"
#include "app/trace/trace.h"

namespace gemmsim::app {
namespace {

nlohmann::json MetricsJson(const PointMetrics& m) {
  return {{"rel_fro_error", JsonNumber(m.rel_fro_error)},
          {"max_rel_error", JsonNumber(m.max_rel_error)},
          {"mean_ulp_error", JsonNumber(m.mean_ulp_error)},
          {"max_abs_error", JsonNumber(m.max_abs_error)},
          {"rel_fro_error_vs_unquantized",
           m.rel_fro_error_vs_unquantized
               ? JsonNumber(*m.rel_fro_error_vs_unquantized)
               : nlohmann::json(nullptr)},
          {"exact_match_fraction", m.exact_match_fraction
                                       ? JsonNumber(*m.exact_match_fraction)
                                       : nlohmann::json(nullptr)},
          {"nan_count", m.nan_count},
          {"inf_count", m.inf_count},
          {"overflow_count", m.overflow_count},
          {"seconds", m.seconds}};
}

std::string AccumulatorName(const SweepNumerics& numerics, size_t point) {
  std::string names;
  for (const Numerics& n : numerics.of_point[point]) {
    const std::string& name = n.accumulate.format.name();
    if (names.find(name) == std::string::npos)
      names += (names.empty() ? "" : "/") + name;
  }
  return names;
}

}  // namespace

std::string SweepTable(const SweepResult& r, bool has_observed) {
  std::vector<size_t> widths;
  for (size_t a = 0; a < r.axes.size(); ++a) {
    size_t w = r.axes[a].key.size();
    for (const SweepRow& row : r.rows) w = std::max(w, row.values[a].size());
    widths.push_back(w);
  }
  std::string header;
  for (size_t a = 0; a < r.axes.size(); ++a)
    header += fmt::format("{:<{}}  ", r.axes[a].key, widths[a]);
  header += fmt::format("{:>13} {:>13} {:>14} {:>13} {:>14}", "rel_fro_error",
                        "max_rel_error", "mean_ulp_error", "max_abs_error",
                        "vs_unquantized");
  if (has_observed) header += fmt::format(" {:>14}", "observed_match");
  header += fmt::format(" {:>8} {:>8} {:>8} {:>8}\n", "nan", "inf", "overflow",
                        "seconds");
  std::string text = header;
  for (const SweepRow& row : r.rows) {
    const PointMetrics& m = row.metrics;
    for (size_t a = 0; a < r.axes.size(); ++a)
      text += fmt::format("{:<{}}  ", row.values[a], widths[a]);
    text +=
        fmt::format("{:>13.4g} {:>13.4g} {:>14.4g} {:>13.4g}", m.rel_fro_error,
                    m.max_rel_error, m.mean_ulp_error, m.max_abs_error);
    text += m.rel_fro_error_vs_unquantized
                ? fmt::format(" {:>14.4g}", *m.rel_fro_error_vs_unquantized)
                : fmt::format(" {:>14}", "-");
    if (has_observed) {
      text += m.exact_match_fraction
                  ? fmt::format(" {:>14.4f}", *m.exact_match_fraction)
                  : fmt::format(" {:>14}", "-");
    }
    text += fmt::format(" {:>8} {:>8} {:>8} {:>8.3f}\n", m.nan_count,
                        m.inf_count, m.overflow_count, m.seconds);
  }
  return text;
}

std::vector<SweepResult::BudgetGroup> BudgetGroups(
    const std::vector<VaryAxis>& axes, const std::vector<SweepPoint>& points) {
  size_t free_axis = 0;
  for (size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].key == "accumulate.format") free_axis = a;
  }
  std::vector<SweepResult::BudgetGroup> groups;
  for (size_t p = 0; p < points.size(); ++p) {
    std::string label;
    for (size_t a = 0; a < axes.size(); ++a) {
      if (a == free_axis) continue;
      label += (label.empty() ? "" : ", ") + axes[a].key + "=" +
               axes[a].values[points[p][a]];
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.label == label; });
    if (it == groups.end()) it = groups.insert(groups.end(), {label, {}, {}});
    it->points.push_back(p);
  }
  return groups;
}

std::string BudgetLine(const SweepResult& r, const SweepNumerics& numerics) {
  const char* metric = SweepMetricName(r.metric);
  auto answer = [&](const std::optional<size_t>& pick,
                    const std::string& where) {
    if (!pick) {
      return fmt::format(
          "budget {} <= {:g}{}: exceeded by every point (no accumulator in "
          "this sweep meets it)\n",
          metric, *r.budget, where);
    }
    const size_t p = *pick;
    return fmt::format(
        "budget {} <= {:g}{}: narrowest accumulator {} ({} bits) at {}: {} "
        "{:.4g}\n",
        metric, *r.budget, where, AccumulatorName(numerics, p),
        r.accumulator_bits[p], PointLabel(r.axes, r.points[p]), metric,
        MetricValue(r.rows[p].metrics, r.metric));
  };
  std::string text = answer(r.budget_pick, "");
  if (r.budget_groups.size() > 1) {
    for (const SweepResult::BudgetGroup& g : r.budget_groups)
      text += answer(g.pick, " with " + g.label);
  }
  return text;
}

LinePlot SweepPlot(const SweepResult& r) {
  LinePlot plot;
  const char* metric = SweepMetricName(r.metric);
  plot.title =
      fmt::format("gemmsim sweep: {} under {}", r.trace->name, r.numerics);
  std::string sets;
  for (const std::string& s : r.sets) sets += ", --set " + s;
  plot.subtitle =
      fmt::format("{} over {} GEMM{} ({}){}", metric, r.trace->gemms.size(),
                  r.trace->gemms.size() == 1 ? "" : "s", r.operands, sets);
  plot.x_label = r.axes[0].key;
  plot.y_label = metric;
  plot.x_values = r.axes[0].values;
  plot.budget = r.budget;
  // Points are in odometer order with the first axis slowest: point
  // x * per_x + s is x value x of series s.
  const size_t per_x = r.points.size() / r.axes[0].values.size();
  for (size_t s = 0; s < per_x; ++s) {
    PlotSeries series;
    const SweepPoint& first = r.points[s];
    for (size_t a = 1; a < r.axes.size(); ++a) {
      series.name += fmt::format("{}{}={}", a > 1 ? ", " : "", r.axes[a].key,
                                 r.axes[a].values[first[a]]);
    }
    for (size_t x = 0; x < r.axes[0].values.size(); ++x) {
      const size_t p = x * per_x + s;
      if (p < r.rows.size())
        series.y.push_back(MetricValue(r.rows[p].metrics, r.metric));
      else
        series.y.push_back(std::nullopt);
    }
    plot.series.push_back(std::move(series));
  }
  return plot;
}

nlohmann::json SweepJson(const SweepResult& r, const SweepNumerics& numerics) {
  nlohmann::json j = JsonHeader();
  j["command"] = "sweep";
  j["trace"] = {{"path", r.trace->path},
                {"name", r.trace->name},
                {"kind", TraceKindName(r.trace->kind)},
                {"gemms", r.trace->gemms.size()}};
  j["operands"] = r.operands;
  j["numerics"] = NumericsToJson(LoadNumerics(r.numerics, r.sets));
  j["numerics_bases"] = numerics.bases;
  j["set"] = r.sets;
  j["metric"] = SweepMetricName(r.metric);
  j["vary"] = nlohmann::json::array();
  for (const VaryAxis& axis : r.axes)
    j["vary"].push_back({{"key", axis.key}, {"values", axis.values}});
  j["points"] = nlohmann::json::array();
  for (size_t p = 0; p < r.points.size(); ++p) {
    nlohmann::json point;
    for (size_t a = 0; a < r.axes.size(); ++a)
      point["values"][r.axes[a].key] = r.rows[p].values[a];
    point["label"] = PointLabel(r.axes, r.points[p]);
    point["accumulator_bits"] = r.accumulator_bits[p];
    point["accumulate"] = nlohmann::json::array();
    for (const Numerics& n : numerics.of_point[p])
      point["accumulate"].push_back(NumericsToJson(n)["accumulate"]);
    point["metrics"] = MetricsJson(r.rows[p].metrics);
    point["resumed"] = static_cast<bool>(r.resumed[p]);
    j["points"].push_back(std::move(point));
  }
  if (r.budget) {
    j["budget"] = {{"metric", SweepMetricName(r.metric)},
                   {"value", *r.budget},
                   {"met", r.budget_pick.has_value()}};
    if (r.budget_pick) {
      const size_t p = *r.budget_pick;
      j["budget"]["point"] = p;
      j["budget"]["label"] = PointLabel(r.axes, r.points[p]);
      j["budget"]["accumulator"] = AccumulatorName(numerics, p);
      j["budget"]["accumulator_bits"] = r.accumulator_bits[p];
      j["budget"]["error"] =
          JsonNumber(MetricValue(r.rows[p].metrics, r.metric));
    }
    nlohmann::json lines = nlohmann::json::array();
    for (const SweepResult::BudgetGroup& g : r.budget_groups) {
      nlohmann::json line = {{"with", g.label}, {"met", g.pick.has_value()}};
      if (g.pick) {
        line["point"] = *g.pick;
        line["label"] = PointLabel(r.axes, r.points[*g.pick]);
        line["accumulator"] = AccumulatorName(numerics, *g.pick);
        line["accumulator_bits"] = r.accumulator_bits[*g.pick];
      }
      lines.push_back(std::move(line));
    }
    j["budget"]["per_line"] = std::move(lines);
  }
  return j;
}

}  // namespace gemmsim::app
