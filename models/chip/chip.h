// A chip at transaction level ("fast" mode): the machine's matrix engines
// for a dtype and one shared HBM channel, driven by a scheduler that tiles
// each GEMM the way the analytical cost model does (chip_plan.h). Where the
// cost model adds or maxes whole-GEMM compute and memory times, this model
// plays the tiles out in time, so it shows the pipeline's fill and drain
// that the roofline leaves out (tests/models/chip_systemc_test.cc bounds
// the difference).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "models/chip/chip_plan.h"
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
};

struct ChipRunResult {
  std::vector<ChipGemmResult> gemms;
  double seconds = 0;  // GEMMs run one after another
  double cycles = 0;
};

SC_MODULE(Chip) {
  SC_HAS_PROCESS(Chip);
  // `plans` (one per GEMM, in order) and `result` must outlive simulation.
  Chip(sc_core::sc_module_name name, const cost::Machine& machine,
       const std::vector<cost::GemmShape>& gemms,
       const std::vector<ChipPlan>& plans, ChipRunResult* result);

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

  const cost::Machine& machine_;
  const std::vector<cost::GemmShape>& gemms_;
  const std::vector<ChipPlan>& plans_;
  ChipRunResult* result_;
  double hz_;
  double bytes_per_second_;
  std::vector<std::unique_ptr<sc_core::sc_fifo<const ChipTile*>>> to_, from_;
  std::vector<std::unique_ptr<MatrixEngine>> engines_;
  std::vector<bool> busy_;
  int64_t engines_in_use_ = 0;  // the current GEMM's dtype's count
  int64_t in_flight_ = 0;
  sc_core::sc_event_or_list done_or_loaded_;

  // Loader state (overlap 'max').
  const ChipPlan* loading_ = nullptr;
  size_t loaded_ = 0;  // tiles of `loading_` whose bytes have arrived
  sc_core::sc_event load_start_, tile_loaded_;
  sc_core::sc_time channel_busy_ = sc_core::SC_ZERO_TIME;
};

// One chip to simulate and the GEMMs it runs, one after another.
struct ChipJob {
  cost::Machine machine;
  std::vector<cost::GemmShape> gemms;
};

// Elaborates one Chip per job and simulates all of them in one sc_start
// (the chips are independent). SystemC elaborates once per process: call
// RunChips or RunChip at most once per process. Throws gemmsim::Error before
// elaborating for a GEMM the cost model rejects, or for a machine without
// a positive clock and memory bandwidth.
std::vector<ChipRunResult> RunChips(const std::vector<ChipJob>& jobs);

// One chip: RunChips with one job.
ChipRunResult RunChip(const cost::Machine& machine,
                      const std::vector<cost::GemmShape>& gemms);

}  // namespace gemmsim::models
