// "Did you mean" for names a user mistyped: numerics and machine presets,
// subcommands, options and YAML keys all suggest the nearest valid names
// with this one distance, so that a typo anywhere is answered the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gemmsim::app {

// Damerau-Levenshtein distance (optimal string alignment): insertions,
// deletions, substitutions and transpositions of neighbours each cost 1, so
// that `gmem` is as close to `gemm` as `gemn`. Case-sensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The names of `candidates` nearest to `word`, ignoring case, at most `max`
// in the candidates' order: those at the smallest edit distance within about
// a third of the word's length (at least 1, at most 3), else those starting
// with the word when it has 3 characters or more (`h100` for the h100
// presets); none when nothing is that close.
std::vector<std::string> ClosestNames(
    const std::string& word, const std::vector<std::string>& candidates,
    size_t max = 3);

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'": the names quoted for a message.
std::string QuotedAlternatives(const std::vector<std::string>& names);

// "; did you mean 'a'?" ("'a' or 'b'"), or "" when nothing is close.
std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates,
                       size_t max = 3);

}  // namespace gemmsim::app
