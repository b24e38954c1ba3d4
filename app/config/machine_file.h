// Machine files and presets (SPEC.md "Machines and throughput", presets in
// configs/machines/): what `--machine M [--set KEY=VALUE]...` means, and the
// resolved machine written back for JSON reports. The schema is in
// machine_file.cc and every preset's comments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/cost/machine.h"

namespace gemmsim::app {

// Reads a machine file, or the preset <DataDir()>/configs/machines/<M>.yaml,
// applies `set_overrides` ("KEY=VALUE", in order) and checks the result.
// Throws ConfigError (exit 2) naming file, line, column and key path for a
// bad document, unknown preset or bad override; InputError (exit 3) for a
// file that cannot be read.
cost::Machine LoadMachine(const std::string& name_or_path,
                          const std::vector<std::string>& set_overrides = {});

std::vector<std::string> MachinePresetNames();

nlohmann::json MachineToJson(const cost::Machine& machine);

}  // namespace gemmsim::app
