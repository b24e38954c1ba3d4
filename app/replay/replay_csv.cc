// gemmsim replay --csv: one row per GEMM and a `total` row; empty fields
// where a value does not apply (no numerics: no error; no machine: no
// throughput; a full run: no interval bounds).
#include <fmt/format.h>

#include <cmath>

#include "app/replay/replay_report.h"

namespace gemmsim::app {
namespace {

// RFC 4180: quote fields holding a comma, quote or line break.
std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// A non-finite error is written as inf/nan (as the sweep CSV does): an
// empty field would read as "not measured".
std::string Num(double v) { return fmt::format("{}", v); }

std::string Bounds(const Interval& i, bool sampled) {
  return sampled ? Num(i.estimate) + "," + Num(i.low) + "," + Num(i.high)
                 : Num(i.estimate) + ",,";
}

std::string ErrorFields(const std::optional<ErrorView>& v) {
  if (!v) return std::string(17, ',');
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}", v->samples,
                     v->elements, Num(v->max_abs_error), Num(v->max_rel_error),
                     Bounds(v->rel_fro_error, v->sampled),
                     Bounds(v->mean_ulp_error, v->sampled),
                     Bounds(v->exact_match(), v->sampled),
                     v->exact_match_vs_observed ? "observed" : "exact",
                     v->nan_count, v->inf_count, v->overflow_count,
                     v->rel_fro_error_vs_unquantized
                         ? Num(*v->rel_fro_error_vs_unquantized)
                         : "");
}

std::string CostFields(const std::optional<cost::Cost>& c) {
  if (!c) return ",,,,";
  return fmt::format("{},{},{},{},{}", Num(c->cycles), Num(c->seconds),
                     Num(c->tflops), Num(c->utilization),
                     cost::BoundName(c->bound));
}

}  // namespace

std::string ReplayCsv(const ReplayReportContext& c) {
  std::string out =
      "name,m,n,k,batch,count,dtype,numerics,operands,samples,elements,"
      "max_abs_error,max_rel_error,rel_fro_error,rel_fro_error_low,"
      "rel_fro_error_high,mean_ulp_error,mean_ulp_error_low,"
      "mean_ulp_error_high,exact_match_fraction,exact_match_fraction_low,"
      "exact_match_fraction_high,exact_match_reference,nan_count,inf_count,"
      "overflow_count,rel_fro_error_vs_unquantized,cycles,seconds,tflops,"
      "utilization,bound\n";
  for (const GemmReplay& g : c.result->gemms) {
    const TraceGemm& t = *g.gemm;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", Field(t.name), t.m,
                       t.n, t.k, t.batch, t.count, Field(g.dtype),
                       Field(g.numerics), Field(g.operands),
                       ErrorFields(GemmErrorView(g)), CostFields(g.cost));
  }
  out += fmt::format("total,,,,,,,,,{},{}\n",
                     ErrorFields(TotalErrorView(*c.result)),
                     CostFields(c.result->total_cost));
  return out;
}

}  // namespace gemmsim::app
