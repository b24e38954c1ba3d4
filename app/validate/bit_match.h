// Bit-exact agreement of a modelled output with an observed one, and how a
// mismatch is shown (SPEC.md "Command line": validate shows the first
// mismatches in bits).
//
// What "the same bits" means here: two values match when they are the same
// value of the output format with the same sign, so +0 and -0 differ. Any
// NaN matches any NaN: gemmsim does not model NaN payloads, and hardware
// differs in which quiet NaN it returns.
#pragma once

#include <optional>
#include <string>

#include "datapaths/formats/format.h"

namespace gemmsim::app {

bool SameOutputBits(double model, double observed);

// "0|10000010|0100000..." (sign|exponent|mantissa of `format`) for a value
// of a float format, the code in binary for an integer format; a value the
// format does not hold is shown rounded to nearest even and marked
// " (not a <format> value)".
std::string BitFields(const Format& format, double value);

// Whether two non-zero, non-NaN values have opposite signs (a sign flip,
// which an ulp distance across zero would hide).
bool SignDiffers(double model, double observed);

// model - observed in units in the last place of `format`: the difference
// of their positions in the ordered list of the format's finite values
// (exact across binades); nullopt when either is not finite or not a value
// of the format. +0 and -0 are 0 ulps apart.
std::optional<double> UlpDifference(const Format& format, double model,
                                    double observed);

}  // namespace gemmsim::app
