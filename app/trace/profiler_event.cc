#include "app/trace/profiler_event.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

using nlohmann::json;
using Gemms = ProfilerEventGemms;

Gemms Found(std::vector<std::pair<std::string, TraceGemm>> gemms) {
  Gemms g;
  g.gemms = std::move(gemms);
  return g;
}

Gemms Skipped(std::string why) {
  Gemms g;
  g.skipped = std::move(why);
  return g;
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
    return Found({{op, g}});
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
      return Skipped("transposed convolution");
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
        return Skipped("no stride, padding and dilation (\"Concrete Inputs\")");
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
      return Found(
          {{"convolution", gemm(out_pixels, filters, Times(w[1], kernel))}});
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

ProfilerEventGemms ReadProfilerEvent(const std::string& path,
                                     const nlohmann::json& event,
                                     size_t index) {
  const EventReader reader(path, event, index);
  if (!reader.HasShapes()) {
    ProfilerEventGemms none;
    none.place = reader.place();
    return none;
  }
  ProfilerEventGemms read = reader.Read();
  read.has_shapes = true;
  read.place = reader.place();
  if (!read.gemms.empty()) read.torch_type = reader.TorchType();
  return read;
}

}  // namespace gemmsim::app
