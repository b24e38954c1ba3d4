// Fields every JSON document gemmsim writes starts with (SPEC.md "Command
// line": JSON reports carry schema_version and the tool version).
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

namespace gemmsim::app {

inline constexpr int kJsonSchemaVersion = 1;

inline nlohmann::json JsonHeader() {
  return {{"schema_version", kJsonSchemaVersion},
          {"gemmsim_version", GEMMSIM_VERSION}};
}

// A measured value: JSON has no NaN or Inf, so those are the strings "nan",
// "inf" and "-inf" (Python's float() reads them), never null, which would
// read as "not measured" (an overflowed GEMM's error is "inf").
inline nlohmann::json JsonNumber(double v) {
  if (std::isfinite(v)) return v;
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

}  // namespace gemmsim::app
