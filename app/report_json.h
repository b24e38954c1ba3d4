// Fields every JSON document gemmsim writes starts with (SPEC.md "Command
// line": JSON reports carry schema_version and the tool version).
#pragma once

#include <nlohmann/json.hpp>

namespace gemmsim::app {

inline constexpr int kJsonSchemaVersion = 1;

inline nlohmann::json JsonHeader() {
  return {{"schema_version", kJsonSchemaVersion},
          {"gemmsim_version", GEMMSIM_VERSION}};
}

}  // namespace gemmsim::app
