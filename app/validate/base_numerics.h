// The numerics a validated GEMM is checked under, and the base a model
// search varies, with the command-line flags that name it (so that every
// result can be repeated by pasting flags).
//
// Precedence: --numerics (with --set) overrides a GEMM's own `numerics:`;
// --set applies to either. With neither, `validate` refuses (exit 2) and
// `validate --search` infers a base: the `exact` preset with
//   - input formats from the operand files: a narrow float dtype (.npy f2,
//     .safetensors BF16/F8_*) names its format; float32/float64 values get
//     the narrowest standard format that holds every value of A and B
//     exactly, first of e4m3fn, e5m2, fp16, bf16, tf32, fp32, fp64;
//   - the output format fp16 when every observed value is an fp16 value,
//     else fp32.
#pragma once

#include <string>
#include <vector>

#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"
#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

struct BaseNumerics {
  Numerics numerics;
  std::string numerics_arg;       // what --numerics names
  std::vector<std::string> sets;  // the --set values on top, in order
  std::string origin;  // "--numerics", "the GEMM's numerics", "inferred"
  // "--numerics exact --set inputs.a=fp16 ..." plus `more` sets.
  std::string Flags(const std::vector<std::string>& more = {}) const;
};

// The numerics from --numerics/--set or the GEMM's own; none of them:
// ConfigError (exit 2) naming the GEMM when `infer` is false, else the
// inferred base (which needs A, B and observed: codes cannot be inferred).
BaseNumerics ResolveBaseNumerics(const std::string& numerics_option,
                                 const std::vector<std::string>& sets,
                                 const TraceGemm& gemm,
                                 const TraceOperands* operands, bool infer);

// The narrowest of e4m3fn, e5m2, fp16, bf16, tf32, fp32, fp64 that holds
// every value exactly (fp64 when none does).
std::string NarrowestFormatHolding(const std::vector<double>& values);

}  // namespace gemmsim::app
