// A minimal SystemC pipeline around add_saturating(): proves the SystemC path
// (build, elaboration, simulation, timing) end to end.
#ifndef GEMMSIM_MODELS_HELLO_HELLO_PIPELINE_H_
#define GEMMSIM_MODELS_HELLO_HELLO_PIPELINE_H_

#include <cstdint>
#include <deque>
#include <ostream>
#include <systemc>
#include <utility>
#include <vector>

namespace gemmsim::models::hello {

struct Operands {
  uint32_t a = 0;
  uint32_t b = 0;
};
// sc_fifo<T> needs operator<< for T (sc_fifo::print).
std::ostream& operator<<(std::ostream& os, const Operands& ops);

// Timing contract. Clock edges are numbered 1, 2, ... (edge k at k periods).
// On every edge the module first pops at most one Operands from `in` (if one
// is available), then writes to `out` every result that is due: a pair
// popped on edge k leaves on edge k + latency (latency 0: the same edge).
// Results leave in input order.
SC_MODULE(HelloPipeline) {
  sc_core::sc_in<bool> clk;
  sc_core::sc_fifo_in<Operands> in;
  sc_core::sc_fifo_out<uint32_t> out;

  SC_HAS_PROCESS(HelloPipeline);  // SystemC 2.3: needed for a custom ctor
  HelloPipeline(sc_core::sc_module_name name, int latency);

 private:
  void run();
  int latency_;
  std::deque<std::pair<uint64_t, uint32_t>> in_flight_;  // (due edge, value)
};

struct HelloResult {
  std::vector<uint32_t> outputs;
  sc_core::sc_time last_time = sc_core::SC_ZERO_TIME;  // when the last appeared
  uint64_t last_cycle = 0;  // clock edge of the last result (0: no results)
};

// Clock period of the run_hello() testbench.
inline constexpr double kHelloClockPeriodNs = 10.0;

// Builds clock, producer, HelloPipeline and consumer, runs sc_start() until
// every result arrived. SystemC elaborates once per process: call it at most
// once per process. A producer that never stalls gives one pair per edge, so
// last_cycle == inputs.size() + latency (0 when inputs is empty).
HelloResult run_hello(const std::vector<std::pair<uint32_t, uint32_t>>& inputs,
                      int latency);

}  // namespace gemmsim::models::hello

#endif  // GEMMSIM_MODELS_HELLO_HELLO_PIPELINE_H_
