// The real tensor-core captures (tests/data/tensor-cores) as one batched
// GEMM each, the way traces/h100-captures bundles them: batch = samples,
// a [S,1,K], b [S,K,1], c [S,1,1] (absent for the FP8 folders, captured with
// a zero accumulator), observed [S,1,1]; float32 values.
#pragma once

#include <string>

#include "app/trace/trace_operands.h"

namespace gemmsim::testing {

// input: capture folder ("fp16", "E4M3"); output: "fp32" or "fp16".
// `samples`: the first N samples only (0: all 5000).
app::TraceOperands CaptureOperands(const std::string& input,
                                   const std::string& output, int samples = 0);

// Writes the operands as .npy files into `dir` and returns the manifest
// text of one GEMM named `name` with those files (and `numerics:` when not
// empty).
std::string WriteCaptureGemm(const app::TraceOperands& operands,
                             const std::string& dir, const std::string& name,
                             const std::string& numerics);

}  // namespace gemmsim::testing
