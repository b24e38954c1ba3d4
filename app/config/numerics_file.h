// Numerics files and presets (SPEC.md "Accumulation", presets in
// configs/numerics/): what `--numerics N [--set KEY=VALUE]...` means, and the
// resolved numerics written back for reports (JSON) and for files (YAML).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

// Reads a numerics file, or the preset <DataDir()>/configs/numerics/<N>.yaml,
// applies `set_overrides` ("KEY=VALUE", in order) to its YAML tree and
// checks the result against the schema (app/config/numerics_schema.h).
// Numerics::name is the document's `name`, else the preset's name, else the
// path. Throws gemmsim::Error: ConfigError (exit 2) for an unknown preset, a
// bad override or a bad document, naming the file, line and column, key path
// and what was expected; InputError (exit 3) for a file that cannot be read.
Numerics LoadNumerics(const std::string& name_or_path,
                      const std::vector<std::string>& set_overrides = {});

// The names of the bundled numerics presets, sorted.
std::vector<std::string> NumericsPresetNames();

// Every field of the resolved numerics, formats with their layout numbers
// (the "resolved numerics" of SPEC.md's JSON reports).
nlohmann::json NumericsToJson(const Numerics& numerics);

// A numerics document, every field written out, that LoadNumerics reads back
// into the same Numerics.
std::string NumericsToYaml(const Numerics& numerics);

}  // namespace gemmsim::app
