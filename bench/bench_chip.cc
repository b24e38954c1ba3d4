// Speed of the transaction-level chip model (models/chip/): 8192x8192x8192
// bf16 on gaudi2, one event per tile. A plain sc_main rather than Google
// Benchmark, because SystemC elaborates once per process: repeat by running
// the process again (the median of 3 runs is the figure to quote). Prints the
// wall time of elaboration plus simulation, and the simulated time next to the
// cost model's.
#include <chrono>
#include <cstdio>
#include <exception>
#include <systemc>
#include <vector>

#include "app/config/machine_file.h"
#include "models/chip/chip.h"
#include "models/cost/cost_model.h"

int sc_main(int /*argc*/, char* /*argv*/[]) {
  using gemmsim::cost::GemmShape;
  try {
    const gemmsim::cost::Machine machine = gemmsim::app::LoadMachine("gaudi2");
    GemmShape s;
    s.name = "cube";
    s.m = s.n = s.k = 8192;
    s.dtype = "bf16";
    const auto start = std::chrono::steady_clock::now();
    const gemmsim::models::ChipRunResult r =
        gemmsim::models::RunChip(machine, {s});
    const std::chrono::duration<double> wall =
        std::chrono::steady_clock::now() - start;
    const gemmsim::cost::Cost c = gemmsim::cost::EstimateGemm(machine, s);
    std::printf(
        "gaudi2 bf16 8192x8192x8192 fast mode: wall %.6f s, %lld tiles, "
        "simulated %.6e s (cost model %.6e s)\n",
        wall.count(), static_cast<long long>(r.gemms.front().tiles), r.seconds,
        c.seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_chip: %s\n", e.what());
    return 1;
  }
  return 0;
}
