// gemmsim replay's work (SPEC.md "Command line"): every GEMM of a trace
// through its numerics (error against the exact result, in full or from a
// sample of output elements) and through a machine's cost model
// (throughput), with totals over the whole trace. The command only parses
// options and writes what this returns.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/replay/element_errors.h"
#include "app/trace/evaluate.h"
#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"
#include "models/cost/cost_model.h"

namespace gemmsim::app {

struct ReplayOptions {
  // --numerics: overrides every GEMM's own `numerics` field; empty: each
  // GEMM's own, and GEMMs without one get throughput only.
  std::string numerics;
  std::vector<std::string> sets;  // --set, applied to whichever numerics
  std::optional<cost::Machine> machine;
  int64_t sample = 0;  // --sample S; 0: every element
  SyntheticKind operands = SyntheticKind::kNormal;
  uint64_t seed = 0;
  int threads = 1;
  // Full emulation of a GEMM with more multiply-adds than this is refused
  // (the exact reference alone would take many minutes): use --sample.
  int64_t max_full_macs = int64_t{1} << 36;
  bool progress = true;  // lines on stderr for runs longer than a moment
};

struct GemmReplay {
  const TraceGemm* gemm = nullptr;
  std::string numerics;  // the key into ReplayResult::numerics; "": none
  std::string operands;  // "files", "synthetic normal, seed 0", ...
  std::string dtype;     // the dtype throughput used
  // Error, when the GEMM has numerics: one of the two.
  std::optional<GemmError> full;
  std::optional<SampledError> sampled;
  int64_t overflow_count = 0;  // in the elements evaluated
  std::optional<cost::Cost> cost;
  bool has_error() const { return full || sampled; }
};

struct ReplayResult {
  std::vector<GemmReplay> gemms;
  // Resolved numerics, keyed by the name as given (--numerics or the
  // trace's field), in the order GEMMs first use them.
  std::vector<std::pair<std::string, Numerics>> numerics;
  // Over every element of every GEMM with numerics (count does not weight
  // errors); exact with zero-width intervals unless something was sampled.
  std::optional<SampledError> total_error;
  int64_t total_overflow_count = 0;
  bool total_has_observed = false;
  std::optional<cost::Cost> total_cost;  // count-weighted
  // Over every GEMM, when each was run in full from value operands.
  std::optional<double> total_rel_fro_error_vs_unquantized;
  bool sampled = false;  // some GEMM's error is a sample
};

// Loads every numerics first (a bad name fails before any work), then runs
// the GEMMs in order.
ReplayResult RunReplay(const Trace& trace, const ReplayOptions& options);

}  // namespace gemmsim::app
