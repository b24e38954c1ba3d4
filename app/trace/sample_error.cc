// SampleGemmError (evaluate.h): the sample and its statistics
// (element_sample.h).
#include "app/trace/element_sample.h"
#include "app/trace/evaluate.h"
#include "datapaths/error.h"

namespace gemmsim::app {

SampledError SampleGemmError(const PreparedGemm& g, const Numerics& numerics,
                             const TraceOperands& operands, int64_t samples,
                             uint64_t seed, int threads) {
  if (samples < 1)
    throw ConfigError("--sample: expected a number of elements >= 1");
  return EstimateSampledError(
      DrawElementSample(g, numerics, operands, samples, seed, threads),
      numerics);
}

}  // namespace gemmsim::app
