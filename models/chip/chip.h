// A chip: the machine's matrix engines for a dtype and one shared HBM
// channel, driven by a scheduler that tiles each GEMM the way the
// analytical cost model does (chip_plan.h). Where the cost model adds or
// maxes whole-GEMM compute and memory times, this model plays the tiles out
// in time, so it shows the pipeline's fill and drain that the roofline
// leaves out (tests/models/chip_systemc_test.cc bounds the difference).
// With operands, the engines also compute D, bit for bit Gemm's
// (engine_data.h; models/README.md "Engine and chip").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "models/chip/chip_plan.h"
#include "models/chip/engine_data.h"
#include "models/chip/matrix_engine.h"
#include "models/cost/cost_model.h"
#include "models/cost/machine.h"

namespace gemmsim::models {

struct ChipGemmResult {
  std::string name;
  cost::Geometry geometry;
  int64_t tiles = 0;   // one run, all batches
  double seconds = 0;  // all `count` runs
  double cycles = 0;   // seconds * clock
  double bytes = 0;    // HBM bytes of one run
  // One run: how long the HBM channel and the busiest engine (plus the
  // once-per-GEMM fill) were busy. Memory-bound when the channel was busy
  // longer, as in the cost model.
  double memory_seconds = 0;
  double engine_seconds = 0;
  cost::Bound bound = cost::Bound::kCompute;
  // Engine cycles of each tile, in the plan's order (one run).
  std::vector<double> tile_cycles;
  // With operands: D (m x n, row-major), and how many elements of the fast
  // mode's tiles went through MacStep instead of Gemm (specials).
  std::vector<double> d;
  int64_t stepped_elements = 0;
};

struct ChipRunResult {
  std::vector<ChipGemmResult> gemms;
  double seconds = 0;  // GEMMs run one after another
  double cycles = 0;
};

// The numerics of one GEMM: its operands (A m x k, B k x n, C m x n or
// null; the buffers outlive the run) and the accumulator that combines them.
struct ChipOperands {
  GemmProblem problem;
  Numerics numerics;
};

// One chip to simulate and the GEMMs it runs, one after another.
struct ChipJob {
  cost::Machine machine;
  std::vector<cost::GemmShape> gemms;
  EngineMode mode = EngineMode::kFast;
  // Empty: timing only. Else one entry per GEMM, each with batch 1 and the
  // shape's m, n, k; numerics and problem as CheckMacArrayNumerics /
  // CheckMacArrayProblem accept.
  std::vector<ChipOperands> operands;
  // Overlap 'max': the loader stalls while the bytes of tiles loaded but not
  // yet done would exceed the machine's SRAM (one tile always loads). Off by
  // default: it leaves the Gaudi calibration shapes unchanged but slows h100
  // decode (16x8192x8192) by 58% and the 8192^3 cube by 1%, where the cost
  // model assumes prefetch without limit (models/README.md "SRAM").
  bool sram_limit = false;
};

SC_MODULE(Chip) {
  SC_HAS_PROCESS(Chip);
  // `job`, `plans` (one per GEMM, in order) and `result` must outlive
  // simulation. `running` counts the chips still working.
  Chip(sc_core::sc_module_name name, const ChipJob& job,
       const std::vector<ChipPlan>& plans, ChipRunResult* result, int* running);

 private:
  void Schedule();  // SC_THREAD: the GEMMs one after another
  void Load();      // SC_THREAD: with overlap 'max', loads ahead of compute
  void Transfer(double bytes);  // occupies the HBM channel
  void RunMax(const ChipPlan& plan);
  void RunSum(const ChipPlan& plan);
  // Hands loaded tiles before `last` to their engines, then waits
  // until at least one tile is done or loaded; returns at once when nothing
  // is in flight and nothing is left to hand out.
  void Dispatch(const ChipPlan& plan, size_t& next, size_t last);
  void Collect();
  // The current GEMM's engine tasks (and its sums when it has operands).
  void PrepareTasks(size_t g);

  const ChipJob& job_;
  const cost::Machine& machine_;
  const std::vector<cost::GemmShape>& gemms_;
  const std::vector<ChipPlan>& plans_;
  ChipRunResult* result_;
  int* running_;
  double hz_;
  double bytes_per_second_;
  std::vector<std::unique_ptr<sc_core::sc_fifo<EngineTask*>>> to_, from_;
  std::vector<std::unique_ptr<MatrixEngine>> engines_;
  std::vector<int> held_;  // tiles each engine holds (kTilesPerEngine at most)
  int64_t engines_in_use_ = 0;  // the current GEMM's dtype's count
  int64_t in_flight_ = 0;
  sc_core::sc_event_or_list done_or_loaded_;
  std::vector<EngineTask> tasks_;  // the current GEMM's, one per tile
  std::vector<bool> tile_done_;
  std::unique_ptr<GemmSums> sums_;

  // Loader state (overlap 'max').
  const ChipPlan* loading_ = nullptr;
  size_t loaded_ = 0;  // tiles of `loading_` whose bytes have arrived
  sc_core::sc_event load_start_, tile_loaded_, tile_consumed_;
  sc_core::sc_time channel_busy_ = sc_core::SC_ZERO_TIME;
  double unconsumed_bytes_ = 0;  // loaded, tile not done yet
};

// Elaborates one Chip per job and simulates all of them in one sc_start
// (the chips are independent). SystemC elaborates once per process: call
// RunChips or RunChip at most once per process. Throws gemmsim::Error before
// elaborating for a GEMM the cost model rejects, a machine without a
// positive clock and memory bandwidth, operands that do not fit their GEMM
// or numerics the MAC array does not model, and (cycle mode) a GEMM without
// operands or a machine whose tiles are not the bare array's: cycle mode
// needs fill_drain exposed, compute_efficiency 1, tile_overhead_cycles 0 and
// one MAC per PE and cycle.
std::vector<ChipRunResult> RunChips(const std::vector<ChipJob>& jobs);

// One chip: RunChips with one job.
ChipRunResult RunChip(const cost::Machine& machine,
                      const std::vector<cost::GemmShape>& gemms);

}  // namespace gemmsim::models
