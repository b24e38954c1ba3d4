// A matrix engine: takes tiles from `in`, computes them and hands them back
// on `done`. Two modes (models/README.md "Engine and chip"):
// - fast: transaction level, one event per tile. The tile lasts the cost
//   model's per-tile cycles (models/cost/tile_cycles.h); with operands its
//   numerics go through Gemm on the tile's sub-problem
//   (AccumulatorBank::AddFast), never per MAC in SystemC.
// - cycle: the tile runs through the register-level array (SystolicGemm,
//   every MAC through MacStep), stepped once per clock edge by the Run
//   thread; the tile lasts as many cycles as the array took. Only for small
//   arrays and machines whose tile time is the bare array's (chip.h).
// Input buffers are double-buffered: Fetch stages the next tile's operands
// while Run computes the current one, so the scheduler may hand an engine a
// second tile while it is busy. The output accumulators are two banks used
// in turn (engine_data.h).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <systemc>

#include "models/chip/chip_plan.h"
#include "models/chip/engine_data.h"
#include "models/mac_array/mac_array_timing.h"

namespace gemmsim::models {

enum class EngineMode { kFast, kCycle };
const char* EngineModeName(EngineMode mode);

// One tile handed to an engine. The chip owns it until it comes back.
struct EngineTask {
  const ChipTile* tile = nullptr;
  int64_t index = 0;         // in the plan's tiles
  GemmSums* sums = nullptr;  // the GEMM's operands and sums; null: timing only
  TileWindow window;         // the part of the GEMM the tile computes
  bool last_slice = false;   // the tile's results are final: drain into D
  MacArrayConfig array;      // cycle mode: the array's geometry and dataflow
  // Filled by the engine: cycles the tile took, and (fast mode) elements
  // whose numerics went through MacStep rather than Gemm.
  double cycles = 0;
  int64_t stepped_elements = 0;
};

// Most tiles one engine holds: one computing, one staged.
inline constexpr int kTilesPerEngine = 2;

SC_MODULE(MatrixEngine) {
  sc_core::sc_fifo_in<EngineTask*> in;
  sc_core::sc_fifo_out<EngineTask*> done;

  SC_HAS_PROCESS(MatrixEngine);  // SystemC 2.3: needed for a custom ctor
  MatrixEngine(sc_core::sc_module_name name, double clock_hz, EngineMode mode);

  // Time spent computing, and tiles done, since elaboration.
  sc_core::sc_time busy() const { return busy_; }
  int64_t tiles() const { return tiles_; }

 private:
  void Fetch();  // SC_THREAD: loads the next tile into a free input buffer
  void Run();    // SC_THREAD: computes staged tiles in order
  void ComputeFast(EngineTask & task, const TileOperands& operands,
                   AccumulatorBank& bank);
  void ComputeCycle(EngineTask & task, const TileOperands& operands,
                    AccumulatorBank& bank);

  double clock_hz_;
  EngineMode mode_;
  InputBuffers buffers_;
  std::deque<EngineTask*> staged_tasks_;  // in the order they were staged
  std::array<AccumulatorBank, 2> banks_;
  size_t bank_ = 0;
  sc_core::sc_event staged_, freed_;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
  int64_t tiles_ = 0;
};

}  // namespace gemmsim::models
