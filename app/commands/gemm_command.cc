// gemmsim gemm (SPEC.md "Command line"): D = C + A B under a numerics
// model, with the error of D against the exact result of the same
// (quantized) operands. Outputs are written only once everything else has
// succeeded, each atomically, so a failed run leaves no file behind.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/config/numerics_file.h"
#include "app/gemm_operands.h"
#include "app/report_json.h"
#include "app/tensor_values.h"
#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/error.h"
#include "datapaths/reference/error_metrics.h"
#include "datapaths/reference/exact_dot.h"
#include "io/atomic_file.h"
#include "io/npy.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

using Clock = std::chrono::steady_clock;

struct GemmArgs {
  std::string numerics, a, b, c, out, json;
  bool error = false;  // print the error against the exact result
  std::vector<std::string> sets;
  std::optional<uint64_t> seed;  // --seed: the numerics' seed, last of all
  int threads = 0;               // 0: every core
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// A progress line on stderr every few seconds; short runs print nothing.
ProgressFn ProgressLines(const char* phase) {
  auto start = std::make_shared<Clock::time_point>(Clock::now());
  auto last = std::make_shared<Clock::time_point>(*start);
  return [=](double done) {
    if (Seconds(*last) < 3) return;
    *last = Clock::now();
    const double left = done > 0 ? Seconds(*start) * (1 - done) / done : 0;
    std::fprintf(stderr,
                 "gemmsim gemm: %s %.0f%% (%.0f s, about %.0f s left)\n", phase,
                 100.0 * done, Seconds(*start), left);
  };
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

void RunGemm(const GemmArgs& args) {
  const Clock::time_point start = Clock::now();
  const int threads = ResolveThreadsOption(args.threads);
  CheckOutputPaths({{"-o", args.out, ".npy"}, {"--json", args.json}});
  // --seed N is --set seed=N, applied after every --set.
  std::vector<std::string> sets = args.sets;
  if (args.seed) sets.push_back("seed=" + std::to_string(*args.seed));
  const Numerics numerics = LoadNumerics(args.numerics, sets);

  const OperandTensor a = ReadOperand(args.a), b = ReadOperand(args.b);
  std::optional<OperandTensor> c;
  if (!args.c.empty()) c = ReadOperand(args.c);
  const PreparedGemm g = PrepareGemm(a, b, c ? &*c : nullptr, numerics);
  const GemmShapes& s = g.shapes;
  const QuantizedOperand &qa = g.a, &qb = g.b;
  const double output_scale = g.output_scale;
  const std::string kernel = GemmKernelName(
      numerics, s.batches() > 0 ? ProblemOf(g, 0, 0, s.m) : GemmProblem{});

  // Issue 11: a configuration without a fast kernel says so before it runs.
  const double macs = static_cast<double>(s.elements()) * s.k;
  if (kernel == "generic" && macs >= 1e8) {
    std::fprintf(stderr,
                 "gemmsim gemm: these numerics have no fast kernel (kernel "
                 "generic: each element through the exact adder, about 100x "
                 "slower than a fast kernel); progress with the time left "
                 "follows\n");
  }
  const Clock::time_point emulate_start = Clock::now();
  const std::vector<double> d =
      EmulateGemm(g, numerics, threads, ProgressLines("emulating"));
  const double emulate_seconds = Seconds(emulate_start);

  // The exact reference costs more than most emulations: only on request.
  const bool want_error = args.error || !args.json.empty();
  const Clock::time_point exact_start = Clock::now();
  const std::vector<double> exact =
      want_error ? ExactResult(g, threads, ProgressLines("exact reference"))
                 : std::vector<double>{};
  const double exact_seconds = Seconds(exact_start);

  // The total error of the format choice, quantization included.
  const std::vector<double> unquantized =
      want_error ? UnquantizedResult(g, a, b, threads) : std::vector<double>{};
  const Format& out_format = numerics.output.format;
  const GemmError error =
      CompareGemm(d, exact, nullptr, numerics, &unquantized);
  const reference::ErrorMetrics& m = error.vs_exact;
  const bool as_float32 = ValuesFitIn(out_format, FormatByName("fp32"));
  const io::Tensor d_tensor = FloatTensor(s.output_shape, d, as_float32);

  // The report is written to its temporary first and committed after D, so
  // that a failure writing either leaves neither behind.
  std::optional<io::AtomicOutputFile> report;
  if (!args.json.empty()) {
    nlohmann::json j = JsonHeader();
    j["command"] = "gemm";
    j["numerics"] = NumericsToJson(numerics);
    j["kernel"] = kernel;
    j["threads"] = threads;
    j["inputs"]["a"] =
        OperandJson(a, qa.from_codes ? "codes" : "values", qa.tensor_scale);
    j["inputs"]["b"] =
        OperandJson(b, qb.from_codes ? "codes" : "values", qb.tensor_scale);
    if (c) j["inputs"]["c"] = OperandJson(*c, "values", 1.0);
    j["output"] = {{"file", args.out},
                   {"shape", s.output_shape},
                   {"dtype", io::dtype_name(d_tensor.dtype)}};
    j["shape"] = {{"batch", s.batch}, {"m", s.m}, {"n", s.n}, {"k", s.k}};
    j["output_scale"] = output_scale;
    j["error"] = ErrorJson(m, error.overflow_count);
    if (error.vs_unquantized) {
      nlohmann::json u = ErrorJson(*error.vs_unquantized, 0);
      u["reference"] = "exact result of the operands before quantization";
      u.erase("overflow_count");
      j["error_vs_unquantized"] = u;
    } else {
      j["error_vs_unquantized"] = nullptr;  // A or B given as codes
    }
    j["seconds"] = {{"emulation", emulate_seconds},
                    {"exact", exact_seconds},
                    {"total", Seconds(start)}};
    report.emplace(args.json);
    report->write(io::ReportJson(j) + "\n");
  }
  io::write_npy(args.out, d_tensor);
  if (report) report->commit();

  fmt::print(
      "{}: D {} = A {} x B {}{} under {} (kernel {}, {} threads, {:.3g} s)\n",
      args.out, s.output_shape, a.tensor.shape, b.tensor.shape,
      c ? fmt::format(" + C {}", c->tensor.shape) : "", numerics.name, kernel,
      threads, Seconds(start));
  if (!want_error) return;
  fmt::print(
      "error against the exact result: rel_fro_error {:.4g}, max_rel_error "
      "{:.4g}, exact matches {} of {}{}\n",
      m.rel_fro_error, m.max_rel_error, m.exact_matches, m.count,
      m.nan_count || m.inf_count
          ? fmt::format(" ({} NaN, {} Inf)", m.nan_count, m.inf_count)
          : "");
  if (error.vs_unquantized) {
    const reference::ErrorMetrics& u = *error.vs_unquantized;
    fmt::print(
        "error against the unquantized operands (float64, quantization "
        "included): rel_fro_error {:.4g}, max_rel_error {:.4g}\n",
        u.rel_fro_error, u.max_rel_error);
  }
  if (error.overflow_count) {
    fmt::print(
        "{} of {} outputs are NaN or Inf where the exact result is finite "
        "(the accumulator or output format overflowed): the error is "
        "unbounded\n",
        error.overflow_count, m.count);
  }
}

}  // namespace

void AddGemmCommand(CLI::App& app) {
  auto args = std::make_shared<GemmArgs>();
  CLI::App* gemm = app.add_subcommand(
      "gemm",
      "D = C + A B under a numerics model (A [..., M, K], B [..., K, N], "
      "NumPy matmul broadcasting), with its error against the exact result");
  gemm->add_option("--numerics", args->numerics,
                   "Numerics preset name (configs/numerics/) or YAML file")
      ->required();
  gemm->add_option("--set", args->sets,
                   "KEY=VALUE override of the numerics (repeatable)")
      ->allow_extra_args(false);
  gemm->add_option("--seed", args->seed,
                   "Seed of stochastic rounding anywhere in the datapath: "
                   "overrides the numerics' `seed` (as --set seed=N, after "
                   "every --set); the same seed gives the same D");
  gemm->add_option("A", args->a,
                   "A: .npy (or FILE.safetensors:TENSOR) of values, or codes "
                   "(unsigned integers) of the input format")
      ->required();
  gemm->add_option("B", args->b, "B, as A")->required();
  gemm->add_option("-c", args->c, "C, the addend: float values [..., M, N]");
  gemm->add_option("-o", args->out,
                   "Output D: a .npy path, written under exactly that name")
      ->required();
  gemm->add_option("--json", args->json,
                   "Write a JSON report: numerics, kernel, error metrics");
  gemm->add_flag("--error", args->error,
                 "Also compute the exact result and print D's error against "
                 "it (--json implies it)");
  AddThreadsOption(gemm, &args->threads);
  gemm->callback([args] { RunGemm(*args); });
}

}  // namespace gemmsim::app
