// gemmsim estimate (SPEC.md "Command line"): the analytical cost of one GEMM
// shape or of a shape-only trace on a machine: a table on stdout and, with
// --json, one report object written atomically.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/commands/commands.h"
#include "app/commands/output_paths.h"
#include "app/config/machine_file.h"
#include "app/estimate_report.h"
#include "app/report_json.h"
#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/utf8.h"
#include "models/cost/cost_model.h"

namespace gemmsim::app {
namespace {

struct EstimateArgs {
  std::string machine, trace, shape, dtype = "bf16", json;
  std::vector<std::string> sets;
};

bool ParseCount(std::string_view s, int64_t* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && *out >= 0;
}

// MxNxK or MxNxKxB.
cost::GemmShape ParseShape(const std::string& text) {
  std::vector<int64_t> dims;
  bool ok = true;
  std::stringstream in(text);
  std::string part;
  while (ok && std::getline(in, part, 'x')) {
    int64_t v = 0;
    ok = ParseCount(part, &v);
    dims.push_back(v);
  }
  ok = ok && !text.ends_with('x') &&
       (dims.size() == 3 || (dims.size() == 4 && dims[3] >= 1));
  if (!ok) {
    throw ConfigError("--shape '" + text +
                      "': expected MxNxK or MxNxKxB (non-negative integers, "
                      "B >= 1)");
  }
  cost::GemmShape s;
  s.name = text;
  s.m = dims[0], s.n = dims[1], s.k = dims[2];
  if (dims.size() == 4) s.batch = dims[3];
  return s;
}

// The dtype cell: "fp32->bf16" for a GEMM that fell back.
std::string DtypeCell(const cost::GemmShape& g, const cost::Cost& c) {
  return FellBack(g, c) ? g.dtype + "->" + c.engine_dtype : g.dtype;
}

std::string Row(const std::string& name, const std::string& dtype,
                size_t dtype_width, const cost::Cost& c) {
  return fmt::format(
      "{:<24} {:>{}} {:>14.0f} {:>12.4g} {:>9.1f} {:>6.1f}% {}\n", name, dtype,
      dtype_width, c.cycles, c.seconds, c.tflops, 100 * c.utilization,
      cost::BoundName(c.bound));
}

// One line per dtype that ran on another dtype's engines.
std::string FallbackNotes(const cost::Machine& machine,
                          const std::vector<cost::GemmShape>& gemms,
                          const cost::TraceCost& t) {
  std::map<std::string, std::string> ran;  // GEMM dtype -> engine dtype
  for (size_t i = 0; i < gemms.size(); ++i) {
    if (FellBack(gemms[i], t.gemms[i]))
      ran[gemms[i].dtype] = t.gemms[i].engine_dtype;
  }
  std::string notes;
  for (const auto& [dtype, engine] : ran) {
    notes += fmt::format(
        "note: {} has no engines on {}: its GEMMs ran on the {} engines "
        "(engine.fallback.{})\n",
        dtype, machine.name, engine, cost::CanonicalDtype(dtype));
  }
  return notes;
}

void RunEstimate(const EstimateArgs& args) {
  if (args.trace.empty() == args.shape.empty())
    throw ConfigError("estimate: give either TRACE or --shape MxNxK[xB]");
  if (cost::CanonicalDtype(args.dtype).empty()) {
    throw ConfigError("--dtype '" + args.dtype + "': expected one of " +
                      cost::DtypeChoices());
  }
  CheckOutputPaths({{"--json", args.json}});
  const cost::Machine machine = LoadMachine(args.machine, args.sets);
  std::vector<cost::GemmShape> gemms;
  if (args.shape.empty()) {
    gemms = TraceShapes(args.trace, args.dtype);  // a CSV's dtype: --dtype
  } else {
    gemms.push_back(ParseShape(args.shape));
    gemms.back().dtype = args.dtype;
  }
  const cost::TraceCost t = cost::EstimateTrace(machine, gemms);

  std::optional<io::AtomicOutputFile> report;
  if (!args.json.empty()) {
    const nlohmann::json j = EstimateReportJson(machine, gemms, t);
    report.emplace(args.json);
    report->write(io::ReportJson(j) + "\n");
  }
  std::vector<std::string> cells;
  size_t width = 6;  // "dtype" and the widest plain name, bf16 and fp32
  for (size_t i = 0; i < gemms.size(); ++i) {
    cells.push_back(DtypeCell(gemms[i], t.gemms[i]));
    width = std::max(width, cells.back().size());
  }
  std::string out = fmt::format(
      "machine {}\n{:<24} {:>{}} {:>14} {:>12} {:>9} "
      "{:>7} {}\n",
      machine.name, "gemm", "dtype", width, "cycles", "seconds", "TFLOP/s",
      "util", "bound");
  for (size_t i = 0; i < gemms.size(); ++i)
    out += Row(gemms[i].name, cells[i], width, t.gemms[i]);
  out += Row("total", "", width, t.total);
  out += FallbackNotes(machine, gemms, t);
  if (report) report->commit();
  fmt::print("{}", out);
}

}  // namespace

void AddEstimateCommand(CLI::App& app) {
  auto args = std::make_shared<EstimateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "estimate",
      "Analytical cycles, seconds, TFLOP/s, utilisation and bound of GEMMs "
      "on a machine");
  cmd->add_option("--machine", args->machine,
                  "Machine preset name (configs/machines/) or YAML file")
      ->required();
  cmd->add_option("--set", args->sets,
                  "KEY=VALUE override of the machine (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("TRACE", args->trace,
                  "Trace: YAML manifest, CSV layer,M,N,K (dtype from --dtype) "
                  "or PyTorch profiler JSON");
  cmd->add_option("--shape", args->shape, "One GEMM: MxNxK or MxNxKxB");
  cmd->add_option("--dtype", args->dtype,
                  "Operand type of --shape and of a CSV trace")
      ->capture_default_str();
  cmd->add_option("--json", args->json, "Write a JSON report");
  cmd->callback([args] { RunEstimate(*args); });
}

}  // namespace gemmsim::app
