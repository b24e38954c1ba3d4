// Engine cycles of one tile, as the cost model counts them (models/cost/
// README.md "Compute"). Shared by the analytical model and the
// transaction-level chip model (models/chip/), so that both charge a tile the
// same time and differ only in how tiles and memory overlap.
#pragma once

#include <cmath>
#include <cstdint>

#include "models/cost/machine.h"

namespace gemmsim::cost {

// MACs one engine does per cycle on geometry `g`.
inline int64_t MacsPerCycle(const DtypeEngines& e, const Geometry& g) {
  return e.macs_per_cycle > 0 ? e.macs_per_cycle : g.rows * g.cols;
}

// Fill/drain skew of one tile on geometry `g`.
inline int64_t SkewCycles(const Geometry& g) { return 2 * g.rows + g.cols - 2; }

// One bare array (exposed skew, one engine, one MAC per PE): the cost model
// then counts edge tiles at their own size (BareTileCycles).
inline bool IsBareArray(const Machine& machine, const DtypeEngines& e,
                        const Geometry& g) {
  return machine.fill_drain_exposed && e.count == 1 &&
         MacsPerCycle(e, g) == g.rows * g.cols;
}

// How many engines share each output tile's K (README "Compute",
// split-K): 1 unless the machine splits K and `tiles` output tiles leave
// engines idle; then floor(count / tiles), at most K.
inline int64_t SplitK(const Machine& machine, const DtypeEngines& e,
                      int64_t tiles, int64_t k) {
  if (!machine.split_k || machine.dataflow != Dataflow::kOutputStationary ||
      tiles <= 0 || tiles >= e.count)
    return 1;
  const int64_t splits = e.count / tiles;
  return splits < k ? splits : (k > 0 ? k : 1);
}

// A full tile streaming `stream` elements (K for output stationary, M for
// weight stationary): every tile costs this however little of it is used.
inline double TileCycles(const Machine& machine, const DtypeEngines& e,
                         const Geometry& g, int64_t stream) {
  const int64_t skew = SkewCycles(g);
  return std::ceil(static_cast<double>(stream) * g.rows * g.cols /
                   MacsPerCycle(e, g)) /
             machine.compute_efficiency +
         machine.tile_overhead_cycles + (machine.fill_drain_exposed ? skew : 0);
}

// A tile of `rows` x `cols` used PEs on a bare array: the streaming part at
// the efficiency plus its own skew (systolic_formula.h: k + 2*mt + nt - 2 for
// output stationary, m + 2*kt + nt - 2 for weight stationary). Summed over
// the tiles it is the cost model's bare-array formula.
inline double BareTileCycles(const Machine& machine, int64_t stream,
                             int64_t rows, int64_t cols) {
  return static_cast<double>(stream) / machine.compute_efficiency +
         static_cast<double>(2 * rows + cols - 2) +
         static_cast<double>(machine.tile_overhead_cycles);
}

// Cycles paid once per GEMM rather than per tile: with hidden fill/drain the
// next tile fills while one drains, so only the first fill shows.
inline double OnceCycles(const Machine& machine, const Geometry& g) {
  return machine.fill_drain_exposed ? 0.0 : static_cast<double>(SkewCycles(g));
}

}  // namespace gemmsim::cost
