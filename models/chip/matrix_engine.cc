#include "models/chip/matrix_engine.h"

#include <utility>

#include "models/mac_array/systolic_array.h"

namespace gemmsim::models {

using sc_core::SC_SEC;
using sc_core::sc_time;

const char* EngineModeName(EngineMode mode) {
  return mode == EngineMode::kCycle ? "cycle" : "fast";
}

MatrixEngine::MatrixEngine(sc_core::sc_module_name name, double clock_hz,
                           EngineMode mode)
    : sc_module(name), clock_hz_(clock_hz), mode_(mode) {
  SC_THREAD(Fetch);
  SC_THREAD(Run);
}

void MatrixEngine::Fetch() {
  for (;;) {
    EngineTask* task = in.read();
    while (!buffers_.CanStage()) wait(freed_);
    // The bytes are on chip already (the chip's loader paid for them): the
    // copy into the buffer takes no time of its own.
    TileOperands operands;
    if (task->sums != nullptr)
      operands = CutTile(task->sums->problem(), task->window);
    operands.tag = task->index;
    buffers_.Stage(std::move(operands));
    staged_tasks_.push_back(task);
    staged_.notify(sc_core::SC_ZERO_TIME);
  }
}

void MatrixEngine::Run() {
  for (;;) {
    while (!buffers_.HasStaged()) wait(staged_);
    const TileOperands& operands = buffers_.Begin();
    EngineTask* task = staged_tasks_.front();
    staged_tasks_.pop_front();
    freed_.notify(sc_core::SC_ZERO_TIME);  // the staging slot is free again
    bank_ ^= 1;
    AccumulatorBank& bank = banks_[bank_];
    if (task->sums != nullptr) bank.Load(*task->sums, task->window);
    const sc_time start = sc_core::sc_time_stamp();
    if (mode_ == EngineMode::kCycle) {
      ComputeCycle(*task, operands, bank);
    } else {
      ComputeFast(*task, operands, bank);
    }
    if (task->sums != nullptr) {
      bank.Store(*task->sums);
      if (task->last_slice) task->sums->Drain(task->window);
    }
    busy_ += sc_core::sc_time_stamp() - start;
    ++tiles_;
    buffers_.Finish();
    freed_.notify(sc_core::SC_ZERO_TIME);
    done.write(task);
  }
}

void MatrixEngine::ComputeFast(EngineTask& task, const TileOperands& operands,
                               AccumulatorBank& bank) {
  if (task.sums != nullptr)
    task.stepped_elements = bank.AddFast(operands, task.sums->numerics());
  // Seconds rather than a clock: the cost model's tile time is fractional
  // (divided by the efficiency), and one event per tile keeps it fast.
  task.cycles = task.tile->cycles;
  wait(sc_time(task.cycles / clock_hz_, SC_SEC));
}

void MatrixEngine::ComputeCycle(EngineTask& task, const TileOperands& operands,
                                AccumulatorBank& bank) {
  GemmProblem tile;
  tile.m = operands.window.rows;
  tile.n = operands.window.cols;
  tile.k = operands.window.depth;
  tile.a = {operands.a.data(), operands.a_emin, nullptr};
  tile.b = {operands.b.data(), operands.b_emin, nullptr};
  const auto array =
      MakeSystolicTile(task.array, tile, task.sums->numerics(), bank.data());
  // Edge s of the tile falls s periods after it starts (the engine's clock
  // runs while it has a tile), each computed from the start so that the
  // last edge is exactly where the fast mode's single wait ends.
  const sc_time start = sc_core::sc_time_stamp();
  int64_t edges = 0;
  while (!array->Done()) {
    ++edges;
    const sc_time edge =
        start + sc_time(static_cast<double>(edges) / clock_hz_, SC_SEC);
    wait(edge - sc_core::sc_time_stamp());
    array->Step();
  }
  task.cycles = static_cast<double>(edges);
}

}  // namespace gemmsim::models
