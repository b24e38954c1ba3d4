// Analytical cycle counts of the R x C MAC array (plain C++, no SystemC).
// The fast (transaction-level) mode waits exactly these; the cycle mode
// steps every PE each clock edge and is tested to take the same number of
// edges. Tiles run one after another (no overlap of one tile's drain or
// preload with the next tile's compute).
#ifndef GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_TIMING_H_
#define GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_TIMING_H_

#include <cstdint>

#include "models/cost/machine.h"

namespace gemmsim::models {

// Output-stationary: PE (i, j) owns D[i][j] of an R x C output tile; A
// streams from the left, B from the top, each skewed by one cycle per row /
// column. Weight-stationary: a K-slice x C tile of B is preloaded; A rows
// stream from the left and partial sums flow down the columns, rounded at
// every hop. One enum with the cost model, whose closed form
// (cost::SystolicCycles, models/cost/README.md) these tile sums equal.
using Dataflow = cost::Dataflow;

struct MacArrayConfig {
  int rows = 8;  // R
  int cols = 8;  // C
  Dataflow dataflow = Dataflow::kOutputStationary;
};

// OS tile of r x c outputs (r <= R, c <= C; only the used PEs are fed):
// PE (i, j) does its k-th MAC in cycle k + i + j, so compute takes
// K + r + c - 2 cycles; then the results shift out of the bottom, one row
// per cycle: r cycles of drain.
constexpr int64_t OsTileCycles(int64_t k, int64_t r, int64_t c) {
  return (k + r + c - 2) + r;
}

// WS slice of kr rows of B (kr <= R, a K-slice) by c columns (c <= C):
// loading the weights shifts one row down per cycle (kr cycles); then row m
// of A meets PE (i, j) in cycle m + i + j, so the M rows take M + kr + c - 2
// cycles. Results leave the bottom during compute: no drain.
constexpr int64_t WsSliceCycles(int64_t m, int64_t kr, int64_t c) {
  return kr + (m + kr + c - 2);
}

// A whole M x N x K GEMM: 0 when M, N or K is 0 (nothing reaches the array;
// D is C rounded). OS: tiles over (M / R) x (N / C), edge tiles smaller.
// WS: tiles over (N / C) x (K / R), each streaming all M rows.
int64_t MacArrayGemmCycles(const MacArrayConfig& config, int64_t m, int64_t n,
                           int64_t k);

}  // namespace gemmsim::models

#endif  // GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_TIMING_H_
