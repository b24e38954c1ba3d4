#include "models/mac_array/mac_array.h"

#include <algorithm>
#include <memory>
#include <string>

#include "models/mac_array/mac_unit.h"
#include "models/mac_array/systolic_array.h"

namespace gemmsim::models {

MacArrayCycle::MacArrayCycle(sc_core::sc_module_name name,
                             const MacArrayConfig& config,
                             sc_core::sc_time period)
    : sc_core::sc_module(name), config_(config), period_(period) {
  SC_THREAD(run);
}

void MacArrayCycle::run() {
  for (;;) {
    GemmJob* job = in->read();
    const GemmProblem& p = job->problem;
    job->d.assign(static_cast<size_t>(p.m * p.n), 0.0);
    const auto array =
        MakeSystolicGemm(config_, p, job->numerics, job->d.data());
    sc_core::sc_time first, last;
    bool stepped = false;
    while (!array->Done()) {
      wait(clk.posedge_event());
      last = sc_core::sc_time_stamp();
      if (!stepped) first = last;
      stepped = true;
      array->Step();
    }
    job->cycles =
        stepped ? static_cast<int64_t>((last - first) / period_) + 1 : 0;
    out->write(job);
  }
}

MacArrayFast::MacArrayFast(sc_core::sc_module_name name,
                           const MacArrayConfig& config,
                           sc_core::sc_time period)
    : sc_core::sc_module(name), config_(config), period_(period) {
  SC_THREAD(run);
}

namespace {

// Copies rows [r0, r0 + rows) x columns [c0, c0 + cols) of a row-major
// matrix with `ld` columns: GemmOperand has no leading dimension.
std::vector<double> SubMatrix(const double* x, int64_t ld, int64_t r0,
                              int64_t rows, int64_t c0, int64_t cols) {
  std::vector<double> out(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i)
    std::copy_n(x + (r0 + i) * ld + c0, cols, out.begin() + i * cols);
  return out;
}

// D[r0.., c0..] = the tile's Gemm (fast kernels, one thread).
void GemmTile(const GemmJob& job, int64_t r0, int64_t rows, int64_t c0,
              int64_t cols, double* d) {
  const GemmProblem& p = job.problem;
  const std::vector<double> a = SubMatrix(p.a.values, p.k, r0, rows, 0, p.k);
  const std::vector<double> b = SubMatrix(p.b.values, p.n, 0, p.k, c0, cols);
  std::vector<double> c;
  if (p.c) c = SubMatrix(p.c, p.n, r0, rows, c0, cols);
  GemmProblem tile = p;
  tile.m = rows;
  tile.n = cols;
  tile.a.values = a.data();
  tile.b.values = b.data();
  tile.c = p.c ? c.data() : nullptr;
  std::vector<double> out(static_cast<size_t>(rows * cols));
  Gemm(tile, job.numerics, out.data(), 1);
  for (int64_t i = 0; i < rows; ++i)
    std::copy_n(out.begin() + i * cols, cols, d + (r0 + i) * p.n + c0);
}

}  // namespace

void MacArrayFast::run() {
  for (;;) {
    GemmJob* job = in->read();
    const GemmProblem& p = job->problem;
    CheckMacArrayNumerics(job->numerics);
    CheckMacArrayProblem(p);
    job->d.assign(static_cast<size_t>(p.m * p.n), 0.0);
    job->cycles = 0;
    if (p.m == 0 || p.n == 0 || p.k == 0) {  // nothing reaches the array
      Gemm(p, job->numerics, job->d.data(), 1);
    } else if (config_.dataflow == Dataflow::kOutputStationary) {
      RunOs(*job);
    } else {
      RunWs(*job);
    }
    out->write(job);
  }
}

// One event per R x C output tile.
void MacArrayFast::RunOs(GemmJob& job) {
  const GemmProblem& p = job.problem;
  for (int64_t m0 = 0; m0 < p.m; m0 += config_.rows) {
    const int64_t r = std::min<int64_t>(config_.rows, p.m - m0);
    for (int64_t n0 = 0; n0 < p.n; n0 += config_.cols) {
      const int64_t c = std::min<int64_t>(config_.cols, p.n - n0);
      GemmTile(job, m0, r, n0, c, job.d.data());
      const int64_t cycles = OsTileCycles(p.k, r, c);
      job.cycles += cycles;
      wait(period_ * static_cast<double>(cycles));
    }
  }
}

// The numerics per column tile over all of K: the slices chain the same
// rounded partial sums in the same k order, so one Gemm per column tile
// gives the slices' bits. Time: one event per K-slice.
void MacArrayFast::RunWs(GemmJob& job) {
  const GemmProblem& p = job.problem;
  for (int64_t n0 = 0; n0 < p.n; n0 += config_.cols) {
    const int64_t c = std::min<int64_t>(config_.cols, p.n - n0);
    GemmTile(job, 0, p.m, n0, c, job.d.data());
    for (int64_t k0 = 0; k0 < p.k; k0 += config_.rows) {
      const int64_t kr = std::min<int64_t>(config_.rows, p.k - k0);
      const int64_t cycles = WsSliceCycles(p.m, kr, c);
      job.cycles += cycles;
      wait(period_ * static_cast<double>(cycles));
    }
  }
}

namespace {

// Hands a run's jobs to its model one at a time; stops the simulation when
// the last driver is done.
SC_MODULE(Driver) {
  sc_core::sc_fifo_out<GemmJob*> to_model;
  sc_core::sc_fifo_in<GemmJob*> from_model;
  MacArrayRun* run_ = nullptr;
  int* running_ = nullptr;

  SC_CTOR(Driver) { SC_THREAD(run); }
  void run() {
    for (GemmJob& job : run_->jobs) {
      const sc_core::sc_time start = sc_core::sc_time_stamp();
      to_model->write(&job);
      from_model->read();
      run_->elapsed.push_back(sc_core::sc_time_stamp() - start);
    }
    if (--*running_ == 0) sc_core::sc_stop();
  }
};

}  // namespace

void RunMacArrays(std::vector<MacArrayRun>& runs) {
  using sc_core::SC_NS;
  const sc_core::sc_time period(kMacArrayClockPeriodNs, SC_NS);
  sc_core::sc_clock clk("clk", period, 0.5, period, true);
  int running = static_cast<int>(runs.size());
  std::vector<std::unique_ptr<sc_core::sc_fifo<GemmJob*>>> fifos;
  std::vector<std::unique_ptr<Driver>> drivers;
  std::vector<std::unique_ptr<MacArrayCycle>> cycle_models;
  std::vector<std::unique_ptr<MacArrayFast>> fast_models;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string tag = std::to_string(i);
    // Raw pointers: a reference into `fifos` would dangle once it grows.
    auto* to = fifos
                   .emplace_back(std::make_unique<sc_core::sc_fifo<GemmJob*>>(
                       ("to" + tag).c_str(), 1))
                   .get();
    auto* from = fifos
                     .emplace_back(std::make_unique<sc_core::sc_fifo<GemmJob*>>(
                         ("from" + tag).c_str(), 1))
                     .get();
    Driver* driver =
        drivers.emplace_back(std::make_unique<Driver>(("driver" + tag).c_str()))
            .get();
    driver->run_ = &runs[i];
    driver->running_ = &running;
    driver->to_model(*to);
    driver->from_model(*from);
    if (runs[i].mode == MacArrayMode::kCycle) {
      MacArrayCycle* m =
          cycle_models
              .emplace_back(std::make_unique<MacArrayCycle>(
                  ("cycle" + tag).c_str(), runs[i].config, period))
              .get();
      m->clk(clk);
      m->in(*to);
      m->out(*from);
    } else {
      MacArrayFast* m = fast_models
                            .emplace_back(std::make_unique<MacArrayFast>(
                                ("fast" + tag).c_str(), runs[i].config, period))
                            .get();
      m->in(*to);
      m->out(*from);
    }
  }
  if (running > 0) sc_core::sc_start();
}

}  // namespace gemmsim::models
