// Each gemmsim subcommand registers itself on the CLI11 app. A command's
// callback does the work and reports failure by throwing gemmsim::Error,
// which main() turns into a message and the spec's exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace gemmsim::app {

void AddFormatsCommand(CLI::App& app);
void AddQuantizeCommands(CLI::App& app);  // quantize and dequantize
void AddDemoCommand(CLI::App& app);
void AddGemmCommand(CLI::App& app);
void AddEstimateCommand(CLI::App& app);
void AddReplayCommand(CLI::App& app);
void AddSweepCommand(CLI::App& app);
void AddValidateCommand(CLI::App& app);

}  // namespace gemmsim::app
