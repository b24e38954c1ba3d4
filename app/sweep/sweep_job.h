// The numerical work of a sweep: every point's numerics resolved (and
// checked) before any GEMM runs, then each point's error over the whole
// trace. Operands are read (or drawn) once per GEMM; a GEMM's quantized
// operands and exact result depend on the numerics only through its inputs
// and seed, so they are prepared once per distinct input spec and reused by
// every point that shares it (a sweep over accumulator keys computes each
// exact result once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/sweep/sweep_grid.h"
#include "app/sweep/sweep_metrics.h"
#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"

namespace gemmsim::app {

// Each point's numerics for each GEMM: LoadNumerics(base, sets + the
// point's KEY=VALUE overrides), base being the GEMM's own `numerics` or
// else `numerics`. Throws ConfigError (exit 2) before any work for a bad
// --set, and for a point whose overrides do not make a valid numerics
// file, naming the --vary, the key and the value at fault.
struct SweepNumerics {
  std::vector<std::string> bases;               // distinct, in first-use order
  std::vector<int> base_of_gemm;                // index into bases, per GEMM
  std::vector<std::vector<Numerics>> of_point;  // [point][base]
};

SweepNumerics ResolveSweepNumerics(const Trace& trace,
                                   const std::string& numerics,
                                   const std::vector<std::string>& sets,
                                   const std::vector<VaryAxis>& axes,
                                   const std::vector<SweepPoint>& points);

class SweepEvaluator {
 public:
  SweepEvaluator(const Trace& trace, SyntheticKind kind, uint64_t seed,
                 int threads);
  ~SweepEvaluator();

  // The trace's error under one point's numerics (SweepNumerics::of_point).
  PointMetrics Evaluate(const SweepNumerics& numerics, size_t point);

  // How many GEMMs have synthetic A or B (drawn, not read).
  int SyntheticGemms() const;

 private:
  struct Prepared;
  const Prepared& PreparedFor(size_t gemm, const Numerics& numerics);

  const Trace& trace_;
  SyntheticKind kind_;
  uint64_t seed_;
  int threads_;
  std::vector<std::unique_ptr<TraceOperands>> operands_;  // read on first use
  // (GEMM, inputs and seed of the numerics) -> operands and exact result.
  std::map<std::pair<size_t, std::string>, std::unique_ptr<Prepared>> cache_;
  // Per GEMM: the exact result of its unquantized operands, independent of
  // the numerics (computed on first use; empty for codes).
  std::vector<std::optional<std::vector<double>>> unquantized_;
};

}  // namespace gemmsim::app
