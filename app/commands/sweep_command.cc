// gemmsim sweep (SPEC.md "Command line"; job 1, "how narrow can the
// accumulator be"): every combination of the --vary values, each run over
// the whole trace. Every point's numerics is checked before any work; the
// CSV is rewritten atomically after each point so that --resume can go on
// from an interrupted run; the table, plot, JSON and budget come at the end.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/sweep/budget.h"
#include "app/sweep/svg_plot.h"
#include "app/sweep/sweep_csv.h"
#include "app/sweep/sweep_grid.h"
#include "app/sweep/sweep_job.h"
#include "app/sweep/sweep_metrics.h"
#include "app/sweep/sweep_report.h"
#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

struct SweepArgs {
  std::string trace, numerics, csv, plot, json;
  std::vector<std::string> varies, sets;
  bool resume = false;
  std::optional<double> budget;
  std::string metric = "rel_fro_error";
  std::string operands = "normal";
  uint64_t seed = 0;
  int threads = 0;
};

void CheckArgs(const SweepArgs& args) {
  if (args.resume && args.csv.empty())
    throw ConfigError("--resume needs --csv F: the CSV to continue");
  if (args.budget && !(std::isfinite(*args.budget) && *args.budget >= 0)) {
    throw ConfigError(fmt::format(
        "--budget {}: expected a finite error bound >= 0", *args.budget));
  }
  CheckOutputPaths({{"--csv", args.csv},
                    {"--plot", args.plot, ".svg"},
                    {"--json", args.json}});
}

void RunSweep(const SweepArgs& args) {
  CheckArgs(args);
  const SweepMetric metric = ParseSweepMetric(args.metric);
  const SyntheticKind kind = ParseSyntheticKind(args.operands);
  const int threads = ResolveThreadsOption(args.threads);
  SweepResult r;
  r.axes = ParseVaries(args.varies);
  r.points = SweepPoints(r.axes);
  const Trace trace = ReadTrace(args.trace);
  r.trace = &trace;
  r.numerics = args.numerics;
  r.sets = args.sets;
  r.metric = metric;
  r.budget = args.budget;
  // Every point's numerics, checked before any work starts.
  const SweepNumerics numerics =
      ResolveSweepNumerics(trace, args.numerics, args.sets, r.axes, r.points);
  for (const auto& per_base : numerics.of_point) {
    int bits = 0;
    for (const Numerics& n : per_base)
      bits = std::max(bits, AccumulatorBits(n.accumulate));
    r.accumulator_bits.push_back(bits);
  }

  // --resume: the points an earlier run finished.
  std::map<std::vector<std::string>, SweepRow> done;
  if (args.resume) {
    if (std::filesystem::exists(args.csv)) {
      for (SweepRow& row : ReadSweepCsv(args.csv, r.axes))
        done.emplace(row.values, std::move(row));
      fmt::print(stderr, "gemmsim sweep: resuming {}: {} of {} points done\n",
                 args.csv, done.size(), r.points.size());
    } else {
      fmt::print(stderr, "gemmsim sweep: {} does not exist yet; starting\n",
                 args.csv);
    }
  }

  SweepEvaluator evaluator(trace, kind, args.seed, threads);
  const int synthetic = evaluator.SyntheticGemms();
  const int gemms = static_cast<int>(trace.gemms.size());
  r.operands =
      synthetic == 0
          ? "operands from files"
          : fmt::format("synthetic {} operands, seed {}{}",
                        SyntheticKindName(kind), args.seed,
                        synthetic < gemms ? fmt::format(", for {} of {} GEMMs",
                                                        synthetic, gemms)
                                          : "");
  const bool own_numerics =
      std::any_of(trace.gemms.begin(), trace.gemms.end(),
                  [](const TraceGemm& g) { return !g.numerics.empty(); });
  fmt::print("sweep {}: {} GEMM{} ({}), numerics {}{}, {} point{}\n",
             args.trace, gemms, gemms == 1 ? "" : "s", r.operands,
             args.numerics,
             own_numerics ? " (the trace's own where a GEMM names one)" : "",
             r.points.size(), r.points.size() == 1 ? "" : "s");
  std::fflush(stdout);

  // Rows in point order; the CSV holds every finished point at all times.
  std::vector<std::optional<SweepRow>> rows(r.points.size());
  auto write_csv = [&] {
    if (args.csv.empty()) return;
    std::vector<SweepRow> finished;
    for (const auto& row : rows) {
      if (row) finished.push_back(*row);
    }
    WriteSweepCsv(args.csv, r.axes, finished);
  };
  for (size_t p = 0; p < r.points.size(); ++p) {
    const std::vector<std::string> values = PointValues(r.axes, r.points[p]);
    auto it = done.find(values);
    r.resumed.push_back(it != done.end());
    if (it != done.end()) rows[p] = it->second;
  }
  size_t to_run = 0, ran = 0;
  double ran_seconds = 0;
  for (size_t p = 0; p < r.points.size(); ++p) to_run += !rows[p];
  for (size_t p = 0; p < r.points.size(); ++p) {
    if (rows[p]) continue;
    SweepRow row{PointValues(r.axes, r.points[p]),
                 evaluator.Evaluate(numerics, p)};
    ran_seconds += row.metrics.seconds;
    ++ran;
    // The time left at the mean pace of the points run so far.
    const double left = ran_seconds / static_cast<double>(ran) *
                        static_cast<double>(to_run - ran);
    fmt::print(stderr, "gemmsim sweep: [{}/{}] {}: {} {:.3g} ({:.2f} s{})\n",
               p + 1, r.points.size(), PointLabel(r.axes, r.points[p]),
               SweepMetricName(metric), MetricValue(row.metrics, metric),
               row.metrics.seconds,
               ran < to_run ? fmt::format("; about {:.0f} s left", left) : "");
    rows[p] = std::move(row);
    write_csv();
  }
  if (!args.csv.empty()) write_csv();  // also when every point was resumed
  for (auto& row : rows) r.rows.push_back(std::move(*row));

  bool has_observed = false;
  for (const TraceGemm& g : trace.gemms) has_observed |= g.observed.has_value();
  if (r.budget) {
    std::vector<BudgetCandidate> candidates;
    for (size_t p = 0; p < r.points.size(); ++p) {
      candidates.push_back({r.accumulator_bits[p],
                            MetricValue(r.rows[p].metrics, metric),
                            r.rows[p].metrics.overflow_count > 0});
    }
    r.budget_pick = PickNarrowest(candidates, *r.budget);
    r.budget_groups = BudgetGroups(r.axes, r.points);
    for (SweepResult::BudgetGroup& g : r.budget_groups) {
      std::vector<BudgetCandidate> in_group;
      for (size_t p : g.points) in_group.push_back(candidates[p]);
      if (const auto pick = PickNarrowest(in_group, *r.budget))
        g.pick = g.points[*pick];
    }
  }
  if (!args.plot.empty())
    io::WriteFileAtomically(args.plot, RenderSvgPlot(SweepPlot(r)));
  if (!args.json.empty())
    io::WriteFileAtomically(args.json,
                            io::ReportJson(SweepJson(r, numerics)) + "\n");
  fmt::print("{}", SweepTable(r, has_observed));
  if (r.budget) fmt::print("{}", BudgetLine(r, numerics));
  std::fflush(stdout);
  if (r.budget && !r.budget_pick) {
    throw Error(ExitCode::kCheckFailed,
                fmt::format("sweep: no point meets the budget {} <= {:g}",
                            SweepMetricName(metric), *r.budget));
  }
}

}  // namespace

