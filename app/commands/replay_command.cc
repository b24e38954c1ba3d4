// gemmsim replay (SPEC.md "Command line"): error (against the exact result)
// and throughput (cost model) of every GEMM of a trace and in total, as a
// table on stdout and optionally JSON and CSV files. The work is
// app/replay/replay_run.h; outputs are written, each atomically, only after
// every GEMM has succeeded.
#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <thread>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/config/machine_file.h"
#include "app/replay/replay_report.h"
#include "app/replay/replay_run.h"
#include "app/trace/trace.h"
#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

struct ReplayArgs {
  std::string trace, machine, numerics, json, csv, operands = "normal";
  std::vector<std::string> sets;
  int64_t sample = 0;
  uint64_t seed = 0;
  int threads = 0;
};

void RunReplayCommand(const ReplayArgs& args) {
  if (args.sample < 0 || args.sample == 1) {
    throw ConfigError(fmt::format(
        "--sample {}: expected a number of output elements >= 2 (0: every "
        "element)",
        args.sample));
  }
  ReplayOptions options;
  options.numerics = args.numerics;
  options.sets = args.sets;
  options.sample = args.sample;
  options.operands = ParseSyntheticKind(args.operands);
  options.seed = args.seed;
  options.threads = ResolveThreadsOption(args.threads);
  if (!args.machine.empty()) options.machine = LoadMachine(args.machine);
  CheckOutputPaths({{"--json", args.json}, {"--csv", args.csv}});

  const Trace trace = ReadTrace(args.trace);
  const ReplayResult result = RunReplay(trace, options);
  const ReplayReportContext context{&trace, &options, &result};

  std::optional<io::AtomicOutputFile> json, csv;
  if (!args.json.empty()) {
    json.emplace(args.json);
    json->write(io::ReportJson(ReplayJson(context)) + "\n");
  }
  if (!args.csv.empty()) {
    csv.emplace(args.csv);
    csv->write(ReplayCsv(context));
  }
  const std::string table = ReplayTable(context);
  if (json) json->commit();
  if (csv) csv->commit();
  fmt::print("{}", table);
}

}  // namespace

void AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Error (against the exact result) and throughput (cost model) of every "
      "GEMM of a trace and in total");
  cmd->add_option("TRACE", args->trace,
                  "Trace: YAML manifest, shape-only CSV (layer,M,N,K) or "
                  "PyTorch profiler JSON")
      ->required();
  cmd->add_option("--machine", args->machine,
                  "Machine preset (configs/machines/) or YAML file, for "
                  "throughput; without it, error only");
  cmd->add_option("--numerics", args->numerics,
                  "Numerics preset (configs/numerics/) or YAML file for every "
                  "GEMM; it takes precedence over the trace's per-GEMM "
                  "`numerics` fields. Without it each GEMM uses its own, and a "
                  "GEMM with none gets throughput only");
  cmd->add_option("--set", args->sets,
                  "KEY=VALUE override of the numerics, applied to whichever "
                  "numerics each GEMM uses (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--json", args->json, "Write a JSON report");
  cmd->add_option("--csv", args->csv, "Write a CSV row per GEMM and a total");
  cmd->add_option(
         "--sample", args->sample,
         "Estimate each GEMM's error from S output elements drawn at random "
         "(each a full dot product), with 95% confidence intervals; 0: every "
         "element. Full emulation is limited to 2^36 multiply-adds per GEMM")
      ->capture_default_str();
  cmd->add_option("--operands", args->operands,
                  "Synthetic operands for GEMMs without operand files: "
                  "normal, lognormal, uniform or outliers")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed,
                  "Seed of synthetic operands and of sampling")
      ->capture_default_str();
  AddThreadsOption(cmd, &args->threads);
  cmd->callback([args] { RunReplayCommand(*args); });
}

}  // namespace gemmsim::app
