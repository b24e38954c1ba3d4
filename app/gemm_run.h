// One `gemmsim gemm` run as a value (SPEC.md "Command line"): D emulated
// under a numerics model, and on request its error against the exact result
// and against the unquantized operands, with the JSON report. The command
// line (app/commands/gemm_command.cc) and the Python module
// (python/gemmsim_module.cc) both call RunGemmOnTensors, so that the two
// give the same bits by construction; tests/python checks it as well.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/gemm_operands.h"
#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/numerics.h"
#include "io/tensor.h"

namespace gemmsim::app {

struct GemmRun {
  PreparedGemm prepared;  // shapes, quantized operands, output scale
  std::string kernel;     // GemmKernelName: "fp32-native", ..., "generic"
  io::Tensor d;           // float32 where the output format fits, else f8
  bool has_error = false;
  GemmError error;  // valid when has_error
  double emulate_seconds = 0, exact_seconds = 0;
};

// What a caller sees while a run goes on; every member may be empty.
struct GemmRunHooks {
  // Once the operands are prepared and the kernel chosen, before emulating.
  std::function<void(const GemmShapes&, const std::string& kernel)> prepared;
  ProgressFn emulate_progress, exact_progress;
};

// D = C + A B under `numerics` on `threads` threads (resolved: >= 1);
// `want_error` also computes the exact and unquantized references. c may be
// null. Throws gemmsim::Error for operands that do not fit (exit 3).
GemmRun RunGemmOnTensors(const OperandTensor& a, const OperandTensor& b,
                         const OperandTensor* c, const Numerics& numerics,
                         int threads, bool want_error,
                         const GemmRunHooks& hooks = {});

// The report of `gemm --json` (schema of SPEC.md "Command line"), D named
// `out_name` (null when it was not written to a file). Needs has_error.
nlohmann::json GemmReportJson(const GemmRun& run, const Numerics& numerics,
                              const OperandTensor& a, const OperandTensor& b,
                              const OperandTensor* c, int threads,
                              const nlohmann::json& out_name,
                              double total_seconds);

}  // namespace gemmsim::app
