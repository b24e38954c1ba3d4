#include "datapaths/arithmetic/gemm_plan.h"

#include <iterator>

#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
namespace {

bool Directed(const RoundingSpec& r) {
  return r.mode != Rounding::kNearestEven && r.mode != Rounding::kStochastic;
}

}  // namespace

// One line per numerics key that changes the arithmetic (SPEC.md
// "Accumulation"); the keys not here are parameters of a feature that sets
// a bit here (extra_bits, adder_fraction_bits, min_alignment_exponent of
// kTruncate; promote.every and promote.format of kPromote; the formats,
// read by every kernel's Applies), or do not reach the arithmetic (name,
// the inputs' quantization keys), or key the random bits (seed,
// stochastic_bits) of a stochastic feature.
Features FeaturesOf(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  Features f = 0;
  if (!s.format.is_float()) f |= kAccInt;
  if (s.format.is_float() && s.format != kernel_support::Fp32())
    f |= kAccNarrowFloat;
  if (s.block > 1) f |= kBlocks;
  if (s.order == Order::kPairwise) f |= kPairwise;
  if (s.alignment == Alignment::kTruncate) f |= kTruncate;
  if (s.sticky && s.alignment == Alignment::kTruncate) f |= kSticky;
  if (s.accumulator_entry == AccumulatorEntry::kAfterBlock) f |= kAfterBlock;
  if (s.block_scale == BlockScaleAt::kBlockSum) f |= kBlockSum;
  if (s.promote) f |= kPromote;
  const bool after = s.accumulator_entry == AccumulatorEntry::kAfterBlock;
  if (Directed(s.rounding) || (after && Directed(s.after_block_rounding)) ||
      (s.promote && Directed(s.promote->rounding)))
    f |= kDirectedRounding;
  if (s.rounding.mode == Rounding::kStochastic ||
      (after && s.after_block_rounding.mode == Rounding::kStochastic) ||
      (s.promote && s.promote->rounding.mode == Rounding::kStochastic))
    f |= kStochasticAccumulate;
  if ((s.format.is_float() && s.overflow == Overflow::kSaturate) ||
      (!s.format.is_float() &&
       s.integer_overflow == IntegerOverflow::kSaturate))
    f |= kSaturate;
  if (!s.subnormal_inputs) f |= kFlushInputs;
  if (!s.subnormal_outputs) f |= kFlushOutputs;
  if (n.output.rounding.mode == Rounding::kStochastic) f |= kStochasticOutput;
  if (p.output_scale != 1.0) f |= kTensorScale;
  if (p.a.emin_per_element || p.b.emin_per_element) f |= kElementEmins;
  if (!n.a.format.is_float() || !n.b.format.is_float()) f |= kIntInputs;
  return f;
}

std::string FeatureNames(Features f) {
  static constexpr const char* kNames[] = {"narrow-float-accumulator",
                                           "int-accumulator",
                                           "blocks",
                                           "pairwise",
                                           "truncate",
                                           "sticky",
                                           "after-block",
                                           "block-sum",
                                           "promote",
                                           "directed-rounding",
                                           "stochastic-accumulate",
                                           "saturate",
                                           "flush-inputs",
                                           "flush-outputs",
                                           "stochastic-output",
                                           "tensor-scale",
                                           "element-emins",
                                           "int-inputs"};
  std::string names;
  for (uint32_t bit = 0; bit < std::size(kNames); ++bit) {
    if (!(f & (1u << bit))) continue;
    if (!names.empty()) names += ", ";
    names += kNames[bit];
  }
  return names.empty() ? "none" : names;
}

const char* GemmPlan::kernel_name() const {
  return kernel ? kernel->name : "generic";
}

GemmPlan PlanGemm(const Numerics& numerics, const GemmProblem& problem) {
  GemmPlan plan;
  plan.features = FeaturesOf(numerics, problem);
  for (const GemmKernel& k : FastGemmKernels()) {
    if ((plan.features & ~k.supports) == 0 && k.applies(numerics, problem)) {
      plan.kernel = &k;
      break;
    }
  }
  return plan;
}

void RunGemmPlan(const GemmPlan& plan, const GemmProblem& problem,
                 const Numerics& numerics, double* d, int threads) {
  RunKernelUnchecked(plan.kernel, problem, numerics, d, threads);
}

}  // namespace gemmsim
