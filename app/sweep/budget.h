// --budget X (SPEC.md job 1, "how narrow can the accumulator be"): of the
// points whose error meets the budget, the one with the narrowest
// accumulator. Narrowest = fewest bits of accumulate.format (sign, exponent
// and mantissa for floats; the width for integers); ties go to the smaller
// error, then to the earlier point.
#pragma once

#include <optional>
#include <vector>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

int AccumulatorBits(const AccumulateSpec& accumulate);

struct BudgetCandidate {
  int accumulator_bits = 0;
  double error = 0;  // the --metric value
  // A point whose D overflowed (non-finite where the exact value is finite)
  // never meets a budget, whatever its metric over the finite elements.
  bool overflowed = false;
};

// The index of the chosen candidate, or nullopt when none has an error
// (finite) at or below `budget`.
std::optional<size_t> PickNarrowest(const std::vector<BudgetCandidate>& points,
                                    double budget);

}  // namespace gemmsim::app
