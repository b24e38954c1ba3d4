// The accumulator designs `validate --search` tries (SPEC.md "Command
// line": block size, alignment bits, roundings, accumulator width, where c
// enters), each as a change to a base Numerics that the user can repeat
// with --set flags, and the order of simplicity that breaks ties.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::app {

// The adder width of truncating candidates: 23 fraction bits, as every
// tensor-core preset has (they keep it even when accumulating in fp16).
inline constexpr int kSearchAdderFractionBits = 23;

struct Candidate {
  int block = 1;
  std::optional<int> extra_bits;  // truncate with these bits; none: exact
  Rounding rounding = Rounding::kTowardZero;
  std::string accumulator_format = "fp32";
  AccumulatorEntry entry = AccumulatorEntry::kInBlock;
  // Only when the output format cannot hold every accumulator value (the
  // output rounding then matters); else the base's rounding stays.
  std::optional<Rounding> output_rounding;
};

// Which values each dimension takes for one group of GEMMs.
struct SearchSpace {
  std::vector<int> blocks;                     // ascending
  std::vector<std::optional<int>> alignments;  // truncate bits..., exact
  std::vector<Rounding> roundings;
  std::vector<std::string> accumulator_formats;  // preferred first
  std::vector<AccumulatorEntry> entries;
  std::vector<std::optional<Rounding>> output_roundings;
  size_t size() const {
    return blocks.size() * alignments.size() * roundings.size() *
           accumulator_formats.size() * entries.size() *
           output_roundings.size();
  }
};

// Blocks {1, 2, 4, ..., 64} up to k (and k itself when k < 64), exact or
// truncating alignment with extra_bits -12..4, rtz/rne/rdown/rup, the
// accumulator in fp32, e8m20, e8m16, e8m13, e8m10, e8m7 and the output
// format, c entering in the block or after it, and the output rounded with
// rne or rtz where that matters.
SearchSpace DefaultSearchSpace(int64_t k, const Numerics& base);

// Every candidate, simplest first (see Simpler).
std::vector<Candidate> EnumerateCandidates(const SearchSpace& space,
                                           const Numerics& base);

// Whether a is simpler than b: fewer alignment bits (exact counts as the
// most), then a smaller block, then rtz < rne < rdown < rup, then the
// accumulator format's place in the space's list (fp32 first), then c in
// the block before after it, then rne output before rtz.
bool Simpler(const Candidate& a, const Candidate& b, const SearchSpace& space);

// The base with the candidate's keys changed, exactly as ToSetFlags says.
Numerics ApplyCandidate(const Numerics& base, const Candidate& c);

// The --set flags that turn the base into the candidate (KEY=VALUE, without
// "--set"), in a fixed order.
std::vector<std::string> ToSetFlags(const Candidate& c, const Numerics& base);

// "block 16, truncate +2 bits, rtz, fp32, c in block".
std::string Describe(const Candidate& c);

}  // namespace gemmsim::app
