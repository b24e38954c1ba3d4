// `gemmsim validate` for one trace GEMM: D emulated under its numerics and
// compared bit for bit with the observed output (bit_match.h says what
// "the same bits" means), keeping the first mismatches for display.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

struct ShownMismatch {
  int64_t batch = 0, i = 0, j = 0;  // the element of D
  double observed = 0, model = 0;
  double exact = 0;  // the exact result of the quantized operands (double)
};

struct GemmValidation {
  int64_t elements = 0, matches = 0;
  std::vector<ShownMismatch> shown;  // the first `show`, in element order
  int64_t mismatches() const { return elements - matches; }
  double exact_match_fraction() const {
    return elements ? static_cast<double>(matches) / elements : 1.0;
  }
};

// `observed` in EmulateGemm's layout.
GemmValidation ValidateGemm(const PreparedGemm& g,
                            const std::vector<double>& observed,
                            const Numerics& numerics, int show, int threads);

// Counts and shown mismatches of an already emulated D.
GemmValidation CompareBits(const PreparedGemm& g, const std::vector<double>& d,
                           const std::vector<double>& observed, int show);

}  // namespace gemmsim::app
