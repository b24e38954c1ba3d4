// PyTorch profiler traces (SPEC.md "Files"): the Chrome trace JSON that
// torch.profiler's export_chrome_trace writes with record_shapes=True.
// Complete events ("ph": "X") of aten::mm, addmm, bmm, baddbmm, addbmm,
// mv, addmv, linear, matmul, convolution and convolution_backward carry
// their operands' shapes in args["Input Dims"] and types in
// args["Input type"] (torch builds with Kineto; without it, as Debian's
// torch 1.13, the events have no args at all). One GEMM shows up as a chain
// of nested events (aten::linear -> aten::addmm, aten::mv -> aten::addmv_)
// on one thread, so only the innermost GEMM event of a chain counts: an
// event that contains another GEMM event of the same pid/tid in time is a
// caller, not a GEMM. Convolutions become their implicit GEMMs (SPEC.md
// "Files"); an event that cannot be read as a GEMM is skipped and reported.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "app/trace/profiler_event.h"
#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "io/json_preview.h"

namespace gemmsim::app {
namespace {

using nlohmann::json;

// How deep an op sits in a chain: with equal time spans, the deeper op is
// the callee (linear calls addmm; matmul calls mm or bmm).
// In-place variants (addmv_, which aten::mv calls) count as their op.
int OpDepth(std::string op) {
  if (op.ends_with("_")) op.pop_back();
  if (op == "aten::linear") return 0;
  if (op == "aten::matmul") return 1;
  if (op == "aten::mv" || op == "aten::convolution" ||
      op == "aten::convolution_backward")
    return 2;
  if (op == "aten::mm" || op == "aten::addmm" || op == "aten::bmm" ||
      op == "aten::baddbmm" || op == "aten::addbmm" || op == "aten::addmv")
    return 3;
  return -1;
}

struct Event {
  size_t index;  // in traceEvents
  std::string op;
  double begin, end;   // microseconds
  std::string thread;  // pid/tid
  bool leaf = true;
};

// "line L, column C" of byte offset `at` in `text`.
std::string TextPlace(const std::string& text, size_t at) {
  at = std::min(at, text.size());
  int64_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

json Parse(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, "", "is a directory, expected a JSON file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", "cannot read the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the byte where parsing stopped.
    throw InputError(path, TextPlace(text, e.byte == 0 ? 0 : e.byte - 1),
                     "not valid JSON (expected a Chrome trace from "
                     "torch.profiler's export_chrome_trace)");
  } catch (const json::exception& e) {
    // A number too large for a double (out_of_range 406): no place given.
    throw InputError(path, "", "not valid JSON: " + io::JsonErrorText(e));
  }
}

// A JSON number or a numeric string, else nullopt.
std::optional<double> Number(const json& j) {
  if (j.is_number()) return j.get<double>();
  return std::nullopt;
}

// The time spans of the GEMM events, with `leaf` set.
std::vector<Event> GemmEvents(const json& events) {
  std::vector<Event> out;
  for (size_t i = 0; i < events.size(); ++i) {
    const json& e = events[i];
    if (!e.is_object()) continue;
    // Compared as JSON: "ph" may hold anything (value() would throw).
    const auto phase = e.find("ph");
    if (phase == e.end() || *phase != "X") continue;
    const auto name = e.find("name");
    if (name == e.end() || !name->is_string()) continue;
    const std::string op = name->get<std::string>();
    if (OpDepth(op) < 0) continue;
    const auto ts = e.contains("ts") ? Number(e["ts"]) : std::nullopt;
    const auto dur = e.contains("dur") ? Number(e["dur"]) : std::nullopt;
    // Ids are numbers or strings; anything else (never dumped: a deeply
    // nested value would recurse) groups under "?".
    const auto id = [&e](const char* key) -> std::string {
      if (!e.contains(key)) return "";
      const json& v = e[key];
      return v.is_primitive() ? v.dump() : "?";
    };
    const std::string thread = id("pid") + "/" + id("tid");
    out.push_back(
        {i, op, ts.value_or(0), ts.value_or(0) + dur.value_or(0), thread});
  }
  // A sweep per thread: parents sort before their children (earlier start,
  // later end, shallower op), and a stack holds the open chain.
  std::vector<Event*> order;
  for (Event& e : out) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Event* a, const Event* b) {
    return std::make_tuple(a->thread, a->begin, -a->end, OpDepth(a->op),
                           a->index) < std::make_tuple(b->thread, b->begin,
                                                       -b->end, OpDepth(b->op),
                                                       b->index);
  });
  std::vector<Event*> open;
  for (Event* e : order) {
    // Events of one thread nest (a call stack), so an event that starts
    // inside an open one is its callee even when it ends later: torch 1.13
    // without Kineto writes whole microseconds, and aten::addmv_ can end
    // 1 us after the aten::mv that called it.
    while (!open.empty() &&
           (open.back()->thread != e->thread || open.back()->end <= e->begin))
      open.pop_back();
    if (!open.empty()) open.back()->leaf = false;
    open.push_back(e);
  }
  return out;
}

