// Error of computed values against exact ones (SPEC.md "Command line", JSON
// reports): max_abs_error, max_rel_error, rel_fro_error = ||D - D_exact||_F /
// ||D_exact||_F, mean_ulp_error in the output format, and counts of
// non-finite results. Elements whose computed and exact values are both
// NaN, or the same Inf, agree and are not measured. An element where only
// one of them is finite, or they are different non-finite values (an
// overflow, or NaN against a number), has an unbounded error: then every
// error metric is +Inf, so that an overflowed result never looks exact.
#pragma once

#include <cstdint>
#include <span>

#include "datapaths/formats/format.h"

namespace gemmsim::reference {

struct ErrorMetrics {
  int64_t count = 0;      // elements compared
  int64_t measured = 0;   // elements with finite computed and exact values
  int64_t unbounded = 0;  // non-finite elements that disagree (see above)
  // The four errors are +Inf when unbounded > 0.
  double max_abs_error = 0;
  double max_rel_error = 0;  // over elements with a non-zero exact value
  double rel_fro_error = 0;  // 0 when the exact values are all zero
  double mean_ulp_error = 0;
  int64_t exact_matches = 0;  // computed == exact (NaN matches NaN)
  int64_t nan_count = 0;      // computed NaN
  int64_t inf_count = 0;      // computed +-Inf
  double exact_match_fraction() const {
    return count ? static_cast<double>(exact_matches) / count : 1.0;
  }
};

// The distance between adjacent values of `format` around |x| (its quantum
// there); formats' subnormal quantum below the normal range; 1 for integers.
double UlpAt(const Format& format, double x);

// Whether an element's error is unbounded: computed and exact differ and
// at least one is not finite (NaN matches NaN).
bool UnboundedError(double computed, double exact);

// Compares `computed` with `exact`, element by element; ulps are those of
// `output_format`.
ErrorMetrics CompareToExact(std::span<const double> computed,
                            std::span<const double> exact,
                            const Format& output_format);

}  // namespace gemmsim::reference
