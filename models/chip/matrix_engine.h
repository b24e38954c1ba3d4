// A matrix engine at transaction level ("fast" mode, like MacArrayFast): one
// event per tile, timing only. It takes a tile from `in`, stays busy for the
// tile's cycles (models/cost/tile_cycles.h, the cost model's per-tile time)
// and hands the tile back on `done`.
#pragma once

#include <cstdint>
#include <systemc>

#include "models/chip/chip_plan.h"

namespace gemmsim::models {

SC_MODULE(MatrixEngine) {
  sc_core::sc_fifo_in<const ChipTile*> in;
  sc_core::sc_fifo_out<const ChipTile*> done;

  SC_HAS_PROCESS(MatrixEngine);  // SystemC 2.3: needed for a custom ctor
  MatrixEngine(sc_core::sc_module_name name, double clock_hz);

  // Time spent computing, and tiles done, since elaboration.
  sc_core::sc_time busy() const { return busy_; }
  int64_t tiles() const { return tiles_; }

 private:
  void run();
  double clock_hz_;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
  int64_t tiles_ = 0;
};

}  // namespace gemmsim::models
