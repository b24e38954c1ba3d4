#include "app/sweep/budget.h"

#include <cmath>

namespace gemmsim::app {

int AccumulatorBits(const AccumulateSpec& accumulate) {
  // Format::bits() counts the sign (when there is one), exponent and
  // mantissa fields of a float, and the width of an integer.
  return accumulate.format.bits();
}

std::optional<size_t> PickNarrowest(const std::vector<BudgetCandidate>& points,
                                    double budget) {
  std::optional<size_t> best;
  for (size_t i = 0; i < points.size(); ++i) {
    const BudgetCandidate& p = points[i];
    if (p.overflowed || !std::isfinite(p.error) || !(p.error <= budget))
      continue;
    if (!best || p.accumulator_bits < points[*best].accumulator_bits ||
        (p.accumulator_bits == points[*best].accumulator_bits &&
         p.error < points[*best].error)) {
      best = i;
    }
  }
  return best;
}

}  // namespace gemmsim::app
