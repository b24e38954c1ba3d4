// The datapath of one MAC unit (SPEC.md "Accumulation"), as plain functions
// with no SystemC: acc <- AddTerms({a * b}, acc, spec). The MAC array models
// call these per PE per cycle; a chain of MacStep calls over k = 0..K-1 gives
// the same bits as DotProduct (and so Gemm) for the numerics that
// CheckMacArrayNumerics accepts.
#ifndef GEMMSIM_MODELS_MAC_ARRAY_MAC_UNIT_H_
#define GEMMSIM_MODELS_MAC_ARRAY_MAC_UNIT_H_

#include <cstdint>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/numerics.h"
#include "datapaths/arithmetic/term.h"

namespace gemmsim::models {

// What a MAC unit (or a partial sum travelling down a WS column) holds.
// DotProduct resolves Inf/NaN inputs as IEEE arithmetic would, whatever the
// order of the terms; the two flags are that side channel, so a PE never
// needs to see the other PEs' inputs.
struct MacState {
  double acc = 0;            // a value of the accumulator format (or +-Inf)
  bool pos_special = false;  // a +Inf product or addend was seen
  bool neg_special = false;  // a -Inf one; both flags: NaN
};

// Throws a configuration error (gemmsim::Error, exit 2) unless the MAC array
// models these numerics: block == 1 (one product per addition: a MAC),
// accumulator entry in-block, no promote, no stochastic rounding (the fast mode
// runs Gemm per tile, whose element indices, which key stochastic rounding,
// differ from the GEMM's).
void CheckMacArrayNumerics(const Numerics& numerics);
// Throws unless the problem is one the MAC array models: per-tensor emin (no
// block scales), output_scale 1, first_element 0.
void CheckMacArrayProblem(const GemmProblem& problem);

// The accumulator's start: c rounded to the accumulator format (rne), as
// DotProduct starts it.
MacState MacInit(double c, const Numerics& numerics);

// One MAC: acc <- round(acc + a * b) to the accumulator format.
MacState MacStep(const MacState& state, const Factor& a, const Factor& b,
                 const AccumulateSpec& spec);

// d: the accumulator rounded to the output format (the array's output stage).
double MacOutput(const MacState& state, const Numerics& numerics);

}  // namespace gemmsim::models

#endif  // GEMMSIM_MODELS_MAC_ARRAY_MAC_UNIT_H_
