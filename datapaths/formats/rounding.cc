#include "datapaths/formats/rounding.h"

#include <array>
#include <utility>

namespace gemmsim {
namespace {

constexpr std::array<std::pair<Rounding, std::string_view>, 7> kRoundingNames =
    {{{Rounding::kNearestEven, "rne"},
      {Rounding::kNearestAway, "rna"},
      {Rounding::kTowardZero, "rtz"},
      {Rounding::kUp, "rup"},
      {Rounding::kDown, "rdown"},
      {Rounding::kToOdd, "rto"},
      {Rounding::kStochastic, "stochastic"}}};

constexpr uint64_t kHalf = uint64_t{1} << 63;

}  // namespace

std::string_view RoundingName(Rounding mode) {
  for (const auto& [m, name] : kRoundingNames)
    if (m == mode) return name;
  return "?";
}

std::optional<Rounding> ParseRounding(std::string_view name) {
  for (const auto& [m, n] : kRoundingNames)
    if (n == name) return m;
  return std::nullopt;
}

std::string_view OverflowName(Overflow overflow) {
  switch (overflow) {
    case Overflow::kIeee:
      return "ieee";
    case Overflow::kSaturate:
      return "saturate";
    case Overflow::kInfinity:
      return "infinity";
  }
  return "?";
}

std::optional<Overflow> ParseOverflow(std::string_view name) {
  for (Overflow o : {Overflow::kIeee, Overflow::kSaturate, Overflow::kInfinity})
    if (OverflowName(o) == name) return o;
  return std::nullopt;
}

Split SplitAt(uint64_t m, int shift) {
  if (shift <= 0) return {m, {}};
  if (shift >= 128) return {0, {0, m != 0}};
  if (shift >= 64) {
    // All of m lies below the kept place; its top bits start 'shift - 64'
    // places below the binary point of the fraction.
    const int down = shift - 64;
    const uint64_t top = down == 0 ? m : m >> down;
    const bool sticky = down != 0 && (m << (64 - down)) != 0;
    return {0, {top, sticky}};
  }
  return {m >> shift, {m << (64 - shift), false}};
}

uint64_t RoundMagnitude(uint64_t kept, Discarded d, bool negative,
                        const RoundingSpec& spec, uint32_t random) {
  if (d.is_zero()) return kept;  // exact: every mode agrees
  switch (spec.mode) {
    case Rounding::kNearestEven: {
      const bool above_half = d.top > kHalf || (d.top == kHalf && d.sticky);
      const bool tie = d.top == kHalf && !d.sticky;
      return kept + ((above_half || (tie && (kept & 1))) ? 1 : 0);
    }
    case Rounding::kNearestAway:
      return kept + (d.top >= kHalf ? 1 : 0);
    case Rounding::kTowardZero:
      return kept;
    case Rounding::kUp:
      return kept + (negative ? 0 : 1);
    case Rounding::kDown:
      return kept + (negative ? 1 : 0);
    case Rounding::kToOdd:
      return kept | 1;
    case Rounding::kStochastic: {
      // Round up iff d + r >= 2^b, where d is the discarded fraction cut to b
      // bits and r is uniform on [0, 2^b): P(up) = d / 2^b.
      const int b = spec.stochastic_bits;
      const uint64_t d_bits = d.top >> (64 - b);
      const uint64_t r = random & ((uint64_t{1} << b) - 1);
      return kept + ((d_bits + r) >> b);
    }
  }
  return kept;
}

bool RoundsOverflowToMaxFinite(Rounding mode, bool negative) {
  switch (mode) {
    case Rounding::kTowardZero:
    case Rounding::kToOdd:  // truncation with a jammed bit never overflows
      return true;
    case Rounding::kUp:
      return negative;
    case Rounding::kDown:
      return !negative;
    default:
      return false;
  }
}

}  // namespace gemmsim
