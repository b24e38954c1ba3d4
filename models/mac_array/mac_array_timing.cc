#include "models/mac_array/mac_array_timing.h"

#include <algorithm>
#include <stdexcept>

#include "datapaths/error.h"

namespace gemmsim::models {

int64_t MacArrayGemmCycles(const MacArrayConfig& config, int64_t m, int64_t n,
                           int64_t k) {
  if (config.rows < 1 || config.cols < 1)
    throw ConfigError("MAC array: rows and cols must be >= 1");
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  const int64_t rows = config.rows, cols = config.cols;
  int64_t cycles = 0;
  for (int64_t n0 = 0; n0 < n; n0 += cols) {
    const int64_t c = std::min(cols, n - n0);
    if (config.dataflow == Dataflow::kOutputStationary) {
      for (int64_t m0 = 0; m0 < m; m0 += rows)
        cycles += OsTileCycles(k, std::min(rows, m - m0), c);
    } else {
      for (int64_t k0 = 0; k0 < k; k0 += rows)
        cycles += WsSliceCycles(m, std::min(rows, k - k0), c);
    }
  }
  return cycles;
}

}  // namespace gemmsim::models
