// gemmsim replay --json: one object (SPEC.md "Command line", JSON reports).
#include <fmt/format.h>

#include <cmath>

#include "app/config/machine_file.h"
#include "app/config/numerics_file.h"
#include "app/replay/replay_report.h"
#include "app/report_json.h"

namespace gemmsim::app {
namespace {

// JSON has no infinity: an unbounded interval end is null.
void PutInterval(nlohmann::json& j, const std::string& key, const Interval& i,
                 bool sampled) {
  j[key] = JsonNumber(i.estimate);
  if (!sampled) return;
  j[key + "_low"] = JsonNumber(i.low);
  j[key + "_high"] = JsonNumber(i.high);
}

nlohmann::json ErrorJson(const ErrorView& v) {
  nlohmann::json j = {{"reference", "exact result of the quantized operands"},
                      {"sampled", v.sampled},
                      {"samples", v.samples},
                      {"elements", v.elements}};
  if (v.measured >= 0) j["measured"] = v.measured;
  if (v.sampled) {
    j["confidence"] = 0.95;
    j["note"] = fmt::format(
        "sampled {} of {} elements; estimates with 95% confidence intervals "
        "(_low, _high); maxima and NaN/Inf/overflow counts are over the "
        "sample only: the maxima are lower bounds",
        v.samples, v.elements);
  }
  j["max_abs_error"] = JsonNumber(v.max_abs_error);
  j["max_rel_error"] = JsonNumber(v.max_rel_error);
  if (v.sampled) j["max_is_lower_bound"] = true;
  PutInterval(j, "rel_fro_error", v.rel_fro_error, v.sampled);
  PutInterval(j, "mean_ulp_error", v.mean_ulp_error, v.sampled);
  PutInterval(j, "exact_match_fraction", v.exact_match(), v.sampled);
  j["exact_match_reference"] = v.exact_match_vs_observed ? "observed" : "exact";
  if (v.exact_match_vs_observed) {
    PutInterval(j, "exact_match_fraction_vs_exact", v.exact_match_vs_exact,
                v.sampled);
  }
  j["nan_count"] = v.nan_count;
  j["inf_count"] = v.inf_count;
  j["overflow_count"] = v.overflow_count;
  j["rel_fro_error_vs_unquantized"] =
      v.rel_fro_error_vs_unquantized
          ? JsonNumber(*v.rel_fro_error_vs_unquantized)
          : nlohmann::json(nullptr);
  return j;
}

nlohmann::json CostJson(const std::optional<cost::Cost>& c) {
  if (!c) return nullptr;
  return {{"cycles", c->cycles},
          {"seconds", c->seconds},
          {"tflops", c->tflops},
          {"utilization", c->utilization},
          {"bound", cost::BoundName(c->bound)}};
}

}  // namespace

nlohmann::json ReplayJson(const ReplayReportContext& c) {
  const Trace& trace = *c.trace;
  const ReplayOptions& o = *c.options;
  const ReplayResult& r = *c.result;
  nlohmann::json j = JsonHeader();
  j["command"] = "replay";
  j["trace"] = {{"path", trace.path},
                {"name", trace.name},
                {"kind", TraceKindName(trace.kind)},
                {"gemms", trace.gemms.size()}};
  j["numerics_precedence"] = o.numerics.empty()
                                 ? "each GEMM's own numerics field"
                                 : "--numerics for every GEMM";
  nlohmann::json numerics = nlohmann::json::object();
  for (const auto& [key, n] : r.numerics) numerics[key] = NumericsToJson(n);
  j["numerics"] = std::move(numerics);
  j["machine"] =
      o.machine ? MachineToJson(*o.machine) : nlohmann::json(nullptr);
  j["sample"] = o.sample > 0 ? nlohmann::json{{"requested", o.sample},
                                              {"confidence", 0.95},
                                              {"seed", o.seed}}
                             : nlohmann::json(nullptr);
  nlohmann::json gemms = nlohmann::json::array();
  for (const GemmReplay& g : r.gemms) {
    const TraceGemm& t = *g.gemm;
    nlohmann::json e = {
        {"name", t.name},   {"m", t.m},         {"n", t.n},        {"k", t.k},
        {"batch", t.batch}, {"count", t.count}, {"dtype", g.dtype}};
    e["numerics"] = g.numerics.empty() ? nlohmann::json(nullptr)
                                       : nlohmann::json(g.numerics);
    e["operands"] = g.operands.empty() ? nlohmann::json(nullptr)
                                       : nlohmann::json(g.operands);
    const std::optional<ErrorView> v = GemmErrorView(g);
    e["error"] = v ? ErrorJson(*v) : nlohmann::json(nullptr);
    if (!v) e["error_note"] = "no numerics for this GEMM: throughput only";
    e["throughput"] = CostJson(g.cost);
    gemms.push_back(std::move(e));
  }
  j["gemms"] = std::move(gemms);
  const std::optional<ErrorView> total = TotalErrorView(r);
  j["total"] = {
      {"error", total ? ErrorJson(*total) : nlohmann::json(nullptr)},
      {"error_weighting",
       "every element of every GEMM with numerics once (count does not "
       "weight errors)"},
      {"throughput", CostJson(r.total_cost)},
      {"throughput_weighting", "each GEMM runs count times"}};
  return j;
}

}  // namespace gemmsim::app
