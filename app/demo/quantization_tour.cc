// The demo's input-format step: quantize realistic LLM operands
// (traces/tensors/) into each input format and block-scaling scheme, print
// the error, and write it as CSV and JSON into the demo's folder.
#include "app/demo/quantization_tour.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/data_dir.h"
#include "app/report_json.h"
#include "app/tensor_values.h"
#include "datapaths/error.h"
#include "datapaths/formats/block_scaling.h"
#include "datapaths/reference/error_metrics.h"
#include "io/atomic_file.h"
#include "io/npy.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

struct Scheme {
  const char* format;
  ScalingKind scaling;
};

// Input formats as hardware uses them: unscaled 16-bit, FP8 per tensor,
// the OCP MX family, NVFP4, and int8 per tensor.
constexpr Scheme kSchemes[] = {
    {"bf16", ScalingKind::kNone},      {"fp16", ScalingKind::kNone},
    {"e4m3fn", ScalingKind::kNone},    {"e4m3fn", ScalingKind::kPerTensor},
    {"e5m2", ScalingKind::kPerTensor}, {"e4m3fn", ScalingKind::kMx},
    {"e5m2", ScalingKind::kMx},        {"e3m2fn", ScalingKind::kMx},
    {"e2m3fn", ScalingKind::kMx},      {"e2m1fn", ScalingKind::kMx},
    {"e2m1fn", ScalingKind::kNvfp4},   {"int8", ScalingKind::kPerTensor},
    {"int8", ScalingKind::kMx},
};

struct Row {
  std::string tensor, format, scaling;
  reference::ErrorMetrics metrics;
  int64_t flushed_to_zero = 0;
};

// Quantizes a row-major matrix with blocks along its rows (the K axis of an
// A operand) and returns the dequantized values.
std::vector<double> RoundTrip(const Format& f, ScalingKind scaling,
                              const std::vector<double>& x, int64_t rows,
                              int64_t cols) {
  double amax = 0;
  for (double v : x) amax = std::max(amax, std::fabs(v));
  std::vector<double> out;
  out.reserve(x.size());
  EncodeOptions o;
  for (int64_t r = 0; r < rows; ++r) {
    const std::span<const double> row(x.data() + r * cols,
                                      static_cast<size_t>(cols));
    const ScaledVector q =
        QuantizeScaled(f, ScalingSpec{scaling, false}, row, amax, o, {},
                       static_cast<uint64_t>(r * cols));
    const std::vector<double> back = DequantizeScaled(f, scaling, q);
    out.insert(out.end(), back.begin(), back.end());
  }
  return out;
}

}  // namespace

void RunQuantizationTour(const std::string& out_dir) {
  const std::string data = DataDir() + "/traces/tensors";
  const std::string where = std::filesystem::absolute(out_dir).string();

  fmt::print(
      "Quantization error of LLM-like operands (128 x 512, blocks along "
      "rows), round to nearest even\n\n");
  fmt::print("{:<12} {:<8} {:<11} {:>13} {:>13} {:>10}\n", "tensor", "format",
             "scaling", "rel_fro_err", "max_rel_err", "to_zero");
  std::vector<Row> rows;
  for (const char* name : {"weights", "activations", "gradients"}) {
    const std::string path = data + "/" + name + ".npy";
    const io::Tensor t = io::read_npy(path);
    if (t.shape.size() != 2)
      throw InputError(path, "shape", "expected a matrix");
    const std::vector<double> x = FloatValues(t, path);
    for (const Scheme& s : kSchemes) {
      const Format f = FormatByName(s.format);
      const std::vector<double> y =
          RoundTrip(f, s.scaling, x, t.shape[0], t.shape[1]);
      Row row{name, s.format, std::string(ScalingName(s.scaling)),
              reference::CompareToExact(y, x, f), 0};
      for (size_t i = 0; i < x.size(); ++i)
        row.flushed_to_zero += (x[i] != 0 && y[i] == 0);
      fmt::print("{:<12} {:<8} {:<11} {:>13.3e} {:>13.3e} {:>9.2f}%\n", name,
                 s.format, row.scaling, row.metrics.rel_fro_error,
                 row.metrics.max_rel_error,
                 100.0 * row.flushed_to_zero / static_cast<double>(x.size()));
      rows.push_back(std::move(row));
    }
  }

  std::string csv =
      "tensor,format,scaling,rel_fro_error,max_rel_error,max_abs_error,flushed_"
      "to_zero\n";
  nlohmann::json doc = JsonHeader();
  doc["results"] = nlohmann::json::array();
  for (const Row& r : rows) {
    csv +=
        fmt::format("{},{},{},{:.6e},{:.6e},{:.6e},{}\n", r.tensor, r.format,
                    r.scaling, r.metrics.rel_fro_error, r.metrics.max_rel_error,
                    r.metrics.max_abs_error, r.flushed_to_zero);
    doc["results"].push_back({{"tensor", r.tensor},
                              {"format", r.format},
                              {"scaling", r.scaling},
                              {"rel_fro_error", r.metrics.rel_fro_error},
                              {"max_rel_error", r.metrics.max_rel_error},
                              {"max_abs_error", r.metrics.max_abs_error},
                              {"flushed_to_zero", r.flushed_to_zero}});
  }
  io::WriteFileAtomically(out_dir + "/quantization_error.csv", csv);
  io::WriteFileAtomically(out_dir + "/quantization_error.json",
                          io::ReportJson(doc) + "\n");
  fmt::print(
      "\nWrote {0}/quantization_error.csv and {0}/quantization_error.json\n",
      where);
  fmt::print(
      "Try: gemmsim quantize --format e4m3fn {}/activations.npy codes.npy\n",
      data);
}

}  // namespace gemmsim::app
