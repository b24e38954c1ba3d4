#include "models/chip/chip.h"

#include <algorithm>

#include "datapaths/error.h"
#include "models/cost/tile_cycles.h"
#include "models/mac_array/mac_unit.h"

namespace gemmsim::models {

using sc_core::SC_SEC;
using sc_core::sc_time;

Chip::Chip(sc_core::sc_module_name name, const ChipJob& job,
           const std::vector<ChipPlan>& plans, ChipRunResult* result,
           int* running)
    : sc_module(name),
      job_(job),
      machine_(job.machine),
      gemms_(job.gemms),
      plans_(plans),
      result_(result),
      running_(running),
      hz_(job.machine.clock_ghz * 1e9),
      bytes_per_second_(job.machine.memory_bandwidth_gbs * 1e9) {
  int64_t count = 1;
  for (const auto& [dtype, engines] : machine_.dtypes)
    count = std::max(count, engines.count);
  for (int64_t i = 0; i < count; ++i) {
    const std::string tag = std::to_string(i);
    // Depth 1: the engine's own input buffers hold the staged tile.
    to_.push_back(std::make_unique<sc_core::sc_fifo<EngineTask*>>(
        ("to" + tag).c_str(), 1));
    from_.push_back(std::make_unique<sc_core::sc_fifo<EngineTask*>>(
        ("from" + tag).c_str(), 1));
    engines_.push_back(std::make_unique<MatrixEngine>(("engine" + tag).c_str(),
                                                      hz_, job.mode));
    engines_.back()->in(*to_.back());
    engines_.back()->done(*from_.back());
    done_or_loaded_ |= from_.back()->data_written_event();
  }
  done_or_loaded_ |= tile_loaded_;
  held_.assign(static_cast<size_t>(count), 0);
  SC_THREAD(Schedule);
  SC_THREAD(Load);
}

void Chip::Transfer(double bytes) {
  const sc_time t(bytes / bytes_per_second_, SC_SEC);
  wait(t);
  channel_busy_ += t;
}

void Chip::Load() {
  const double sram = static_cast<double>(machine_.sram_bytes);
  for (;;) {
    wait(load_start_);
    const ChipPlan& plan = *loading_;
    // Loads run ahead of compute, as far as the SRAM holds the tiles not yet
    // done (always at least one tile). Without the limit the channel never
    // waits for an engine and is busy for exactly bytes / bandwidth.
    for (const ChipTile& tile : plan.tiles) {
      while (job_.sram_limit && unconsumed_bytes_ > 0 &&
             unconsumed_bytes_ + tile.bytes > sram) {
        wait(tile_consumed_);
      }
      Transfer(tile.bytes);
      unconsumed_bytes_ += tile.bytes;
      ++loaded_;
      tile_loaded_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

void Chip::Collect() {
  for (size_t e = 0; e < from_.size(); ++e) {
    EngineTask* task = nullptr;
    while (from_[e]->nb_read(task)) {
      --held_[e];
      --in_flight_;
      tile_done_[static_cast<size_t>(task->index)] = true;
      unconsumed_bytes_ -= task->tile->bytes;
      tile_consumed_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

void Chip::Dispatch(const ChipPlan& plan, size_t& next, size_t last) {
  Collect();
  // Round robin: tile i runs on engine i mod count. With equal tiles that
  // engine is also the first to be free, and every engine gets
  // ceil(tiles / count) or one fewer: the cost model's wave quantisation,
  // even when loads starve the engines (first-free would then pile tiles
  // onto one engine). An engine takes a second tile into its free input
  // buffer while it computes; it starts it when the first is done, as if
  // handed over then. With operands a weight-stationary tile also waits
  // for the previous K slice of its columns (their partial sums).
  const size_t count = static_cast<size_t>(engines_in_use_);
  while (next < std::min(last, loaded_)) {
    const size_t e = next % count;
    if (held_[e] >= kTilesPerEngine) break;
    const int64_t after = plan.tiles[next].depends_on;
    if (sums_ && after >= 0 && !tile_done_[static_cast<size_t>(after)]) break;
    ++held_[e];
    ++in_flight_;
    to_[e]->write(&tasks_[next++]);
  }
  if (in_flight_ > 0 || next < last) wait(done_or_loaded_);
}

void Chip::RunMax(const ChipPlan& plan) {
  loading_ = &plan;
  loaded_ = 0;
  load_start_.notify(sc_core::SC_ZERO_TIME);
  size_t next = 0;
  while (next < plan.tiles.size() || in_flight_ > 0)
    Dispatch(plan, next, plan.tiles.size());
}

void Chip::RunSum(const ChipPlan& plan) {
  // Memory and compute serialise: each wave's bytes arrive before the wave
  // starts and the channel idles while it computes.
  const size_t wave = static_cast<size_t>(plan.engines);
  for (size_t first = 0; first < plan.tiles.size(); first += wave) {
    const size_t last = std::min(plan.tiles.size(), first + wave);
    double bytes = 0;
    for (size_t i = first; i < last; ++i) bytes += plan.tiles[i].bytes;
    Transfer(bytes);
    unconsumed_bytes_ += bytes;
    loaded_ = last;
    size_t next = first;
    while (next < last || in_flight_ > 0) Dispatch(plan, next, last);
  }
}

void Chip::PrepareTasks(size_t g) {
  const ChipPlan& plan = plans_[g];
  sums_.reset();
  if (!job_.operands.empty()) {
    sums_ = std::make_unique<GemmSums>(job_.operands[g].problem,
                                       job_.operands[g].numerics);
  }
  const bool os = machine_.dataflow == cost::Dataflow::kOutputStationary;
  const cost::GemmShape& s = gemms_[g];
  tasks_.assign(plan.tiles.size(), EngineTask{});
  tile_done_.assign(plan.tiles.size(), false);
  for (size_t i = 0; i < plan.tiles.size(); ++i) {
    const ChipTile& t = plan.tiles[i];
    EngineTask& task = tasks_[i];
    task.tile = &t;
    task.index = static_cast<int64_t>(i);
    task.sums = sums_.get();
    task.array = {static_cast<int>(plan.geometry.rows),
                  static_cast<int>(plan.geometry.cols), machine_.dataflow};
    if (os) {  // an output block over all of K
      task.window = {t.row0, t.rows, t.col0, t.cols, 0, s.k};
      task.last_slice = true;
    } else {  // a K slice of a column block, all M rows
      task.window = {0, s.m, t.col0, t.cols, t.row0, t.rows};
      task.last_slice = t.row0 + t.rows == s.k;
    }
  }
}

void Chip::Schedule() {
  for (size_t g = 0; g < plans_.size(); ++g) {
    const ChipPlan& plan = plans_[g];
    PrepareTasks(g);
    const sc_time start = sc_core::sc_time_stamp();
    const sc_time channel_start = channel_busy_;
    std::vector<sc_time> engine_start;
    for (const auto& e : engines_) engine_start.push_back(e->busy());
    engines_in_use_ = plan.engines;
    if (machine_.overlap == cost::Overlap::kMax) {
      RunMax(plan);
    } else {
      RunSum(plan);
    }
    // Hidden fill/drain: the last tile's drain shows once per GEMM.
    const sc_time once(plan.once_cycles / hz_, SC_SEC);
    if (!plan.tiles.empty()) wait(once);

    ChipGemmResult r;
    r.name = gemms_[g].name;
    r.geometry = plan.geometry;
    r.tiles = static_cast<int64_t>(plan.tiles.size());
    r.bytes = plan.bytes;
    // A run repeated `count` times takes the same time each time.
    r.seconds = (sc_core::sc_time_stamp() - start).to_seconds() *
                static_cast<double>(gemms_[g].count);
    r.cycles = r.seconds * hz_;
    r.memory_seconds = (channel_busy_ - channel_start).to_seconds();
    sc_time busiest = sc_core::SC_ZERO_TIME;
    for (size_t e = 0; e < engines_.size(); ++e)
      busiest = std::max(busiest, engines_[e]->busy() - engine_start[e]);
    r.engine_seconds = plan.tiles.empty() ? 0.0 : (busiest + once).to_seconds();
    r.bound = r.memory_seconds > r.engine_seconds ? cost::Bound::kMemory
                                                  : cost::Bound::kCompute;
    r.tile_cycles.reserve(tasks_.size());
    for (const EngineTask& task : tasks_) {
      r.tile_cycles.push_back(task.cycles);
      r.stepped_elements += task.stepped_elements;
    }
    if (sums_) {
      if (plan.tiles.empty()) sums_->DrainAll();  // nothing reaches an engine
      r.d = sums_->d();
    }
    result_->seconds += r.seconds;
    result_->cycles += r.cycles;
    result_->gemms.push_back(std::move(r));
  }
  sums_.reset();
  // No sc_stop: with every chip idle no event is left and sc_start returns.
  --*running_;
}

namespace {

// What RunChips checks before elaborating, for one job.
void CheckJob(const ChipJob& job, const std::vector<ChipPlan>& plans) {
  const cost::Machine& machine = job.machine;
  if (!(machine.memory_bandwidth_gbs > 0) || !(machine.clock_ghz > 0)) {
    throw ConfigError("machine " + machine.name +
                      ": the chip model needs a positive clock and memory "
                      "bandwidth");
  }
  if (!job.operands.empty() && job.operands.size() != job.gemms.size()) {
    throw ConfigError("chip: operands for " +
                      std::to_string(job.operands.size()) + " GEMMs, but " +
                      std::to_string(job.gemms.size()) + " GEMMs");
  }
  const bool cycle = job.mode == EngineMode::kCycle;
  if (cycle && (machine.fill_drain_exposed != true ||
                machine.compute_efficiency != 1.0 ||
                machine.tile_overhead_cycles != 0)) {
    throw ConfigError(
        "machine " + machine.name +
        ": cycle mode runs the bare systolic array, so it needs fill_drain "
        "exposed, compute_efficiency 1 and tile_overhead_cycles 0");
  }
  for (size_t g = 0; g < job.gemms.size(); ++g) {
    const cost::GemmShape& s = job.gemms[g];
    const std::string where = "machine " + machine.name + ", GEMM " +
                              std::to_string(g) + " (" + s.name + "): ";
    const bool has = !job.operands.empty();
    if (cycle && !has) throw ConfigError(where + "cycle mode needs operands");
    if (cycle && !plans[g].tiles.empty()) {
      const cost::DtypeEngines& e = cost::EnginesFor(machine, s.dtype);
      const cost::Geometry& geo = plans[g].geometry;
      if (cost::MacsPerCycle(e, geo) != geo.rows * geo.cols) {
        throw ConfigError(where +
                          "cycle mode needs one MAC per PE and cycle "
                          "(macs_per_cycle = rows x cols)");
      }
    }
    if (!has) continue;
    const ChipOperands& o = job.operands[g];
    if (s.batch != 1)
      throw ConfigError(where + "a GEMM with operands needs batch 1");
    if (o.problem.m != s.m || o.problem.n != s.n || o.problem.k != s.k) {
      throw ConfigError(where + "operands are " + std::to_string(o.problem.m) +
                        "x" + std::to_string(o.problem.n) + "x" +
                        std::to_string(o.problem.k) + " (MxNxK), the shape " +
                        std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                        std::to_string(s.k));
    }
    try {
      CheckMacArrayNumerics(o.numerics);
      CheckMacArrayProblem(o.problem);
    } catch (const Error& e) {
      throw ConfigError(where + e.what());
    }
  }
}

}  // namespace

std::vector<ChipRunResult> RunChips(const std::vector<ChipJob>& jobs) {
  // Plan and check before elaborating, so that a bad job throws here and not
  // from inside a SystemC thread.
  std::vector<std::vector<ChipPlan>> plans(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    plans[j].reserve(jobs[j].gemms.size());
    for (const cost::GemmShape& g : jobs[j].gemms)
      plans[j].push_back(PlanGemm(jobs[j].machine, g));
    CheckJob(jobs[j], plans[j]);
  }
  std::vector<ChipRunResult> results(jobs.size());
  int running = static_cast<int>(jobs.size());
  std::vector<std::unique_ptr<Chip>> chips;
  for (size_t j = 0; j < jobs.size(); ++j) {
    chips.push_back(std::make_unique<Chip>(("chip" + std::to_string(j)).c_str(),
                                           jobs[j], plans[j], &results[j],
                                           &running));
  }
  if (!chips.empty()) sc_core::sc_start();
  return results;
}

ChipRunResult RunChip(const cost::Machine& machine,
                      const std::vector<cost::GemmShape>& gemms) {
  ChipJob job;
  job.machine = machine;
  job.gemms = gemms;
  return RunChips({job}).front();
}

}  // namespace gemmsim::models
