// The data half of a matrix engine (plain C++, no SystemC): what its input
// buffers and output accumulators hold while the chip (chip.h) plays tiles
// out in time. The SystemC MatrixEngine only decides when these are called.
//
// How a tile maps to D (models/README.md "Engine and chip"):
// - output stationary: a tile is an rows x cols block of D over all of K;
//   the accumulators hold the block's running sums (MacState, the
//   accumulator format) from C to the last product, then round into D;
// - weight stationary: a tile is a K slice (rows deep) of a cols-wide column
//   block of B, streaming all M rows of A; the block's M x cols partial sums
//   return to the accumulators, which carry them (unrounded beyond the
//   accumulator format) into the next K slice of the same columns. The last
//   slice rounds them into D.
// Either way every element of D sees C, then its products in k order, each
// added by one MacStep: Gemm's bits for the numerics CheckMacArrayNumerics
// accepts (block 1, in-block entry, no promote, no stochastic rounding).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "models/mac_array/mac_unit.h"

namespace gemmsim::models {

// The part of one GEMM a tile covers: D rows [row0, row0 + rows), columns
// [col0, col0 + cols), products k in [k0, k0 + depth).
struct TileWindow {
  int64_t row0 = 0, rows = 0;
  int64_t col0 = 0, cols = 0;
  int64_t k0 = 0, depth = 0;
};

// What one input buffer holds for a tile: its A block (rows x depth) and B
// block (depth x cols), row-major, copied out of the GEMM's operands.
struct TileOperands {
  TileWindow window;
  std::vector<double> a, b;
  int a_emin = 0, b_emin = 0;
  bool finite = true;  // no Inf or NaN among a and b
  int64_t tag = -1;    // the caller's name for the tile (timing only: -1)
};

// Copies the tile's blocks out of `problem` (whose shape must contain the
// window).
TileOperands CutTile(const GemmProblem& problem, const TileWindow& window);

// The engine's double-buffered input buffers: one slot holds the tile being
// computed (active), the other the next tile's operands, which load while
// the active tile computes. Stage needs a free slot; Begin needs a staged
// tile and no active one; Finish frees the active slot. A call out of
// protocol is a bug in the caller: std::logic_error.
class InputBuffers {
 public:
  bool CanStage() const { return staged_ < 0 && Occupied() < 2; }
  bool HasStaged() const { return staged_ >= 0; }
  bool HasActive() const { return active_ >= 0; }
  int Occupied() const { return (staged_ >= 0) + (active_ >= 0); }
  void Stage(TileOperands operands);
  const TileOperands& Begin();
  void Finish();

 private:
  std::array<TileOperands, 2> slots_;
  int active_ = -1, staged_ = -1;  // slot indices, -1: none
};

// One GEMM's running sums: one MacState per element of D (m x n), started
// from C as the MAC array starts them, and D once every K slice of an
// element has been added. Weight-stationary partial sums live here between
// slices (on-chip SRAM); tiles load and store them through an
// AccumulatorBank.
class GemmSums {
 public:
  // Checks the numerics and problem (CheckMacArrayNumerics / Problem).
  GemmSums(const GemmProblem& problem, const Numerics& numerics);
  const GemmProblem& problem() const { return problem_; }
  const Numerics& numerics() const { return numerics_; }
  MacState& at(int64_t i, int64_t j) { return sums_[i * problem_.n + j]; }
  // D of the window's block: the states rounded to the output format.
  void Drain(const TileWindow& w);
  // D of every element (a GEMM with no tiles: D is C rounded).
  void DrainAll();
  const std::vector<double>& d() const { return d_; }

 private:
  GemmProblem problem_;
  Numerics numerics_;
  std::vector<MacState> sums_;
  std::vector<double> d_;
};

// The engine's output accumulators for one tile: rows x cols MacStates.
// The engine owns two banks (ping-pong) so that one tile's results can
// drain while the next tile accumulates.
class AccumulatorBank {
 public:
  void Load(GemmSums& sums, const TileWindow& w);
  void Store(GemmSums& sums) const;
  MacState* data() { return states_.data(); }
  const TileWindow& window() const { return window_; }

  // Fast mode: adds the tile's products (k order, one MacStep each) through
  // Gemm on the tile's sub-problem, with C = the accumulators and the
  // output format = the accumulator format, which returns the accumulators'
  // next values exactly. An element that Gemm cannot continue bit for bit
  // (a special seen, an overflowed accumulator, a value MacInit would
  // change, or an Inf/NaN operand in the tile) goes through MacStep instead.
  // Returns how many elements took that path.
  int64_t AddFast(const TileOperands& t, const Numerics& numerics);

 private:
  TileWindow window_;
  std::vector<MacState> states_;
};

}  // namespace gemmsim::models
