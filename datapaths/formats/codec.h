// Encoding (rounding a value into a format's code) and decoding (a code to its
// exact value), for any Format. These are the generic, obviously-correct-by-
// construction paths; bulk.h holds the fast kernels that tests prove equal.
#pragma once

#include <cstdint>

#include "datapaths/formats/format.h"
#include "datapaths/formats/rounding.h"

namespace gemmsim {

struct EncodeOptions {
  RoundingSpec rounding;
  Overflow overflow = Overflow::kIeee;
};

enum class CodeClass { kZero, kSubnormal, kNormal, kInf, kNaN };

CodeClass Classify(const Format& format, uint64_t code);

// The exact value of `code` (bits above format.bits() are ignored). Integers
// decode to their value; NaN codes to a quiet NaN with the code's sign.
double Decode(const Format& format, uint64_t code);

// Rounds `x` into `format` (SPEC.md "Number formats"). `random` feeds
// stochastic rounding only (see random_stream.h).
uint64_t Encode(const Format& format, double x, const EncodeOptions& options,
                uint32_t random = 0);

// Decode(Encode(x)): x rounded to the nearest representable value.
inline double RoundTo(const Format& format, double x,
                      const EncodeOptions& options, uint32_t random = 0) {
  return Decode(format, Encode(format, x, options, random));
}

}  // namespace gemmsim
