// The plain-C++ half of the chip model (no SystemC): how one GEMM becomes
// engine tiles, what each tile costs in engine cycles and what it moves
// over HBM. The SystemC Chip (chip.h) only adds time and contention.
#pragma once

#include <cstdint>
#include <vector>

#include "models/cost/cost_model.h"
#include "models/cost/machine.h"

namespace gemmsim::models {

// One engine tile: an output block (output stationary) or a weight block
// (weight stationary) of `rows` x `cols` used PEs.
struct ChipTile {
  int64_t rows = 0, cols = 0;
  // Where the block starts: D row and column (output stationary), or B row
  // (the K slice's first k) and column (weight stationary).
  int64_t row0 = 0, col0 = 0;
  // Weight stationary: the tile (index into ChipPlan::tiles) holding the
  // previous K slice of the same columns, whose partial sums this one
  // continues; -1 for none. Only runs with operands wait for it.
  int64_t depends_on = -1;
  double cycles = 0;  // engine cycles (models/cost/tile_cycles.h)
  // HBM bytes the tile needs moved: the operand panels it is the first to
  // use, plus its share of D. Writes share the channel with reads, so they
  // are charged to the same transfer.
  double bytes = 0;
};

struct ChipPlan {
  cost::Geometry geometry;      // the one the cost model picks
  int64_t engines = 1;          // engines for the dtype
  double once_cycles = 0;       // per GEMM, not per tile (hidden fill/drain)
  std::vector<ChipTile> tiles;  // in issue order, all batches
  double bytes = 0;             // sum over tiles
};

// Throws gemmsim::Error as EstimateGemm does (unknown dtype, bad shape).
// An empty GEMM (a zero dimension) has no tiles.
ChipPlan PlanGemm(const cost::Machine& machine, const cost::GemmShape& gemm);

}  // namespace gemmsim::models
