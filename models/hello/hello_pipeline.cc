#include "models/hello/hello_pipeline.h"

#include <stdexcept>

#include "models/hello/adder_datapath.h"

namespace gemmsim::models::hello {

std::ostream& operator<<(std::ostream& os, const Operands& ops) {
  return os << '(' << ops.a << ", " << ops.b << ')';
}

HelloPipeline::HelloPipeline(sc_core::sc_module_name name, int latency)
    : sc_core::sc_module(name), latency_(latency) {
  if (latency < 0) throw std::invalid_argument("HelloPipeline: latency < 0");
  SC_THREAD(run);
  sensitive << clk.pos();
  dont_initialize();
}

void HelloPipeline::run() {
  for (uint64_t edge = 1;; ++edge) {
    Operands ops;
    if (in->nb_read(ops)) {
      in_flight_.emplace_back(edge + static_cast<uint64_t>(latency_),
                              add_saturating(ops.a, ops.b));
    }
    while (!in_flight_.empty() && in_flight_.front().first <= edge) {
      out->write(in_flight_.front().second);
      in_flight_.pop_front();
    }
    wait();
  }
}

namespace {

SC_MODULE(Producer) {
  sc_core::sc_fifo_out<Operands> out;
  std::vector<Operands> data;
  SC_CTOR(Producer) { SC_THREAD(run); }
  void run() {
    for (const Operands& ops : data) out->write(ops);  // blocks while full
  }
};

SC_MODULE(Consumer) {
  sc_core::sc_fifo_in<uint32_t> in;
  size_t expected = 0;
  HelloResult result;
  SC_CTOR(Consumer) { SC_THREAD(run); }
  void run() {
    for (size_t i = 0; i < expected; ++i) {
      result.outputs.push_back(in->read());
      result.last_time = sc_core::sc_time_stamp();
    }
    sc_core::sc_stop();
  }
};

}  // namespace

HelloResult run_hello(const std::vector<std::pair<uint32_t, uint32_t>>& inputs,
                      int latency) {
  using sc_core::SC_NS;
  const sc_core::sc_time period(kHelloClockPeriodNs, SC_NS);
  // First rising edge one period in, so that edge k is at time k * period and
  // the producer fills the input FIFO at time 0, before any edge.
  sc_core::sc_clock clk("clk", period, 0.5, period, true);
  sc_core::sc_fifo<Operands> in_fifo("in_fifo", 2);
  sc_core::sc_fifo<uint32_t> out_fifo("out_fifo", 2);
  Producer producer("producer");
  HelloPipeline dut("dut", latency);
  Consumer consumer("consumer");
  for (const auto& [a, b] : inputs) producer.data.push_back({a, b});
  consumer.expected = inputs.size();
  producer.out(in_fifo);
  dut.clk(clk);
  dut.in(in_fifo);
  dut.out(out_fifo);
  consumer.in(out_fifo);

  // sc_stop() reports SC_INFO "/OSCI/SystemC: Simulation stopped by user.":
  // keep the kernel's infos quiet (other reports are untouched).
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  sc_core::sc_start();

  HelloResult result = std::move(consumer.result);
  result.last_cycle = static_cast<uint64_t>(result.last_time / period);
  return result;
}

}  // namespace gemmsim::models::hello
