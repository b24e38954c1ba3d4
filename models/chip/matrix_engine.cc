#include "models/chip/matrix_engine.h"

namespace gemmsim::models {

MatrixEngine::MatrixEngine(sc_core::sc_module_name name, double clock_hz)
    : sc_module(name), clock_hz_(clock_hz) {
  SC_THREAD(run);
}

void MatrixEngine::run() {
  for (;;) {
    const ChipTile* tile = in.read();
    // Seconds rather than a clock: the cost model's tile time is fractional
    // (divided by the efficiency), and one event per tile keeps it fast.
    const sc_core::sc_time t(tile->cycles / clock_hz_, sc_core::SC_SEC);
    wait(t);
    busy_ += t;
    ++tiles_;
    done.write(tile);
  }
}

}  // namespace gemmsim::models
