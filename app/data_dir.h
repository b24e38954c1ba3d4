// Where gemmsim finds its bundled data (traces/, configs/): $GEMMSIM_DATA_DIR
// if set, else the source tree it was built from.
#pragma once

#include <cstdlib>
#include <string>

namespace gemmsim::app {

inline std::string DataDir() {
  const char* env = std::getenv("GEMMSIM_DATA_DIR");
  return (env && *env) ? env : GEMMSIM_SOURCE_DATA_DIR;
}

}  // namespace gemmsim::app
