#include "app/commands/options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <thread>

#include "datapaths/error.h"

namespace gemmsim::app {

Format ParseFormatOption(const std::string& value) {
  return FormatByName(value);  // its error lists the accepted forms
}

RoundingSpec ParseRoundingOption(const std::string& mode, int stochastic_bits) {
  const auto parsed = ParseRounding(mode);
  if (!parsed) {
    throw ConfigError(
        "--rounding '" + mode +
        "': expected rne, rna, rtz, rup, rdown, rto or stochastic");
  }
  if (stochastic_bits < 1 || stochastic_bits > 32) {
    throw ConfigError("--stochastic-bits " + std::to_string(stochastic_bits) +
                      ": expected 1..32");
  }
  return {*parsed, stochastic_bits};
}

Overflow ParseOverflowOption(const std::string& value) {
  const auto parsed = ParseOverflow(value);
  if (!parsed)
    throw ConfigError("--overflow '" + value + "': expected ieee or saturate");
  return *parsed;
}

void AddThreadsOption(CLI::App* command, int* threads) {
  command
      ->add_option("--threads", *threads,
                   "Threads (default 0: every core); results do not depend on "
                   "it")
      ->capture_default_str();
}

int ResolveThreadsOption(int requested) {
  if (requested < 0 || requested > 4096) {
    throw ConfigError("--threads " + std::to_string(requested) +
                      ": expected 1..4096, or 0 for every core");
  }
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace gemmsim::app
