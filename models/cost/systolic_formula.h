// The cycle count of one GEMM on one bare systolic array, per dataflow
// (models/cost/README.md derives it). The cost model uses it for the
// systolic presets, and the cycle-level SystemC model is tested against it,
// so it is one plain function with no machine file behind it.
#pragma once

#include <cstdint>

#include "models/cost/machine.h"

namespace gemmsim::cost {

namespace systolic_detail {
inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace systolic_detail

// D (m x n) = A (m x k) B (k x n) on a g.rows x g.cols array, tiles run back
// to back with nothing overlapped between them.
//
// Output stationary: the array holds an mt x nt block of D (mt <= rows,
// nt <= cols). A enters from the left, B from the top, both skewed by one
// cycle per row/column, so PE (mt-1, nt-1) takes its last product at cycle
// k + mt + nt - 2; the results then shift out down the columns in mt cycles.
//   tile = k + 2*mt + nt - 2
// Weight stationary: the array holds a kt x nt block of B (kt <= rows), loaded
// one row per cycle (kt cycles). The m rows of A stream in from the left,
// skewed; partial sums flow down kt rows and the last leaves the bottom of
// column nt-1 after m + kt + nt - 2 cycles. Partial sums of the k tiles add
// up outside the array at no cycle cost.
//   tile = kt + m + kt + nt - 2
// Zero for an empty GEMM (any of m, n, k zero).
inline int64_t SystolicCycles(const Geometry& g, Dataflow dataflow, int64_t m,
                              int64_t n, int64_t k) {
  using systolic_detail::CeilDiv;
  if (m <= 0 || n <= 0 || k <= 0 || g.rows <= 0 || g.cols <= 0) return 0;
  if (dataflow == Dataflow::kOutputStationary) {
    // The sum over tiles (mt, nt) of k + 2*mt + nt - 2: the mt of one tile
    // row add up to m, once per tile column (and nt likewise).
    const int64_t row_tiles = CeilDiv(m, g.rows),
                  col_tiles = CeilDiv(n, g.cols);
    return row_tiles * col_tiles * (k - 2) + 2 * m * col_tiles + n * row_tiles;
  }
  const int64_t k_tiles = CeilDiv(k, g.rows), col_tiles = CeilDiv(n, g.cols);
  return k_tiles * col_tiles * (m - 2) + 2 * k * col_tiles + n * k_tiles;
}

}  // namespace gemmsim::cost
