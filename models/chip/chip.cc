#include "models/chip/chip.h"

#include <algorithm>

#include "datapaths/error.h"

namespace gemmsim::models {

using sc_core::SC_SEC;
using sc_core::sc_time;

Chip::Chip(sc_core::sc_module_name name, const cost::Machine& machine,
           const std::vector<cost::GemmShape>& gemms,
           const std::vector<ChipPlan>& plans, ChipRunResult* result)
    : sc_module(name),
      machine_(machine),
      gemms_(gemms),
      plans_(plans),
      result_(result),
      hz_(machine.clock_ghz * 1e9),
      bytes_per_second_(machine.memory_bandwidth_gbs * 1e9) {
  int64_t count = 1;
  for (const auto& [dtype, engines] : machine.dtypes)
    count = std::max(count, engines.count);
  for (int64_t i = 0; i < count; ++i) {
    const std::string tag = std::to_string(i);
    // Depth 1: the scheduler only hands a tile to an idle engine.
    to_.push_back(std::make_unique<sc_core::sc_fifo<const ChipTile*>>(
        ("to" + tag).c_str(), 1));
    from_.push_back(std::make_unique<sc_core::sc_fifo<const ChipTile*>>(
        ("from" + tag).c_str(), 1));
    engines_.push_back(
        std::make_unique<MatrixEngine>(("engine" + tag).c_str(), hz_));
    engines_.back()->in(*to_.back());
    engines_.back()->done(*from_.back());
    done_or_loaded_ |= from_.back()->data_written_event();
  }
  done_or_loaded_ |= tile_loaded_;
  busy_.assign(static_cast<size_t>(count), false);
  SC_THREAD(Schedule);
  SC_THREAD(Load);
}

void Chip::Transfer(double bytes) {
  const sc_time t(bytes / bytes_per_second_, SC_SEC);
  wait(t);
  channel_busy_ += t;
}

void Chip::Load() {
  for (;;) {
    wait(load_start_);
    const ChipPlan& plan = *loading_;
    // Loads run ahead of compute without limit: the channel never waits
    // for an engine, so it is busy for exactly bytes / bandwidth.
    for (const ChipTile& tile : plan.tiles) {
      Transfer(tile.bytes);
      ++loaded_;
      tile_loaded_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

void Chip::Collect() {
  for (size_t e = 0; e < from_.size(); ++e) {
    const ChipTile* tile = nullptr;
    while (from_[e]->nb_read(tile)) {
      busy_[e] = false;
      --in_flight_;
    }
  }
}

void Chip::Dispatch(const ChipPlan& plan, size_t& next, size_t last) {
  Collect();
  // Round robin: tile i runs on engine i mod count. With equal tiles that
  // engine is also the first to be free, and every engine gets
  // ceil(tiles / count) or one fewer: the cost model's wave quantisation,
  // even when loads starve the engines (first-free would then pile tiles
  // onto one engine).
  const size_t count = static_cast<size_t>(engines_in_use_);
  while (next < std::min(last, loaded_)) {
    const size_t e = next % count;
    if (busy_[e]) break;
    busy_[e] = true;
    ++in_flight_;
    to_[e]->write(&plan.tiles[next++]);
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
    loaded_ = last;
    size_t next = first;
    while (next < last || in_flight_ > 0) Dispatch(plan, next, last);
  }
}

void Chip::Schedule() {
  for (size_t g = 0; g < plans_.size(); ++g) {
    const ChipPlan& plan = plans_[g];
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
    result_->seconds += r.seconds;
    result_->cycles += r.cycles;
    result_->gemms.push_back(r);
  }
  // No sc_stop: with every chip idle no event is left and sc_start returns.
}

std::vector<ChipRunResult> RunChips(const std::vector<ChipJob>& jobs) {
  // Plan before elaborating, so that a bad GEMM throws here and not from
  // inside a SystemC thread.
  std::vector<std::vector<ChipPlan>> plans(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) {
    const cost::Machine& machine = jobs[j].machine;
    if (!(machine.memory_bandwidth_gbs > 0) || !(machine.clock_ghz > 0)) {
      throw ConfigError("machine " + machine.name +
                        ": the chip model needs a positive clock and memory "
                        "bandwidth");
    }
    plans[j].reserve(jobs[j].gemms.size());
    for (const cost::GemmShape& g : jobs[j].gemms)
      plans[j].push_back(PlanGemm(machine, g));
  }
  std::vector<ChipRunResult> results(jobs.size());
  std::vector<std::unique_ptr<Chip>> chips;
  for (size_t j = 0; j < jobs.size(); ++j) {
    chips.push_back(std::make_unique<Chip>(("chip" + std::to_string(j)).c_str(),
                                           jobs[j].machine, jobs[j].gemms,
                                           plans[j], &results[j]));
  }
  if (!chips.empty()) sc_core::sc_start();
  return results;
}

ChipRunResult RunChip(const cost::Machine& machine,
                      const std::vector<cost::GemmShape>& gemms) {
  return RunChips({ChipJob{machine, gemms}}).front();
}

}  // namespace gemmsim::models
