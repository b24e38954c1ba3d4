// The operands of one trace GEMM, read from the files its manifest names
// (with `transpose` applied) or drawn at random for a shape-only GEMM
// (SPEC.md "Command line": seeded synthetic operands, --operands
// normal|lognormal|uniform|outliers, and the report says so).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
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

// One synthetic operand: A as [m, k] or B as [k, n] (with a leading batch
// dim when batch > 1), float32, element i drawn from Philox4x32-10 under
// (seed, gemm_index, role, i). normal: N(0, 1); lognormal: a random sign
// times exp(N(0, 1)); uniform: [-1, 1) on a 2^-23 grid; outliers: N(0, 1)
// with about 1% of A's K channels (at least one) scaled by 100, as LLM
// activations have (B stays N(0, 1)).
OperandTensor DrawSyntheticOperand(const TraceGemm& gemm, OperandRole role,
                                   SyntheticKind kind, uint64_t seed,
                                   int64_t gemm_index);

// LoadTraceOperands without the drawing: files read and checked,
// synthetic_a, synthetic_b and synthetic_kind set, but a synthetic A or B
// left empty (no shape, no data) for the caller to draw in full
// (DrawSyntheticOperand) or only the lines it needs (DrawSyntheticLines).
TraceOperands LoadTraceFileOperands(const TraceGemm& gemm, SyntheticKind kind);

// Some K-long lines of a synthetic operand, bit-identical to the same
// elements of DrawSyntheticOperand: for A, rows `b * m + row` ([count, k]);
// for B, columns `b * n + col` ([k, count]), b the batch.
OperandTensor DrawSyntheticLines(const TraceGemm& gemm, OperandRole role,
                                 SyntheticKind kind, uint64_t seed,
                                 int64_t gemm_index,
                                 std::span<const int64_t> lines);

}  // namespace gemmsim::app
