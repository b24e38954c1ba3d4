#include "app/estimate_report.h"

#include "app/config/machine_file.h"
#include "app/report_json.h"
#include "app/trace/trace.h"

namespace gemmsim::app {
namespace {

nlohmann::json CostJson(const cost::Cost& c) {
  return {{"cycles", c.cycles},
          {"seconds", c.seconds},
          {"tflops", c.tflops},
          {"utilization", c.utilization},
          {"bound", cost::BoundName(c.bound)}};
}

}  // namespace

std::vector<cost::GemmShape> TraceShapes(const std::string& trace_path,
                                         const std::string& csv_dtype) {
  const Trace trace = ReadTrace(trace_path);
  std::vector<cost::GemmShape> gemms;
  for (const TraceGemm& g : trace.gemms) {
    gemms.push_back(ShapeOf(g));
    if (trace.kind == TraceKind::kCsv) gemms.back().dtype = csv_dtype;
  }
  return gemms;
}

bool FellBack(const cost::GemmShape& g, const cost::Cost& c) {
  return !c.engine_dtype.empty() &&
         c.engine_dtype != cost::CanonicalDtype(g.dtype);
}

nlohmann::json EstimateReportJson(const cost::Machine& machine,
                                  const std::vector<cost::GemmShape>& gemms,
                                  const cost::TraceCost& t) {
  nlohmann::json j = JsonHeader();
  j["command"] = "estimate";
  j["machine"] = MachineToJson(machine);
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < gemms.size(); ++i) {
    const cost::GemmShape& g = gemms[i];
    list.push_back({{"name", g.name},
                    {"m", g.m},
                    {"n", g.n},
                    {"k", g.k},
                    {"batch", g.batch},
                    {"count", g.count},
                    {"dtype", g.dtype},
                    {"engine_dtype", t.gemms[i].engine_dtype},
                    {"fallback", FellBack(g, t.gemms[i])},
                    {"throughput", CostJson(t.gemms[i])}});
  }
  j["gemms"] = std::move(list);
  j["total"] = {{"throughput", CostJson(t.total)}};
  return j;
}

}  // namespace gemmsim::app
