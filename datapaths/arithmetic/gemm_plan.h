// A GEMM's plan (issue 12): the datapath its numerics describe, as the set
// of structural features the fast kernels execute, and the kernel chosen
// for it, compiled once per GEMM and reused by every chunk of rows.
//
// The features are the one feature gate: every non-default value of a
// numerics key that changes the arithmetic sets a feature (FeaturesOf,
// gemm_plan.cc), and a kernel runs only plans whose features it lists
// (GemmKernel::supports) and whose parameters its Applies accepts. A key
// added to the numerics without a feature, or a feature no kernel lists,
// reaches the oracle, never a kernel that would ignore it;
// tests/config/kernel_gate_test.cc holds every key to that.
#pragma once

#include <cstdint>
#include <string>

#include "datapaths/arithmetic/gemm.h"

namespace gemmsim {

enum Feature : uint32_t {
  kAccNarrowFloat = 1u << 0,         // a float accumulator other than fp32
  kAccInt = 1u << 1,                 // an int<W> accumulator
  kBlocks = 1u << 2,                 // block > 1: multi-term additions
  kPairwise = 1u << 3,               // order pairwise
  kTruncate = 1u << 4,               // alignment truncate (with its parameters)
  kSticky = 1u << 5,                 // sticky alignment
  kAfterBlock = 1u << 6,             // accumulator_entry after_block
  kBlockSum = 1u << 7,               // block_scale block_sum
  kPromote = 1u << 8,                // promote
  kDirectedRounding = 1u << 9,       // a deterministic mode other than rne
                                     // in the accumulation
  kStochasticAccumulate = 1u << 10,  // stochastic rounding in it
  kSaturate = 1u << 11,              // accumulate.overflow saturate
  kFlushInputs = 1u << 12,           // subnormal_inputs false
  kFlushOutputs = 1u << 13,          // subnormal_outputs false
  kStochasticOutput = 1u << 14,      // output.rounding stochastic
  kTensorScale = 1u << 15,           // an output scale other than 1
  kElementEmins = 1u << 16,  // block scales in the values (per-element emin)
  kIntInputs = 1u << 17,     // integer input formats
};
using Features = uint32_t;

// The features of `numerics` on this problem (its tensor and block scales).
Features FeaturesOf(const Numerics& numerics, const GemmProblem& problem);

// The names of the features in `f`, for messages and tests.
std::string FeatureNames(Features f);

struct GemmKernel;

struct GemmPlan {
  Features features = 0;
  const GemmKernel* kernel = nullptr;  // null: the oracle
  const char* kernel_name() const;     // "generic" for the oracle
};

// The plan of `problem` (the whole GEMM, or one batch of it): its features
// and the first fast kernel that supports them and applies.
GemmPlan PlanGemm(const Numerics& numerics, const GemmProblem& problem);

// D for rows of the problem a plan was made for (`problem` may be any of
// its row ranges: a kernel that applies to all rows applies to some), rows
// split over `threads`.
void RunGemmPlan(const GemmPlan& plan, const GemmProblem& problem,
                 const Numerics& numerics, double* d, int threads);

}  // namespace gemmsim
