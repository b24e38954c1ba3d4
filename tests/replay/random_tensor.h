// The random operands the replay tests build: float32 values in
// [lo, lo + 1) from a fixed generator, so every run sees the same tensor.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "app/tensor_values.h"
#include "io/tensor.h"

namespace gemmsim::testing {

inline io::Tensor RandomFloatTensor(const std::vector<int64_t>& shape,
                                    double lo, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::vector<double> v(static_cast<size_t>(count));
  for (double& x : v)
    x = static_cast<float>(lo + static_cast<double>(rng() >> 11) * 0x1p-53);
  return app::FloatTensor(shape, v, true);
}

}  // namespace gemmsim::testing
