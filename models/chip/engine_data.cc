#include "models/chip/engine_data.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "datapaths/arithmetic/term.h"
#include "datapaths/error.h"

namespace gemmsim::models {
namespace {

bool SameBits(double x, double y) {
  uint64_t a = 0, b = 0;
  std::memcpy(&a, &x, sizeof a);
  std::memcpy(&b, &y, sizeof b);
  return a == b;
}

// Gemm continues a state bit for bit only when its start, MacInit(acc), is
// the state itself: no special seen, a finite accumulator that rounding to
// the accumulator format (and flushing) leaves alone.
bool GemmContinues(const MacState& s, const Numerics& n) {
  if (s.pos_special || s.neg_special || !std::isfinite(s.acc)) return false;
  const MacState start = MacInit(s.acc, n);
  return !start.pos_special && !start.neg_special && SameBits(start.acc, s.acc);
}

}  // namespace

TileOperands CutTile(const GemmProblem& p, const TileWindow& w) {
  if (w.row0 < 0 || w.col0 < 0 || w.k0 < 0 || w.rows < 0 || w.cols < 0 ||
      w.depth < 0 || w.row0 + w.rows > p.m || w.col0 + w.cols > p.n ||
      w.k0 + w.depth > p.k) {
    throw std::logic_error("CutTile: window outside the GEMM");
  }
  TileOperands t;
  t.window = w;
  t.a_emin = p.a.emin;
  t.b_emin = p.b.emin;
  t.a.resize(static_cast<size_t>(w.rows * w.depth));
  t.b.resize(static_cast<size_t>(w.depth * w.cols));
  for (int64_t i = 0; i < w.rows; ++i)
    std::copy_n(p.a.values + (w.row0 + i) * p.k + w.k0, w.depth,
                t.a.begin() + i * w.depth);
  for (int64_t k = 0; k < w.depth; ++k)
    std::copy_n(p.b.values + (w.k0 + k) * p.n + w.col0, w.cols,
                t.b.begin() + k * w.cols);
  const auto finite = [](double x) { return std::isfinite(x); };
  t.finite = std::all_of(t.a.begin(), t.a.end(), finite) &&
             std::all_of(t.b.begin(), t.b.end(), finite);
  return t;
}

void InputBuffers::Stage(TileOperands operands) {
  if (!CanStage()) throw std::logic_error("InputBuffers: no free slot");
  staged_ = active_ == 0 ? 1 : 0;
  slots_[static_cast<size_t>(staged_)] = std::move(operands);
}

const TileOperands& InputBuffers::Begin() {
  if (staged_ < 0 || active_ >= 0)
    throw std::logic_error("InputBuffers: Begin needs a staged tile only");
  active_ = std::exchange(staged_, -1);
  return slots_[static_cast<size_t>(active_)];
}

void InputBuffers::Finish() {
  if (active_ < 0) throw std::logic_error("InputBuffers: nothing active");
  slots_[static_cast<size_t>(active_)] = TileOperands{};  // frees memory
  active_ = -1;
}

GemmSums::GemmSums(const GemmProblem& problem, const Numerics& numerics)
    : problem_(problem), numerics_(numerics) {
  CheckMacArrayNumerics(numerics);
  CheckMacArrayProblem(problem);
  const int64_t n = problem.m * problem.n;
  sums_.resize(static_cast<size_t>(n));
  d_.assign(static_cast<size_t>(n), 0.0);
  for (int64_t e = 0; e < n; ++e)
    sums_[e] = MacInit(problem.c ? problem.c[e] : 0.0, numerics);
}

void GemmSums::Drain(const TileWindow& w) {
  for (int64_t i = w.row0; i < w.row0 + w.rows; ++i)
    for (int64_t j = w.col0; j < w.col0 + w.cols; ++j)
      d_[i * problem_.n + j] = MacOutput(at(i, j), numerics_);
}

void GemmSums::DrainAll() { Drain({0, problem_.m, 0, problem_.n, 0, 0}); }

void AccumulatorBank::Load(GemmSums& sums, const TileWindow& w) {
  window_ = w;
  states_.resize(static_cast<size_t>(w.rows * w.cols));
  for (int64_t i = 0; i < w.rows; ++i)
    for (int64_t j = 0; j < w.cols; ++j)
      states_[i * w.cols + j] = sums.at(w.row0 + i, w.col0 + j);
}

void AccumulatorBank::Store(GemmSums& sums) const {
  const TileWindow& w = window_;
  for (int64_t i = 0; i < w.rows; ++i)
    for (int64_t j = 0; j < w.cols; ++j)
      sums.at(w.row0 + i, w.col0 + j) = states_[i * w.cols + j];
}

int64_t AccumulatorBank::AddFast(const TileOperands& t,
                                 const Numerics& numerics) {
  const TileWindow& w = window_;
  if (t.window.rows != w.rows || t.window.cols != w.cols)
    throw std::logic_error("AccumulatorBank: operands of another tile");
  if (w.rows == 0 || w.cols == 0 || t.window.depth == 0) return 0;
  std::vector<double> c(states_.size()), out(states_.size());
  for (size_t e = 0; e < states_.size(); ++e) c[e] = states_[e].acc;
  GemmProblem p;
  p.m = w.rows;
  p.n = w.cols;
  p.k = t.window.depth;
  p.a = {t.a.data(), t.a_emin, nullptr};
  p.b = {t.b.data(), t.b_emin, nullptr};
  p.c = c.data();
  // The output stage rounds to the accumulator format: exact for a value
  // already in it, Inf stays Inf.
  Numerics chain = numerics;
  chain.output = OutputSpec{};
  chain.output.format = numerics.accumulate.format;
  Gemm(p, chain, out.data(), 1);
  int64_t stepped = 0;
  for (int64_t i = 0; i < w.rows; ++i) {
    for (int64_t j = 0; j < w.cols; ++j) {
      MacState& s = states_[i * w.cols + j];
      if (t.finite && GemmContinues(s, numerics)) {
        s = MacState{out[i * w.cols + j], false, false};
        continue;
      }
      for (int64_t k = 0; k < p.k; ++k) {
        s = MacStep(s, MakeFactor(t.a[i * p.k + k], t.a_emin),
                    MakeFactor(t.b[k * w.cols + j], t.b_emin),
                    numerics.accumulate);
      }
      ++stepped;
    }
  }
  return stepped;
}

}  // namespace gemmsim::models
