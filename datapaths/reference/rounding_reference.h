// A slow, obviously correct rounding reference for floating-point formats of
// at most 20 bits: it lists every finite value of the format from the
// layout's definition (not from codec.cc), finds the two neighbours of x with
// exact rational arithmetic and applies each rounding mode's definition.
// Tests prove the fast encoders equal to it (tests/formats/).
#pragma once

#include <cstdint>
#include <vector>

#include "datapaths/formats/codec.h"

namespace gemmsim::reference {

class RoundingReference {
 public:
  // Formats with a zero and at most 20 bits (e8m0fnu's quirky lowest binade
  // is covered by golden vectors instead).
  explicit RoundingReference(const Format& format);

  // The value x rounds to (an infinity or NaN where the rules say so), for
  // every deterministic mode; stochastic rounding is not defined here.
  double Round(double x, const EncodeOptions& options) const;

  // The non-negative finite values, ascending, then the virtual value one
  // quantum above the maximum (where an unbounded exponent would continue).
  const std::vector<double>& grid() const { return grid_; }

 private:
  Format format_;
  std::vector<double> grid_;
};

// The value of each finite code, from the layout's definition; used to check
// Decode. Non-finite codes map to NaN (check them with Classify).
double ValueOfCodeByDefinition(const Format& format, uint64_t code);

}  // namespace gemmsim::reference
