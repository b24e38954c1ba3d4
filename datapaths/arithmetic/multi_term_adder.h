// One multi-term addition (SPEC.md "Accumulation"): n products and the
// accumulator are aligned, summed and rounded once to the accumulator
// format. This is the slow, obviously correct path: exact sums use
// arbitrary-precision integers. The fast GEMM kernels are proven equal to it.
#pragma once

#include <cstdint>
#include <span>

#include "datapaths/arithmetic/numerics.h"
#include "datapaths/arithmetic/term.h"

namespace gemmsim {

// Returns the rounded sum of `products` and `accumulator` (a finite value of
// spec.format) as a value of spec.format (exact as a double), or +-Inf/NaN
// where it overflows per spec.overflow. `random` feeds stochastic rounding.
//
// alignment exact:    the exact sum, rounded once.
// alignment truncate: M = the largest align_exponent among the non-zero
//   terms (at least min_alignment_exponent); every term is cut toward zero
//   to the grid 2^(M - F - extra_bits), F = adder_fraction_bits (default:
//   the accumulator's mantissa bits); with sticky, each term keeps one more
//   bit that ORs everything below it. The exact sum of the cut terms is
//   rounded to the accumulator's mantissa bits; with a negative extra_bits,
//   to min(mantissa bits, F + extra_bits) fraction bits (a non-negative
//   extra_bits widens the adder, never the result).
// Only zero terms: -0 if all are -0, else +0 (-0 when rounding down). An
// exact cancellation: +0 (-0 when rounding down).
double AddTerms(std::span<const Term> products, double accumulator,
                const AccumulateSpec& spec, uint32_t random = 0);

// Rounds an exact value into `format` with the given precision cut,
// rounding and overflow, flushing subnormal results when asked. The value is
// (-1)^negative * magnitude * 2^exponent, magnitude given as 64-bit words,
// least significant first. Shared by the adder and the dot product's final
// rounding.
double RoundExact(bool negative, std::span<const uint64_t> magnitude,
                  int exponent, const Format& format, int fraction_bits,
                  const RoundingSpec& rounding, Overflow overflow,
                  bool subnormals, uint32_t random);

}  // namespace gemmsim
