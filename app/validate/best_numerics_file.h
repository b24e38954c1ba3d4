// `validate --search --write-best FILE`: the search's answer as a numerics
// file that `--numerics FILE` reads back (gemm, replay, sweep, validate), so
// the best model is used as it is, not retyped from flags. A comment header
// says where it came from and how well it matched.
#pragma once

#include <string>

#include "app/validate/search_report.h"

namespace gemmsim::app {

// The best candidate expressible as numerics: the first ranked one that is a
// Candidate (an extra model such as fp8-fp16-split is not); nullptr when
// none is. *rank: its 1-based rank.
const RankedCandidate* BestExpressible(const SearchResult& result, int* rank);

// Where the best of one group goes: `path` itself when the search has one
// group; else, one file per group, the group's first GEMM name (characters
// other than letters, digits, '.', '-' and '_' as '_') inserted before the
// extension: best.yaml -> best.e4m3-fp16.yaml.
std::string BestNumericsPath(const std::string& path, int groups,
                             const std::string& first_gemm);

// The file's text: the comment header and the resolved numerics of `best`
// (rank `rank` of `g`'s search over `trace`), named after the file's stem.
std::string BestNumericsText(const SearchGroupReport& g,
                             const RankedCandidate& best, int rank,
                             const std::string& trace, const std::string& path);

}  // namespace gemmsim::app