void AddSweepCommand(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Error of a trace under every combination of --vary values of the "
      "numerics (a CSV row per point, an SVG plot, the narrowest accumulator "
      "within --budget)");
  cmd->add_option("TRACE", args->trace,
                  "Trace: YAML manifest, shape-only CSV (layer,M,N,K) or "
                  "PyTorch profiler JSON")
      ->required();
  cmd->add_option("--numerics", args->numerics,
                  "Base numerics: preset name (configs/numerics/) or YAML "
                  "file")
      ->required();
  cmd->add_option("--vary", args->varies,
                  "KEY=V1,V2,...: a dotted numerics key and its YAML values, "
                  "split at top-level commas (repeatable; points are every "
                  "combination, the first --vary varying slowest)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--set", args->sets,
                  "KEY=VALUE override of the numerics, applied before the "
                  "--vary values (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--csv", args->csv,
                  "Write a CSV row per point (rewritten after every point)");
  cmd->add_flag("--resume", args->resume,
                "Continue the sweep in --csv: skip the points it holds");
  cmd->add_option("--plot", args->plot,
                  "Write an SVG plot of --metric against the first --vary key");
  cmd->add_option("--budget", args->budget,
                  "Error budget on --metric: report the narrowest accumulator "
                  "that meets it (exit 1 when none does)");
  cmd->add_option("--metric", args->metric,
                  "rel_fro_error, max_rel_error, mean_ulp_error or "
                  "max_abs_error (the budget's and the plot's)")
      ->capture_default_str();
  cmd->add_option("--operands", args->operands,
                  "Synthetic operands for GEMMs without files: normal, "
                  "lognormal, uniform or outliers")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the synthetic operands")
      ->capture_default_str();
  AddThreadsOption(cmd, &args->threads);
  cmd->add_option("--json", args->json,
                  "Write a JSON report: vary, every point's accumulator and "
                  "metrics, the budget's answer");
  cmd->callback([args] { RunSweep(*args); });
}

}  // namespace gemmsim::app
