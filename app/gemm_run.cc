#include "app/gemm_run.h"

#include <chrono>

#include "app/config/numerics_file.h"
#include "app/report_json.h"
#include "app/tensor_values.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/reference/error_metrics.h"
#include "io/npy.h"

namespace gemmsim::app {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

nlohmann::json OperandJson(const OperandTensor& t, const char* as,
                           double tensor_scale) {
  return {{"file", t.name},
          {"shape", t.tensor.shape},
          {"dtype", io::dtype_name(t.tensor.dtype)},
          {"as", as},
          {"tensor_scale", tensor_scale}};
}

nlohmann::json ErrorJson(const reference::ErrorMetrics& m,
                         int64_t overflow_count) {
  return {{"reference", "exact result of the quantized operands"},
          {"elements", m.count},
          {"measured", m.measured},
          {"unbounded", m.unbounded},
          {"max_abs_error", JsonNumber(m.max_abs_error)},
          {"max_rel_error", JsonNumber(m.max_rel_error)},
          {"rel_fro_error", JsonNumber(m.rel_fro_error)},
          {"mean_ulp_error", JsonNumber(m.mean_ulp_error)},
          {"exact_match_fraction", m.exact_match_fraction()},
          {"exact_matches", m.exact_matches},
          {"nan_count", m.nan_count},
          {"inf_count", m.inf_count},
          {"overflow_count", overflow_count}};
}

}  // namespace

GemmRun RunGemmOnTensors(const OperandTensor& a, const OperandTensor& b,
                         const OperandTensor* c, const Numerics& numerics,
                         int threads, bool want_error,
                         const GemmRunHooks& hooks) {
  GemmRun run;
  run.prepared = PrepareGemm(a, b, c, numerics);
  const PreparedGemm& g = run.prepared;
  const GemmShapes& s = g.shapes;
  run.kernel = GemmKernelName(
      numerics, s.batches() > 0 ? ProblemOf(g, 0, 0, s.m) : GemmProblem{});

  if (hooks.prepared) hooks.prepared(s, run.kernel);
  // A report of 0 first: a progress function may start its clock there.
  if (hooks.emulate_progress) hooks.emulate_progress(0.0);
  const Clock::time_point emulate_start = Clock::now();
  const std::vector<double> d =
      EmulateGemm(g, numerics, threads, hooks.emulate_progress);
  run.emulate_seconds = Seconds(emulate_start);

  if (want_error) {
    if (hooks.exact_progress) hooks.exact_progress(0.0);
    const Clock::time_point exact_start = Clock::now();
    const std::vector<double> exact =
        ExactResult(g, threads, hooks.exact_progress);
    run.exact_seconds = Seconds(exact_start);
    // The total error of the format choice, quantization included.
    const std::vector<double> unquantized = UnquantizedResult(g, a, b, threads);
    run.error = CompareGemm(d, exact, nullptr, numerics, &unquantized);
    run.has_error = true;
  }
  const bool as_float32 =
      ValuesFitIn(numerics.output.format, FormatByName("fp32"));
  run.d = FloatTensor(s.output_shape, d, as_float32);
  return run;
}

nlohmann::json GemmReportJson(const GemmRun& run, const Numerics& numerics,
                              const OperandTensor& a, const OperandTensor& b,
                              const OperandTensor* c, int threads,
                              const nlohmann::json& out_name,
                              double total_seconds) {
  const GemmShapes& s = run.prepared.shapes;
  const QuantizedOperand &qa = run.prepared.a, &qb = run.prepared.b;
  nlohmann::json j = JsonHeader();
  j["command"] = "gemm";
  j["numerics"] = NumericsToJson(numerics);
  j["kernel"] = run.kernel;
  j["threads"] = threads;
  j["inputs"]["a"] =
      OperandJson(a, qa.from_codes ? "codes" : "values", qa.tensor_scale);
  j["inputs"]["b"] =
      OperandJson(b, qb.from_codes ? "codes" : "values", qb.tensor_scale);
  if (c) j["inputs"]["c"] = OperandJson(*c, "values", 1.0);
  j["output"] = {{"file", out_name},
                 {"shape", s.output_shape},
                 {"dtype", io::dtype_name(run.d.dtype)}};
  j["shape"] = {{"batch", s.batch}, {"m", s.m}, {"n", s.n}, {"k", s.k}};
  j["output_scale"] = run.prepared.output_scale;
  j["error"] = ErrorJson(run.error.vs_exact, run.error.overflow_count);
  if (run.error.vs_unquantized) {
    nlohmann::json u = ErrorJson(*run.error.vs_unquantized, 0);
    u["reference"] = "exact result of the operands before quantization";
    u.erase("overflow_count");
    j["error_vs_unquantized"] = u;
  } else {
    j["error_vs_unquantized"] = nullptr;  // A or B given as codes
  }
  j["seconds"] = {{"emulation", run.emulate_seconds},
                  {"exact", run.exact_seconds},
                  {"total", total_seconds}};
  return j;
}

}  // namespace gemmsim::app
