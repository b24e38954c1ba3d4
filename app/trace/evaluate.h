// The numerical half of every trace job (replay, sweep, validate): one
// GEMM's operands quantized under a Numerics, D emulated by the fast
// kernels, the exact result, and D's error against it and against an
// observed output. The commands only choose what to run and how to report.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "app/gemm_operands.h"
#include "app/trace/trace_operands.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "datapaths/reference/error_metrics.h"

namespace gemmsim::app {

// A GEMM ready to run: shapes broadcast, A and B quantized into the
// numerics' input formats, C broadcast to D. Depends on the numerics only
// through inputs (a, b) and seed: a sweep over accumulator keys prepares
// once and emulates many times.
struct PreparedGemm {
  GemmShapes shapes;
  QuantizedOperand a, b;
  std::vector<double> c;      // shapes.elements() values, or empty
  double output_scale = 1.0;  // tensor scales
};

PreparedGemm PrepareGemm(const TraceOperands& operands,
                         const Numerics& numerics);
// The same from tensors as `gemmsim gemm` reads them (c may be null).
PreparedGemm PrepareGemm(const OperandTensor& a, const OperandTensor& b,
                         const OperandTensor* c, const Numerics& numerics);

// Called now and then with the fraction of the work done, for progress
// lines on stderr; may be empty.
using ProgressFn = std::function<void(double fraction_done)>;

// The problem of output rows [row_begin, row_end) of batch `batch`.
GemmProblem ProblemOf(const PreparedGemm& g, int64_t batch, int64_t row_begin,
                      int64_t row_end);

// Whether `numerics` has no fast kernel for this GEMM (Gemm's "generic"
// kernel: DotProduct per element, ~100x slower), for warnings.
bool UsesSlowPath(const PreparedGemm& g, const Numerics& numerics);

// D under `numerics` (Gemm, the fast kernels where they apply), all
// batches, [batch, m, n] row-major. Results do not depend on `threads`.
std::vector<double> EmulateGemm(const PreparedGemm& g, const Numerics& numerics,
                                int threads, const ProgressFn& progress = {});

// The exact result of the quantized operands, rounded once to double
// (ExactGemm), same layout.
std::vector<double> ExactResult(const PreparedGemm& g, int threads,
                                const ProgressFn& progress = {});

// The exact result of the operands as given, before quantization (A, B
// and C as float64 values, no tensor scale), same layout: against it, D's
// error is the total error of the format choice, quantization included.
// Empty when A or B are codes (they have no unquantized values).
std::vector<double> UnquantizedResult(const PreparedGemm& g,
                                      const OperandTensor& a,
                                      const OperandTensor& b, int threads);

// Observed output values, same layout (broadcast checked by
// LoadTraceOperands).
std::vector<double> ObservedValues(const TraceOperands& operands);

struct GemmError {
  reference::ErrorMetrics vs_exact;
  int64_t overflow_count = 0;  // non-finite D where the exact value is finite
  // Against `observed` where the GEMM has one: exact_match_fraction is the
  // bit-exact agreement SPEC.md's reports give.
  std::optional<reference::ErrorMetrics> vs_observed;
  // Against UnquantizedResult, where there is one.
  std::optional<reference::ErrorMetrics> vs_unquantized;
};

// `unquantized`: UnquantizedResult, or null / empty for none.
GemmError CompareGemm(const std::vector<double>& d,
                      const std::vector<double>& exact,
                      const std::vector<double>* observed,
                      const Numerics& numerics,
                      const std::vector<double>* unquantized = nullptr);

// --sample S: error estimated from S output elements drawn uniformly
// without replacement (seeded), each a full dot product, with 95%
// confidence intervals. Point estimates are what the full run would report
// restricted to the sample; intervals cover the full-run value.
struct Interval {
  double estimate = 0, low = 0, high = 0;
};
struct SampledError {
  int64_t samples = 0;   // elements evaluated (min(S, elements))
  int64_t elements = 0;  // in the whole GEMM
  double confidence = 0.95;
  Interval rel_fro_error;
  Interval mean_ulp_error;
  Interval exact_match_fraction;  // against the exact result
  std::optional<Interval> observed_match_fraction;
  // Maxima over the sample only: lower bounds of the full-run maxima.
  double max_abs_error_seen = 0, max_rel_error_seen = 0;
  int64_t nan_count = 0, inf_count = 0;  // in the sample
};

SampledError SampleGemmError(const PreparedGemm& g, const Numerics& numerics,
                             const TraceOperands& operands, int64_t samples,
                             uint64_t seed, int threads);

}  // namespace gemmsim::app
