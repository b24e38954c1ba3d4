#include "app/validate/search_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace gemmsim::app {
namespace {

constexpr Rounding kRoundingOrder[] = {Rounding::kTowardZero,
                                       Rounding::kNearestEven, Rounding::kDown,
                                       Rounding::kUp};

int RoundingRank(Rounding r) {
  for (int i = 0; i < 4; ++i)
    if (kRoundingOrder[i] == r) return i;
  return 4;
}

int FormatRank(const std::string& name, const SearchSpace& space) {
  const auto& list = space.accumulator_formats;
  return static_cast<int>(std::find(list.begin(), list.end(), name) -
                          list.begin());
}

auto SimplicityKey(const Candidate& c, const SearchSpace& space) {
  // Exact alignment keeps every bit: more than any truncation.
  const int bits = c.extra_bits ? *c.extra_bits : 1 << 20;
  const int output = c.output_rounding ? RoundingRank(*c.output_rounding) : -1;
  return std::make_tuple(bits, c.block, RoundingRank(c.rounding),
                         FormatRank(c.accumulator_format, space),
                         c.entry == AccumulatorEntry::kInBlock ? 0 : 1, output);
}

// The output's rounding is moot when it holds every accumulator value.
bool OutputRoundingMatters(const std::string& accumulator,
                           const Format& output) {
  return !ValuesFitIn(FormatByName(accumulator), output);
}

}  // namespace

SearchSpace DefaultSearchSpace(int64_t k, const Numerics& base) {
  SearchSpace s;
  for (int b : {1, 2, 4, 8, 16, 32, 64})
    if (b <= std::max<int64_t>(k, 1)) s.blocks.push_back(b);
  if (k > 1 && k < 64 &&
      std::find(s.blocks.begin(), s.blocks.end(), k) == s.blocks.end())
    s.blocks.push_back(static_cast<int>(k));
  for (int e = -12; e <= 4; ++e) s.alignments.push_back(e);
  s.alignments.push_back(std::nullopt);
  s.roundings.assign(std::begin(kRoundingOrder), std::end(kRoundingOrder));
  s.accumulator_formats = {"fp32", "e8m20", "e8m16", "e8m13", "e8m10", "e8m7"};
  const Format& out = base.output.format;
  if (out.is_float() && out.name() != "fp32" &&
      std::find(s.accumulator_formats.begin(), s.accumulator_formats.end(),
                out.name()) == s.accumulator_formats.end())
    s.accumulator_formats.insert(s.accumulator_formats.begin() + 1, out.name());
  s.entries = {AccumulatorEntry::kInBlock, AccumulatorEntry::kAfterBlock};
  s.output_roundings = {std::nullopt, Rounding::kNearestEven,
                        Rounding::kTowardZero};
  return s;
}

std::vector<Candidate> EnumerateCandidates(const SearchSpace& space,
                                           const Numerics& base) {
  std::vector<Candidate> out;
  for (int block : space.blocks)
    for (const auto& bits : space.alignments)
      for (Rounding r : space.roundings)
        for (const std::string& f : space.accumulator_formats)
          for (AccumulatorEntry e : space.entries)
            for (const auto& o : space.output_roundings) {
              // Exactly one of "moot" and "rne/rtz" per accumulator format.
              if (o.has_value() != OutputRoundingMatters(f, base.output.format))
                continue;
              // A truncating adder keeps at least its top bit.
              if (bits && kSearchAdderFractionBits + *bits < 0) continue;
              out.push_back({block, bits, r, f, e, o});
            }
  std::stable_sort(out.begin(), out.end(),
                   [&](const Candidate& a, const Candidate& b) {
                     return Simpler(a, b, space);
                   });
  return out;
}

bool Simpler(const Candidate& a, const Candidate& b, const SearchSpace& space) {
  return SimplicityKey(a, space) < SimplicityKey(b, space);
}

Numerics ApplyCandidate(const Numerics& base, const Candidate& c) {
  Numerics n = base;
  AccumulateSpec& acc = n.accumulate;
  acc.format = FormatByName(c.accumulator_format);
  acc.block = c.block;
  if (c.extra_bits) {
    acc.alignment = Alignment::kTruncate;
    acc.extra_bits = *c.extra_bits;
    acc.adder_fraction_bits = kSearchAdderFractionBits;
  } else {
    acc.alignment = Alignment::kExact;
  }
  acc.rounding = RoundingSpec{c.rounding, acc.rounding.stochastic_bits};
  acc.accumulator_entry = c.entry;
  if (c.output_rounding) {
    n.output.rounding =
        RoundingSpec{*c.output_rounding, n.output.rounding.stochastic_bits};
  }
  return n;
}

std::vector<std::string> ToSetFlags(const Candidate& c, const Numerics& base) {
  std::vector<std::string> flags = {
      "accumulate.format=" + c.accumulator_format,
      fmt::format("accumulate.block={}", c.block)};
  if (c.extra_bits) {
    flags.push_back("accumulate.alignment=truncate");
    flags.push_back(fmt::format("accumulate.extra_bits={}", *c.extra_bits));
    flags.push_back(fmt::format("accumulate.adder_fraction_bits={}",
                                kSearchAdderFractionBits));
  } else {
    flags.push_back("accumulate.alignment=exact");
  }
  flags.push_back(
      fmt::format("accumulate.rounding={}", RoundingName(c.rounding)));
  flags.push_back(fmt::format("accumulate.accumulator_entry={}",
                              AccumulatorEntryName(c.entry)));
  if (c.output_rounding) {
    // The whole mapping: the base may name its output as a bare format.
    flags.push_back(
        fmt::format("output={{format: {}, rounding: {}, overflow: {}}}",
                    base.output.format.name(), RoundingName(*c.output_rounding),
                    OverflowName(base.output.overflow)));
  }
  return flags;
}

std::string Describe(const Candidate& c) {
  std::string text = fmt::format("block {}, ", c.block);
  text += c.extra_bits ? fmt::format("truncate {:+d} bits", *c.extra_bits)
                       : std::string("exact alignment");
  text += fmt::format(
      ", {}, {}, c {}", RoundingName(c.rounding), c.accumulator_format,
      c.entry == AccumulatorEntry::kInBlock ? "in block" : "after block");
  if (c.output_rounding)
    text += fmt::format(", output {}", RoundingName(*c.output_rounding));
  return text;
}

}  // namespace gemmsim::app
