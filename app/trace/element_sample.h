// --sample S (SPEC.md "Command line"): output elements of one GEMM drawn
// uniformly without replacement, each computed as a full dot product
// exactly as the whole GEMM computes it. A shape-only GEMM's synthetic A and
// B are drawn and quantized only in the rows of A and columns of B the
// sample touches, so a huge GEMM samples in seconds.
#pragma once

#include <cstdint>
#include <vector>

#include "app/trace/evaluate.h"
#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"

namespace gemmsim::app {

struct ElementSample {
  int64_t elements = 0;          // N: outputs of the whole GEMM
  std::vector<int64_t> indices;  // ascending, distinct, in [0, N)
  std::vector<double> d, exact;  // per index
  std::vector<double> observed;  // per index; empty when none was given
};

// min(samples, N) distinct indices, uniform over [0, N), ascending; the
// same (N, samples, seed) always gives the same indices. samples >= N gives
// every index.
std::vector<int64_t> DrawIndices(int64_t elements, int64_t samples,
                                 uint64_t seed);

// Draws the indices and evaluates D (Gemm on a 1x1 problem whose
// first_element is the element's global index, so stochastic rounding
// matches the full run), the exact value and the observed value of each.
// The result does not depend on `threads`.
ElementSample DrawElementSample(const PreparedGemm& g, const Numerics& numerics,
                                const TraceOperands& operands, int64_t samples,
                                uint64_t seed, int threads);

// The same sample of a trace GEMM, bit for bit, from `files` as
// LoadTraceFileOperands returns them: a synthetic A (B) is drawn and
// quantized only in the rows (columns) the sample uses when its input
// quantization works row by row (scaling none or mx, rounding not
// stochastic), and in full otherwise. `operand_seed` and `gemm_index` are
// LoadTraceOperands' seed and index.
ElementSample SampleTraceGemm(const TraceGemm& gemm, int64_t gemm_index,
                              const TraceOperands& files, uint64_t operand_seed,
                              const Numerics& numerics, int64_t samples,
                              uint64_t sample_seed, int threads);

// Whether SampleTraceGemm draws and quantizes only the lines it needs of a
// synthetic operand quantized under `spec`.
bool QuantizesByLine(const InputSpec& spec);

// SampleGemmError's statistics of one GEMM's sample: point estimates as
// CompareToExact reports them over the sampled elements (in index order,
// so a sample of every element reproduces the full run bit for bit).
// Defined with the statistics it shares with replay's totals
// (app/replay/element_errors.cc).
SampledError EstimateSampledError(const ElementSample& sample,
                                  const Numerics& numerics);

}  // namespace gemmsim::app
