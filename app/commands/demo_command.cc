// gemmsim demo: the one-minute tour on bundled data (SPEC.md's three jobs):
// a sweep of accumulator formats with its plot, a replay of a training
// step's GEMMs on a machine, a validation against real H100 captures, and
// the input formats' quantization error. Every output goes into one folder,
// which the tour names at the start and the end.
#include <fmt/format.h>

#include <filesystem>

#include "app/commands/commands.h"
#include "app/data_dir.h"
#include "app/demo/demo_step.h"
#include "app/demo/quantization_tour.h"
#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

void Heading(const char* text) { fmt::print("\n== {} ==\n", text); }

void Step(const std::vector<std::string>& args) {
  const int code = RunDemoStep(args);
  if (code != 0) {
    throw Error(
        static_cast<ExitCode>(code),
        fmt::format("demo: the step above ended with exit code {}", code));
  }
}

void RunDemo(const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    throw InputError(out_dir, "",
                     "cannot create the demo's output folder" +
                         (ec ? ": " + ec.message() : std::string()));
  }
  const std::string out = std::filesystem::absolute(out_dir).string();
  const std::string traces = DataDir() + "/traces";
  fmt::print("gemmsim demo: bundled data from {}\n", traces);
  fmt::print("gemmsim demo: writing every output to {}\n", out);

  Heading("1. Sweep: how narrow can the accumulator be? (FP8 operands)");
  Step({"sweep", traces + "/llm-operands/trace.yaml", "--numerics",
        "fp8-acc-fp32", "--vary",
        "accumulate.format=fp32,e8m16,e8m13,e8m10,fp16,bf16", "--budget",
        "1e-3", "--csv", out + "/sweep.csv", "--plot", out + "/sweep.svg",
        "--json", out + "/sweep.json"});

  Heading("2. Replay: one GPT-2 small training step on Gaudi 2");
  Step({"replay", traces + "/gpt2-small-step.yaml", "--machine", "gaudi2",
        "--numerics", "gaudi2-bf16-fp32", "--sample", "256", "--json",
        out + "/replay.json", "--csv", out + "/replay.csv"});

  Heading("3. Validate: real H100 tensor-core outputs against the presets");
  Step({"validate", traces + "/h100-captures/trace.yaml", "--json",
        out + "/validate.json"});

  Heading("4. Input formats: quantization error of LLM-like operands");
  RunQuantizationTour(out);

  fmt::print("\ngemmsim demo: done; outputs are in {}\n", out);
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto out = std::make_shared<std::string>("gemmsim-demo");
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "A one-minute tour on bundled data: a sweep with its plot, a replay, a "
      "validation against real H100 captures, input-format error");
  cmd->add_option("--out", *out, "Folder for every output of the tour")
      ->capture_default_str();
  cmd->callback([out] { RunDemo(*out); });
}

}  // namespace gemmsim::app
