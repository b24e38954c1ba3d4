// gemmsim replay's table on stdout: a row per GEMM and a total row, then
// notes that say what the numbers are (sampling, synthetic operands, GEMMs
// without numerics, no machine).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "app/replay/replay_report.h"

namespace gemmsim::app {
namespace {

std::string Interval95(const Interval& i) {
  return fmt::format("[{:.3g}, {:.3g}]", i.low, i.high);
}

// Columns sized to their widest cell; the first left-aligned.
std::string Align(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      line += i == 0 ? fmt::format("{:<{}}", row[i], width[i])
                     : fmt::format("{:>{}}", row[i], width[i]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

struct Layout {
  bool error = false, sampled = false, observed = false, cost = false;
  bool unquantized = false;  // some GEMM has an error vs unquantized
};

std::vector<std::string> Header(const Layout& l) {
  std::vector<std::string> h = {"gemm"};
  if (l.error) {
    h.insert(h.end(), {"numerics", "rel_fro_error"});
    if (l.sampled) h.push_back("95% interval");
    if (l.unquantized) h.push_back("vs_unquantized");
    h.push_back("mean_ulp");
    if (l.sampled) h.push_back("95% interval");
    h.push_back(l.observed ? "exact_match (vs)" : "exact_match");
    h.push_back(l.sampled ? "max_rel (seen)" : "max_rel_error");
    h.push_back("NaN/Inf");
  }
  // The dtype priced and the run count (issue 11: replay priced the
  // numerics' input format where estimate prices the trace's dtype, and no
  // table said so); seconds are for all `count` runs.
  if (l.cost)
    h.insert(h.end(), {"dtype", "count", "s/run", "seconds", "cycles",
                       "TFLOP/s", "util", "bound"});
  return h;
}

// Where the row is a GEMM's, its dtype priced and count; else empty.
struct Priced {
  std::string dtype;
  int64_t count = 0;
};

std::vector<std::string> Row(const std::string& name,
                             const std::string& numerics,
                             const std::optional<ErrorView>& v,
                             const std::optional<cost::Cost>& c,
                             const Priced& priced, const Layout& l) {
  std::vector<std::string> row = {name};
  if (l.error) {
    if (v) {
      row.push_back(numerics);
      row.push_back(fmt::format("{:.4g}", v->rel_fro_error.estimate));
      if (l.sampled)
        row.push_back(v->sampled ? Interval95(v->rel_fro_error) : "exact");
      if (l.unquantized) {
        row.push_back(
            v->rel_fro_error_vs_unquantized
                ? fmt::format("{:.4g}", *v->rel_fro_error_vs_unquantized)
                : "-");
      }
      row.push_back(fmt::format("{:.4g}", v->mean_ulp_error.estimate));
      if (l.sampled)
        row.push_back(v->sampled ? Interval95(v->mean_ulp_error) : "exact");
      row.push_back(fmt::format("{:.4f}{}", v->exact_match().estimate,
                                !l.observed                  ? ""
                                : v->exact_match_vs_observed ? " (observed)"
                                                             : " (exact)"));
      row.push_back(fmt::format("{:.4g}", v->max_rel_error));
      row.push_back(fmt::format("{}/{}", v->nan_count, v->inf_count));
    } else {
      row.push_back("-");
      row.insert(row.end(), (l.sampled ? 7 : 5) + (l.unquantized ? 1 : 0), "");
    }
  }
  if (l.cost) {
    if (c) {
      const bool gemm = priced.count > 0;
      row.insert(row.end(),
                 {priced.dtype, gemm ? fmt::format("{}", priced.count) : "",
                  gemm ? fmt::format("{:.4g}", c->seconds / static_cast<double>(
                                                                priced.count))
                       : ""});
      row.insert(row.end(), {fmt::format("{:.4g}", c->seconds),
                             fmt::format("{:.0f}", c->cycles),
                             fmt::format("{:.1f}", c->tflops),
                             fmt::format("{:.1f}%", 100 * c->utilization),
                             cost::BoundName(c->bound)});
    } else {
      row.insert(row.end(), 8, "");
    }
  }
  return row;
}

}  // namespace

std::string ReplayTable(const ReplayReportContext& c) {
  const ReplayResult& r = *c.result;
  const ReplayOptions& o = *c.options;
  Layout l;
  l.cost = r.total_cost.has_value();
  l.error = r.total_error.has_value();
  l.sampled = r.sampled;
  l.observed = r.total_has_observed;
  for (const GemmReplay& g : r.gemms)
    l.unquantized |= g.full && g.full->vs_unquantized.has_value();

  std::string out = fmt::format(
      "trace {} ({} GEMMs); {}; {}\n", c.trace->name, r.gemms.size(),
      l.error ? "error against the exact result of the quantized operands"
              : "no numerics: throughput only",
      o.machine ? "machine " + o.machine->name
                : "no --machine: error only, no throughput");
  std::vector<std::vector<std::string>> rows = {Header(l)};
  std::map<std::string, std::vector<std::string>> by_operands;
  std::vector<std::string> without_numerics;
  std::map<std::string, std::vector<std::string>> repriced;  // by mapping
  for (const GemmReplay& g : r.gemms) {
    rows.push_back(Row(g.gemm->name, g.numerics, GemmErrorView(g), g.cost,
                       {g.dtype, g.gemm->count}, l));
    if (g.cost && g.dtype != cost::CanonicalDtype(g.gemm->dtype)) {
      repriced[g.gemm->dtype + " -> " + g.dtype].push_back(g.gemm->name);
    }
    if (g.numerics.empty())
      without_numerics.push_back(g.gemm->name);
    else if (g.operands != "files")
      by_operands[g.operands].push_back(g.gemm->name);
  }
  rows.push_back(Row("total", "", TotalErrorView(r), r.total_cost, {}, l));
  out += Align(rows);
  for (const auto& [mapping, names] : repriced) {
    out += fmt::format(
        "dtype {}: priced at the numerics' input format, not the trace's "
        "dtype (estimate prices the trace's): {}\n",
        mapping,
        names.size() == r.gemms.size()
            ? fmt::format("all {} GEMMs", names.size())
            : fmt::format("{}", fmt::join(names, ", ")));
  }

  if (l.sampled) {
    out += fmt::format(
        "sampled {} output elements per GEMM (each a full dot product) at "
        "most: estimates with 95% confidence intervals; max_rel and NaN/Inf "
        "are over the sample (maxima are lower bounds)\n",
        o.sample);
  }
  for (const auto& [operands, names] : by_operands) {
    out += fmt::format("operands {}: {}\n", operands, fmt::join(names, ", "));
  }
  if (l.error && !without_numerics.empty()) {
    out += fmt::format("no numerics (throughput only): {}\n",
                       fmt::join(without_numerics, ", "));
  }
  if (l.error) {
    out +=
        "total error: over every element of every GEMM with numerics "
        "(count does not weight it)";
    out += l.cost ? "; throughput: each GEMM runs count times\n" : "\n";
  }
  return out;
}

}  // namespace gemmsim::app
