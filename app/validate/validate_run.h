// The work of `gemmsim validate` (SPEC.md "Command line") as a value: the
// report of --json and the failure (exit 1) if any, with the text the
// command prints handed to a sink as it is made. The command
// (app/commands/validate_command.cc) and the Python module's
// gemmsim.validate both call RunValidation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "io/atomic_file.h"

namespace gemmsim::app {

struct ValidateOptions {
  std::string trace, numerics;
  std::string write_best;  // --write-best FILE: the search's best as numerics
  std::vector<std::string> sets;
  int show = 5;
  int threads = 0;
  bool search = false;
  int top = 10;
  int64_t sample = 512;
};

struct ValidateOutcome {
  nlohmann::json report;  // the --json document
  std::string failure;    // empty when every check passed, else exit 1's
  // --write-best: staged, for the caller to commit with the report.
  std::vector<std::unique_ptr<io::AtomicOutputFile>> best_files;
};

// Receives the command's stdout text, a GEMM or search group at a time.
using TextSink = std::function<void(const std::string& text)>;

// Throws gemmsim::Error for bad options (2) and unreadable traces (3); a
// mismatch is not thrown but returned as `failure`.
ValidateOutcome RunValidation(const ValidateOptions& options,
                              const TextSink& emit);

}  // namespace gemmsim::app
