#include "app/commands/options.h"

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

}  // namespace gemmsim::app
