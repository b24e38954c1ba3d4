// A GEMM shape for the cost tests: M x N x K of `dtype`, batch 1, named "g".
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "models/cost/cost_model.h"

namespace gemmsim::cost {

inline GemmShape Shape(int64_t m, int64_t n, int64_t k,
                       std::string dtype = "bf16") {
  GemmShape s;
  s.name = "g";
  s.m = m, s.n = n, s.k = k;
  s.dtype = std::move(dtype);
  return s;
}

}  // namespace gemmsim::cost
