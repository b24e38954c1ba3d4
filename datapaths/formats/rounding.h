// Rounding modes and the one rounding primitive every conversion and every
// accumulator calls (SPEC.md "Number formats": rounding modes). Nothing here
// reads a global mode: the mode is always an argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gemmsim {

enum class Rounding {
  kNearestEven,  // rne: to nearest, ties to even (default)
  kNearestAway,  // rna: to nearest, ties away from zero
  kTowardZero,   // rtz
  kUp,           // rup: toward +Inf
  kDown,         // rdown: toward -Inf
  kToOdd,        // rto: truncate, then set the last bit if inexact
  kStochastic,   // stochastic: up with probability = discarded fraction
};

enum class Overflow {
  kIeee,      // ml_dtypes behaviour: Inf, else NaN, else max finite
  kSaturate,  // clamp to +-max finite
  kInfinity,  // always Inf (NaN where no Inf), whatever the rounding mode
};

// A rounding mode with its parameter (stochastic rounding compares this many
// random bits against the discarded bits; SPEC default 32).
struct RoundingSpec {
  Rounding mode = Rounding::kNearestEven;
  int stochastic_bits = 32;
};

std::string_view RoundingName(Rounding mode);
std::optional<Rounding> ParseRounding(std::string_view name);
std::string_view OverflowName(Overflow overflow);
std::optional<Overflow> ParseOverflow(std::string_view name);

// The bits discarded by a rounding, as a binary fraction of one unit in the
// last kept place: value = (top + epsilon) / 2^64 where epsilon is some
// positive amount below 2^-64 iff `sticky` (bits that fell off the end).
struct Discarded {
  uint64_t top = 0;
  bool sticky = false;
  bool is_zero() const { return top == 0 && !sticky; }
};

// Splits magnitude `m` at bit `shift`: returns m >> shift and the discarded
// bits. Any shift >= 0 is allowed (a shift of 64 or more keeps nothing).
struct Split {
  uint64_t kept;
  Discarded discarded;
};
Split SplitAt(uint64_t m, int shift);

// THE rounding primitive. Rounds the magnitude `kept + discarded` to an
// integer, for a value whose sign is `negative`. `random` is used only by
// stochastic rounding: its low `spec.stochastic_bits` bits are uniform.
// The result may be kept + 1 (a carry the caller renormalises).
uint64_t RoundMagnitude(uint64_t kept, Discarded discarded, bool negative,
                        const RoundingSpec& spec, uint32_t random);

// Whether `mode` rounds a value of this sign toward zero when it overflows,
// which IEEE 754 turns into the largest finite value instead of infinity.
bool RoundsOverflowToMaxFinite(Rounding mode, bool negative);

}  // namespace gemmsim
