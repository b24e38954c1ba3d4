// gemmsim gemm (SPEC.md "Command line"): D = C + A B under a numerics
// model, with the error of D against the exact result of the same
// (quantized) operands. Outputs are written only once everything else has
// succeeded, each atomically, so a failed run leaves no file behind.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/config/numerics_file.h"
#include "app/gemm_operands.h"
#include "app/gemm_run.h"
#include "app/report_json.h"
#include "app/trace/evaluate.h"
#include "datapaths/error.h"
#include "datapaths/reference/error_metrics.h"
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
// The clock starts at the phase's first report, not at construction: the
// exact reference's lines are made before the emulation runs.
ProgressFn ProgressLines(const char* phase) {
  struct Clocks {
    bool started = false;
    Clock::time_point start, last;
  };
  auto clocks = std::make_shared<Clocks>();
  return [=](double done) {
    if (!clocks->started) {
      clocks->started = true;
      clocks->start = clocks->last = Clock::now();
    }
    if (Seconds(clocks->last) < 3) return;
    clocks->last = Clock::now();
    const double elapsed = Seconds(clocks->start);
    const double left = done > 0 ? elapsed * (1 - done) / done : 0;
    std::fprintf(stderr,
                 "gemmsim gemm: %s %.0f%% (%.0f s, about %.0f s left)\n", phase,
                 100.0 * done, elapsed, left);
  };
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

  GemmRunHooks hooks;
  // Issue 11: a configuration without a fast kernel says so before it runs.
  hooks.prepared = [](const GemmShapes& s, const std::string& kernel) {
    const double macs = static_cast<double>(s.elements()) * s.k;
    if (kernel == "generic" && macs >= 1e8) {
      std::fprintf(stderr,
                   "gemmsim gemm: these numerics have no fast kernel (kernel "
                   "generic: each element through the exact adder, about "
                   "100x slower than a fast kernel); progress with the time "
                   "left follows\n");
    }
  };
  hooks.emulate_progress = ProgressLines("emulating");
  hooks.exact_progress = ProgressLines("exact reference");
  // The exact reference costs more than most emulations: only on request.
  const bool want_error = args.error || !args.json.empty();
  const GemmRun run = RunGemmOnTensors(a, b, c ? &*c : nullptr, numerics,
                                       threads, want_error, hooks);
  const GemmShapes& s = run.prepared.shapes;

  // The report is written to its temporary first and committed after D, so
  // that a failure writing either leaves neither behind.
  std::optional<io::AtomicOutputFile> report;
  if (!args.json.empty()) {
    const nlohmann::json j =
        GemmReportJson(run, numerics, a, b, c ? &*c : nullptr, threads,
                       args.out, Seconds(start));
    report.emplace(args.json);
    report->write(io::ReportJson(j) + "\n");
  }
  io::write_npy(args.out, run.d);
  if (report) report->commit();

  fmt::print(
      "{}: D {} = A {} x B {}{} under {} (kernel {}, {} threads, {:.3g} s)\n",
      args.out, s.output_shape, a.tensor.shape, b.tensor.shape,
      c ? fmt::format(" + C {}", c->tensor.shape) : "", numerics.name,
      run.kernel, threads, Seconds(start));
  if (!want_error) return;
  const reference::ErrorMetrics& m = run.error.vs_exact;
  fmt::print(
      "error against the exact result: rel_fro_error {:.4g}, max_rel_error "
      "{:.4g}, exact matches {} of {}{}\n",
      m.rel_fro_error, m.max_rel_error, m.exact_matches, m.count,
      m.nan_count || m.inf_count
          ? fmt::format(" ({} NaN, {} Inf)", m.nan_count, m.inf_count)
          : "");
  if (run.error.vs_unquantized) {
    const reference::ErrorMetrics& u = *run.error.vs_unquantized;
    fmt::print(
        "error against the unquantized operands (float64, quantization "
        "included): rel_fro_error {:.4g}, max_rel_error {:.4g}\n",
        u.rel_fro_error, u.max_rel_error);
  }
  if (run.error.overflow_count) {
    fmt::print(
        "{} of {} outputs are NaN or Inf where the exact result is finite "
        "(the accumulator or output format overflowed): the error is "
        "unbounded\n",
        run.error.overflow_count, m.count);
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
