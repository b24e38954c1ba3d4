// gemmsim validate (SPEC.md "Command line"): are the observed outputs of a
// trace bit-exactly what a numerics model computes? With --search, which
// accumulator model explains them best (and, with --write-best, that model
// as a numerics file)? The logic is in app/validate/; this file reads the
// trace, resolves numerics and reports.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "app/commands/commands.h"
#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/validate/validate_run.h"
#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/utf8.h"

namespace gemmsim::app {
namespace {

struct ValidateArgs : ValidateOptions {
  std::string json;
};

void RunValidate(const ValidateArgs& a) {
  CheckOutputPaths({{"--json", a.json}, {"--write-best", a.write_best}});
  const ValidateOutcome outcome = RunValidation(a, [](const std::string& text) {
    fmt::print("{}", text);
    std::fflush(stdout);
  });
  if (!a.json.empty()) {
    io::WriteFileAtomically(a.json, io::ReportJson(outcome.report) + "\n");
  }
  for (const auto& file : outcome.best_files) file->commit();
  if (!outcome.failure.empty())
    throw Error(ExitCode::kCheckFailed, outcome.failure);
}

}  // namespace

void AddValidateCommand(CLI::App& app) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Compare every observed output of a trace bit for bit with the model "
      "(exit 0 all match, 1 otherwise), or --search for the accumulator "
      "model that explains them best");
  cmd->add_option("TRACE", args->trace,
                  "Trace manifest (.yaml) whose GEMMs name observed outputs")
      ->required();
  cmd->add_option("--numerics", args->numerics,
                  "Numerics preset or file for every GEMM; overrides the "
                  "GEMMs' own numerics: (with --search: the base whose "
                  "accumulate and output keys the search varies)");
  cmd->add_option("--set", args->sets,
                  "KEY=VALUE override of the numerics used, --numerics or "
                  "the GEMM's own (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--json", args->json, "Write a JSON report");
  cmd->add_option("--show", args->show, "Mismatches shown in bits per GEMM")
      ->capture_default_str();
  AddThreadsOption(cmd, &args->threads);
  cmd->add_flag("--search", args->search,
                "Search block size, alignment bits, roundings, accumulator "
                "width and where c enters for the model that best explains "
                "the observed outputs (base: --numerics, else the GEMM's "
                "numerics, else input/output formats inferred from the "
                "files); exit 1 when no candidate explains them all");
  cmd->add_option("--top", args->top, "--search: candidates reported")
      ->capture_default_str();
  cmd->add_option("--write-best", args->write_best,
                  "--search: write the best model expressible as numerics as "
                  "a numerics YAML file that --numerics FILE reads back; with "
                  "GEMMs under different bases, one file per group, its first "
                  "GEMM's name before the extension (best.NAME.yaml)");
  cmd->add_option("--search-sample", args->sample,
                  "--search: output elements every candidate is first tried "
                  "on (the best are then confirmed on all)")
      ->capture_default_str();
  cmd->callback([args] { RunValidate(*args); });
}

}  // namespace gemmsim::app