// The operand type torch names, as the cost model names it; "" when none.
std::string Dtype(const std::string& torch_type) {
  static const std::map<std::string, std::string> kTypes = {
      {"float", "fp32"},
      {"c10::BFloat16", "bf16"},
      {"c10::Half", "fp16"},
      {"c10::Float8_e4m3fn", "e4m3"},
      {"c10::Float8_e5m2", "e5m2"},
      {"signed char", "int8"},
  };
  const auto it = kTypes.find(torch_type);
  return it == kTypes.end() ? "" : it->second;
}

}  // namespace

Trace ReadProfilerTrace(const std::string& path) {
  const json document = Parse(path);
  const json* events_json = &document;
  if (document.is_object() && document.contains("traceEvents"))
    events_json = &document["traceEvents"];
  if (!events_json->is_array()) {
    throw InputError(path, "",
                     "expected a Chrome trace: a list of events or an object "
                     "with \"traceEvents\"");
  }
  Trace trace;
  trace.path = path;
  trace.kind = TraceKind::kProfiler;
  trace.name = std::filesystem::path(path).stem().string();
  std::map<
      std::tuple<std::string, int64_t, int64_t, int64_t, int64_t, std::string>,
      size_t>
      seen;  // (op, m, n, k, batch, dtype) -> index in trace.gemms
  // reason -> (events, op names): nothing is dropped silently.
  std::map<std::string, std::pair<int64_t, std::set<std::string>>> skipped;
  int64_t events = 0, shapeless = 0;
  auto skip = [&skipped](const std::string& why, const std::string& op) {
    auto& [count, ops] = skipped[why];
    ++count;
    ops.insert(op);
  };
  for (const Event& e : GemmEvents(*events_json)) {
    if (!e.leaf) continue;
    ++events;
    ProfilerEventGemms read =
        ReadProfilerEvent(path, (*events_json)[e.index], e.index);
    if (!read.has_shapes) {
      ++shapeless;
      skip("no \"Input Dims\"", e.op);
      continue;
    }
    if (read.gemms.empty()) {
      skip(read.skipped, e.op);
      continue;
    }
    const std::string& torch_type = read.torch_type;
    const std::string dtype = Dtype(torch_type);
    if (dtype.empty()) {
      skip("operand type " + torch_type + " unknown to the cost model", e.op);
      continue;
    }
    for (auto& [label, g] : read.gemms) {
      g.dtype = dtype;
      const auto key = std::make_tuple(label, g.m, g.n, g.k, g.batch, dtype);
      if (const auto it = seen.find(key); it != seen.end()) {
        ++trace.gemms[it->second].count;
        continue;
      }
      g.name = fmt::format("{} {}x{}x{}", label, g.m, g.n, g.k);
      if (g.batch > 1) g.name += fmt::format("x{}", g.batch);
      g.place = path + ": " + read.place;
      seen.emplace(key, trace.gemms.size());
      trace.gemms.push_back(std::move(g));
    }
  }
  if (events > 0 && shapeless == events) {
    throw InputError(
        path, "",
        fmt::format("none of its {} GEMM event(s) has \"Input Dims\": this "
                    "PyTorch build wrote no shapes (no Kineto), even with "
                    "record_shapes=True; record the trace with "
                    "tools/capture_gemms.py instead",
                    events));
  }
  std::string report;
  for (const auto& [why, what] : skipped) {
    report += fmt::format("{}{} event(s) of {}: {}", report.empty() ? "" : "; ",
                          what.first, fmt::join(what.second, ", "), why);
  }
  if (trace.gemms.empty()) {
    throw InputError(path, "",
                     "no GEMM events (aten::mm, addmm, bmm, baddbmm, addbmm, "
                     "mv, addmv, linear, matmul, convolution with \"Input "
                     "Dims\"); record with record_shapes=True" +
                         (report.empty() ? "" : "; skipped " + report));
  }
  if (!report.empty()) std::cerr << path << ": skipped " << report << "\n";
  return trace;
}

}  // namespace gemmsim::app
