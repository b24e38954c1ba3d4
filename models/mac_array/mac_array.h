// SystemC models of the R x C MAC array (SPEC.md "Architecture": SystemC
// gives structure and time; the arithmetic stays in plain functions).
//
// Both modes take a GemmJob* from `in`, compute D and hand the job back on
// `out`; they give the same D bits and the same cycle count:
// - MacArrayCycle: one SC_THREAD steps every PE on each rising clock edge
//   (SystolicGemm, every MAC through MacStep). For small shapes.
// - MacArrayFast: transaction level, one event per tile: the tile's numerics
//   through Gemm (the fast kernels), then wait(cycles from
//   mac_array_timing.h x period).
#ifndef GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_H_
#define GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_H_

#include <cstdint>
#include <ostream>
#include <systemc>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "models/mac_array/mac_array_timing.h"

namespace gemmsim::models {

// One GEMM handed to a MAC array model: D = C + A B. The problem's buffers
// must outlive the job.
struct GemmJob {
  GemmProblem problem;
  Numerics numerics;
  std::vector<double> d;  // m x n, filled by the model
  int64_t cycles = 0;     // clock cycles the array was busy
};

// The cycle-accurate mode. cycles = edges from the first step to the last,
// inclusive, measured by simulation time.
SC_MODULE(MacArrayCycle) {
  sc_core::sc_in<bool> clk;
  sc_core::sc_fifo_in<GemmJob*> in;
  sc_core::sc_fifo_out<GemmJob*> out;

  SC_HAS_PROCESS(MacArrayCycle);  // SystemC 2.3: needed for a custom ctor
  MacArrayCycle(sc_core::sc_module_name name, const MacArrayConfig& config,
                sc_core::sc_time period);

 private:
  void run();
  MacArrayConfig config_;
  sc_core::sc_time period_;
};

// The transaction-level mode: no clock, time from the analytical formulas.
SC_MODULE(MacArrayFast) {
  sc_core::sc_fifo_in<GemmJob*> in;
  sc_core::sc_fifo_out<GemmJob*> out;

  SC_HAS_PROCESS(MacArrayFast);
  MacArrayFast(sc_core::sc_module_name name, const MacArrayConfig& config,
               sc_core::sc_time period);

 private:
  void run();
  void RunOs(GemmJob & job);
  void RunWs(GemmJob & job);
  MacArrayConfig config_;
  sc_core::sc_time period_;
};

enum class MacArrayMode { kCycle, kFast };

// One model instance and the jobs it runs, in order.
struct MacArrayRun {
  MacArrayConfig config;
  MacArrayMode mode = MacArrayMode::kCycle;
  std::vector<GemmJob> jobs;
  // Simulation time each job took, from handing it over to getting it back.
  std::vector<sc_core::sc_time> elapsed;
};

inline constexpr double kMacArrayClockPeriodNs = 1.0;

// Elaborates one model per run (sharing one clock) with a driver thread
// each, and simulates until every job is back. SystemC elaborates once per
// process: call it at most once per process.
void RunMacArrays(std::vector<MacArrayRun>& runs);

}  // namespace gemmsim::models

#endif  // GEMMSIM_MODELS_MAC_ARRAY_MAC_ARRAY_H_
