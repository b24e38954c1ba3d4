// The operands of one trace GEMM, read from the files its manifest names
// (with `transpose` applied) or drawn at random for a shape-only GEMM
// (SPEC.md "Command line": seeded synthetic operands, --operands
// normal|lognormal|uniform|outliers, and the report says so).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/gemm_operands.h"
#include "app/trace/trace.h"

namespace gemmsim::app {

enum class SyntheticKind { kNormal, kLognormal, kUniform, kOutliers };
// "normal" ... ; ConfigError (exit 2) naming --operands and the choices.
SyntheticKind ParseSyntheticKind(const std::string& name);
const char* SyntheticKindName(SyntheticKind kind);

struct TraceOperands {
  OperandTensor a;  // [batch,] m x k, float values (or codes, as in gemm)
  OperandTensor b;  // [batch,] k x n
  std::optional<OperandTensor> c;         // broadcastable to [batch,] m x n
  std::optional<OperandTensor> observed;  // [batch,] m x n, float values
  // Which of A and B were drawn (the trace named no file for them).
  bool synthetic_a = false, synthetic_b = false;
  std::optional<SyntheticKind> synthetic_kind;  // when either was drawn
  bool synthetic() const { return synthetic_a || synthetic_b; }
};

// Reads A, B, C and observed where the GEMM names them and draws A and B
// where it does not: float32 values from a counter-based generator keyed by
// (seed, GEMM index, operand), so a GEMM's operands do not depend on which
// other GEMMs run. Checks every file's shape against the GEMM's m, n, k and
// batch (after transpose) and throws InputError (exit 3) naming the tensor
// file, the manifest place and both shapes on a mismatch.
TraceOperands LoadTraceOperands(const TraceGemm& gemm, int64_t gemm_index,
                                SyntheticKind kind, uint64_t seed);

}  // namespace gemmsim::app
