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
#include <charconv>
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

// An event's GEMMs, labelled, or none and the reason it was skipped.
struct Gemms {
  std::vector<std::pair<std::string, TraceGemm>> gemms;
  std::string skipped;
};

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

  bool HasShapes() const {
    const auto args = event_.find("args");
    return args != event_.end() && args->is_object() &&
           args->contains("Input Dims") && (*args)["Input Dims"].is_array();
  }

  // The GEMMs of the event by the op's rules, each with a label ("addmm",
  // "convolution_backward dgrad"); none and why when it cannot be read.
  Gemms Read() const {
    std::string op = op_.substr(6);  // after "aten::"
    if (op.ends_with("_")) op.pop_back();
    TraceGemm g;
    if (op == "mm" || op == "addmm") {
      const size_t first = op == "addmm" ? 1 : 0;  // addmm(c, a, b)
      const auto a = Dims(first), b = Dims(first + 1);
      Matrix(a, b, &g);
    } else if (op == "bmm" || op == "baddbmm") {
      const size_t first = op == "baddbmm" ? 1 : 0;
      const auto a = Dims(first), b = Dims(first + 1);
      Batched(a, b);
      g.batch = a[0], g.m = a[1], g.k = a[2], g.n = b[2];
    } else if (op == "addbmm") {
      // c + sum_i a_i b_i: one GEMM over K = batch * k.
      const auto a = Dims(1), b = Dims(2);
      Batched(a, b);
      g.m = a[1], g.k = Times(a[0], a[2]), g.n = b[2];
    } else if (op == "mv" || op == "addmv") {
      const size_t first = op == "addmv" ? 1 : 0;
      const auto a = Dims(first), v = Dims(first + 1);
      if (a.size() != 2 || v.size() != 1 || a[1] != v[0])
        Mismatch(a, v, "[M, K] and [K]");
      g.m = a[0], g.k = a[1], g.n = 1;
    } else if (op == "linear") {
      const auto x = Dims(0), w = Dims(1);  // x [..., in], w [out, in]
      if (x.empty() || w.size() != 2 || x.back() != w[1])
        Mismatch(x, w, "[..., in] and [out, in]");
      g.m = Product(x, 0, x.size() - 1), g.k = w[1], g.n = w[0];
    } else if (op == "matmul") {
      MatmulShape(Dims(0), Dims(1), &g);
    } else {
      return Convolution(op == "convolution_backward");
    }
    return {{{op, g}}, ""};
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

  void Batched(const std::vector<int64_t>& a,
               const std::vector<int64_t>& b) const {
    if (a.size() != 3 || b.size() != 3 || a[0] != b[0] || a[2] != b[1])
      Mismatch(a, b, "[B, M, K] and [B, K, N]");
  }

  // Concrete Inputs[i] as integers ("[1, 1]", "2", "[True, False]"):
  // empty when the export has none (torch before 2.x writes none).
  std::vector<int64_t> Concrete(size_t i) const {
    const json& args = event_["args"];
    const auto all = args.find("Concrete Inputs");
    if (all == args.end() || !all->is_array() || i >= all->size() ||
        !(*all)[i].is_string())
      return {};
    std::string text = (*all)[i].get<std::string>();
    std::replace_if(
        text.begin(), text.end(),
        [](char c) { return c == '[' || c == ']' || c == ','; }, ' ');
    std::istringstream in(text);
    std::vector<int64_t> values;
    for (std::string word; in >> word;) {
      int64_t v = 0;
      const auto [end, ec] =
          std::from_chars(word.data(), word.data() + word.size(), v);
      if (word == "True" || word == "False")
        v = word == "True";
      else if (ec != std::errc() || end != word.data() + word.size())
        Fail(
            fmt::format("\"Concrete Inputs\"[{}] is '{}', expected "
                        "integers",
                        i, (*all)[i].get<std::string>()));
      values.push_back(v);
    }
    return values;
  }

  // One value per spatial dimension (a single value applies to all).
  std::vector<int64_t> PerDim(const std::vector<int64_t>& v,
                              size_t spatial) const {
    if (v.size() == 1) return std::vector<int64_t>(spatial, v[0]);
    return v;
  }

  // aten::convolution(input, weight, bias, stride, padding, dilation,
  // transposed, output_padding, groups) and convolution_backward(grad_out,
  // input, weight, bias_sizes, stride, padding, dilation, transposed,
  // output_padding, groups, output_mask) as implicit GEMMs: forward M =
  // output pixels, N = filters, K = channels x kernel; backward grad_input
  // (M = input pixels, K = filters x kernel) and grad_weight (K = output
  // pixels). Groups are the batch. Forward needs stride, padding and
  // dilation (Concrete Inputs); backward reads the output size from
  // grad_out and, without an output_mask, counts both gradients.
  Gemms Convolution(bool backward) const {
    const size_t x_at = backward ? 1 : 0, params = backward ? 4 : 3;
    // Before the shapes: a transposed kernel is [C, F / groups, ...].
    if (Concrete(params + 3) == std::vector<int64_t>{1})
      return {{}, "transposed convolution"};
    const auto x = Dims(x_at), w = Dims(x_at + 1);
    if (x.size() < 3 || w.size() != x.size() || w[1] <= 0 || x[1] % w[1] != 0 ||
        w[0] % (x[1] / w[1]) != 0)
      Mismatch(x, w, "[N, C, ...] and [F, C / groups, ...]");
    const size_t spatial = x.size() - 2;
    const int64_t groups = x[1] / w[1];
    std::vector<int64_t> out;
    if (backward) {
      out = Dims(0);
      if (out.size() != x.size() || out[0] != x[0] || out[1] != w[0])
        Mismatch(out, w, "grad_output [N, F, ...] for weight [F, ...]");
    } else {
      const auto stride = PerDim(Concrete(params), spatial);
      const auto padding = PerDim(Concrete(params + 1), spatial);
      const auto dilation = PerDim(Concrete(params + 2), spatial);
      if (stride.size() != spatial || padding.size() != spatial ||
          dilation.size() != spatial)
        return {{}, "no stride, padding and dilation (\"Concrete Inputs\")"};
      out = {x[0], w[0]};
      for (size_t d = 0; d < spatial; ++d) {
        const int64_t span = Times(dilation[d], w[2 + d] - 1) + 1;
        const int64_t room = x[2 + d] + 2 * padding[d] - span;
        if (stride[d] <= 0 || room < 0)
          Fail("convolution parameters give no output");
        out.push_back(room / stride[d] + 1);
      }
    }
    const int64_t kernel = Product(w, 2, w.size());
    const int64_t in_pixels = Times(x[0], Product(x, 2, x.size()));
    const int64_t out_pixels = Times(out[0], Product(out, 2, out.size()));
    const int64_t filters = w[0] / groups;
    auto gemm = [groups](int64_t m, int64_t n, int64_t k) {
      TraceGemm g;
      g.m = m, g.n = n, g.k = k, g.batch = groups;
      return g;
    };
    if (!backward)
      return {{{"convolution", gemm(out_pixels, filters, Times(w[1], kernel))}},
              ""};
    auto mask = Concrete(10);
    if (mask.size() < 2) mask = {1, 1};
    Gemms result;
    if (mask[0])
      result.gemms.emplace_back("convolution_backward dgrad",
                                gemm(in_pixels, w[1], Times(filters, kernel)));
    if (mask[1])
      result.gemms.emplace_back("convolution_backward wgrad",
                                gemm(filters, Times(w[1], kernel), out_pixels));
    if (result.gemms.empty()) result.skipped = "no input or weight gradient";
    return result;
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
    const EventReader reader(path, (*events_json)[e.index], e.index);
    if (!reader.HasShapes()) {
      ++shapeless;
      skip("no \"Input Dims\"", e.op);
      continue;
    }
    Gemms read = reader.Read();
    if (read.gemms.empty()) {
      skip(read.skipped, e.op);
      continue;
    }
    const std::string torch_type = reader.TorchType();
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
      g.place = path + ": " + reader.place();
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
