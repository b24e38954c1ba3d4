// PyTorch profiler traces (SPEC.md "Files"): the Chrome trace JSON that
// torch.profiler's export_chrome_trace writes with record_shapes=True.
// Complete events ("ph": "X") of aten::mm, addmm, bmm, linear and matmul
// carry their operands' shapes in args["Input Dims"] and types in
// args["Input type"]. One GEMM shows up as a chain of nested events
// (aten::linear -> aten::addmm, aten::matmul -> aten::mm) on one thread, so
// only the innermost GEMM event of a chain counts: an event that contains
// another GEMM event of the same pid/tid in time is a caller, not a GEMM.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "io/json_preview.h"

namespace gemmsim::app {
namespace {

using nlohmann::json;

// How deep an op sits in a chain: with equal time spans, the deeper op is
// the callee (linear calls addmm; matmul calls mm or bmm).
int OpDepth(const std::string& op) {
  if (op == "aten::linear") return 0;
  if (op == "aten::matmul") return 1;
  if (op == "aten::mm" || op == "aten::addmm" || op == "aten::bmm") return 2;
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
    while (!open.empty() &&
           (open.back()->thread != e->thread || open.back()->end < e->end))
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

class EventReader {
 public:
  EventReader(const std::string& path, const json& event, size_t index)
      : path_(path),
        event_(event),
        op_(event["name"].get<std::string>()),
        place_(fmt::format("traceEvents[{}] ({})", index, op_)) {}

  const std::string& place() const { return place_; }

  [[noreturn]] void Fail(const std::string& message) const {
    throw InputError(path_, place_, message);
  }

  // The shape of tensor argument `i` of "Input Dims".
  std::vector<int64_t> Dims(size_t i) const {
    const json& all = InputDims();
    if (i >= all.size() || !all[i].is_array())
      Fail(fmt::format("\"Input Dims\" has no tensor argument {}", i));
    std::vector<int64_t> dims;
    for (const json& d : all[i]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        Fail(fmt::format("\"Input Dims\"[{}]: expected non-negative integers",
                         i));
      dims.push_back(d.get<int64_t>());
    }
    return dims;
  }

  std::string TorchType() const {
    InputDims();  // checks that args is there
    const json& args = event_["args"];
    const auto types = args.find("Input type");
    if (types == args.end() || !types->is_array() || types->empty() ||
        !(*types)[0].is_string())
      Fail("no \"Input type\" list");
    return (*types)[0].get<std::string>();
  }

  // m, n, k and batch by the op's rules.
  TraceGemm Gemm() const {
    TraceGemm g;
    if (op_ == "aten::mm" || op_ == "aten::addmm") {
      const size_t first = op_ == "aten::addmm" ? 1 : 0;  // addmm(c, a, b)
      const auto a = Dims(first), b = Dims(first + 1);
      Matrix(a, b, &g);
    } else if (op_ == "aten::bmm") {
      const auto a = Dims(0), b = Dims(1);
      if (a.size() != 3 || b.size() != 3 || a[0] != b[0] || a[2] != b[1])
        Mismatch(a, b, "[B, M, K] and [B, K, N]");
      g.batch = a[0], g.m = a[1], g.k = a[2], g.n = b[2];
    } else if (op_ == "aten::linear") {
      const auto x = Dims(0), w = Dims(1);  // x [..., in], w [out, in]
      if (x.empty() || w.size() != 2 || x.back() != w[1])
        Mismatch(x, w, "[..., in] and [out, in]");
      g.m = Product(x, 0, x.size() - 1), g.k = w[1], g.n = w[0];
    } else {
      const auto a = Dims(0), b = Dims(1);
      MatmulShape(a, b, &g);
    }
    return g;
  }

 private:
  const json& InputDims() const {
    const auto args = event_.find("args");
    if (args == event_.end() || !args->is_object() ||
        !args->contains("Input Dims") || !(*args)["Input Dims"].is_array())
      Fail("no \"Input Dims\"; record the trace with record_shapes=True");
    return (*args)["Input Dims"];
  }

  // a * b; dimensions come from the file, so a product past int64 is an
  // input error, not an overflow.
  int64_t Times(int64_t a, int64_t b) const {
    int64_t product = 0;
    if (__builtin_mul_overflow(a, b, &product))
      Fail("the operand shapes' product does not fit in 64 bits");
    return product;
  }

  int64_t Product(const std::vector<int64_t>& dims, size_t from,
                  size_t to) const {
    int64_t p = 1;
    for (size_t i = from; i < to; ++i) p = Times(p, dims[i]);
    return p;
  }

  [[noreturn]] void Mismatch(const std::vector<int64_t>& a,
                             const std::vector<int64_t>& b,
                             const std::string& expected) const {
    Fail(fmt::format("operand shapes [{}] and [{}]; expected {}",
                     fmt::join(a, ", "), fmt::join(b, ", "), expected));
  }

  void Matrix(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
              TraceGemm* g) const {
    if (a.size() != 2 || b.size() != 2 || a[1] != b[0])
      Mismatch(a, b, "[M, K] and [K, N]");
    g->m = a[0], g->k = a[1], g->n = b[1];
  }

  // NumPy matmul rules. A 2-D (or 1-D) B is one weight for every row of A,
  // which torch runs as one mm of all rows: batch dims fold into M.
  void MatmulShape(std::vector<int64_t> a, std::vector<int64_t> b,
                   TraceGemm* g) const {
    const auto a0 = a, b0 = b;
    if (a.empty() || b.empty()) Mismatch(a0, b0, "tensors of rank >= 1");
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    if (a.back() != b[b.size() - 2])
      Mismatch(a0, b0, "[..., M, K], [..., K, N]");
    g->k = a.back();
    g->n = b.back();
    g->m = a[a.size() - 2];
    if (b.size() == 2) {
      g->m = Times(g->m, Product(a, 0, a.size() - 2));
      return;
    }
    // Broadcast the batch dims.
    const size_t na = a.size() - 2, nb = b.size() - 2, nd = std::max(na, nb);
    for (size_t d = 0; d < nd; ++d) {
      const int64_t da = d + na >= nd ? a[d + na - nd] : 1;
      const int64_t db = d + nb >= nd ? b[d + nb - nd] : 1;
      if (da != db && da != 1 && db != 1)
        Mismatch(a0, b0, "batch dimensions that broadcast");
      g->batch = Times(g->batch, std::max(da, db));
    }
  }

  const std::string& path_;
  const json& event_;
  std::string op_;
  std::string place_;
};

}  // namespace

Trace ReadProfilerTrace(const std::string& path) {
  const json document = Parse(path);
  const json* events = &document;
  if (document.is_object() && document.contains("traceEvents"))
    events = &document["traceEvents"];
  if (!events->is_array()) {
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
  std::set<std::string> skipped_types;
  int64_t skipped = 0;
  for (const Event& e : GemmEvents(*events)) {
    if (!e.leaf) continue;
    const EventReader reader(path, (*events)[e.index], e.index);
    TraceGemm g = reader.Gemm();
    const std::string torch_type = reader.TorchType();
    g.dtype = Dtype(torch_type);
    if (g.dtype.empty()) {
      skipped_types.insert(torch_type);
      ++skipped;
      continue;
    }
    const auto key = std::make_tuple(e.op, g.m, g.n, g.k, g.batch, g.dtype);
    if (const auto it = seen.find(key); it != seen.end()) {
      ++trace.gemms[it->second].count;
      continue;
    }
    g.name = fmt::format("{} {}x{}x{}", e.op.substr(6), g.m, g.n, g.k);
    if (g.batch > 1) g.name += fmt::format("x{}", g.batch);
    g.place = path + ": " + reader.place();
    seen.emplace(key, trace.gemms.size());
    trace.gemms.push_back(std::move(g));
  }
  if (skipped > 0) {
    std::cerr << fmt::format(
        "{}: skipped {} GEMM event(s) of operand types the cost model does "
        "not know ({})\n",
        path, skipped, fmt::join(skipped_types, ", "));
  }
  if (trace.gemms.empty()) {
    throw InputError(path, "",
                     "no GEMM events (aten::mm, addmm, bmm, linear, matmul "
                     "with \"Input Dims\"); record with record_shapes=True");
  }
  return trace;
}

}  // namespace gemmsim::app
