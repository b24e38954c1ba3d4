// `validate --search`: the accumulator design that best explains observed
// outputs. Staged so that thousands of candidates cost seconds: every
// candidate of the search space is tried on 64 output elements (each one
// dot product), the best 10 x keep of them on the whole sample
// (SearchOptions::sample), and the best keep = max(3 x top, 30) are
// confirmed on every observed element of the GEMMs (EmulateGemm: the fast
// kernels where they apply). A candidate is given up as soon as it is
// strictly worse than `keep` finished ones, so results do not depend on
// the thread count; a candidate that explains every element survives every
// stage.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/trace/evaluate.h"
#include "app/validate/dot_elements.h"
#include "app/validate/search_space.h"

namespace gemmsim::app {

struct SearchGemm {
  const PreparedGemm* gemm = nullptr;
  const std::vector<double>* observed = nullptr;  // EmulateGemm's layout
};

// A candidate outside the Numerics space (a plain function of the
// operands) that the search also ranks, and always confirms.
struct ExtraModel {
  std::string name;         // how the report names it
  std::string description;  // one line: what it computes
  ElementModel model;
};

struct SearchOptions {
  int64_t sample = 512;  // elements tried in the first stage
  int top = 10;          // candidates reported
  int threads = 1;
  std::function<void(const std::string&)> progress;  // lines for stderr
};

struct RankedCandidate {
  std::optional<Candidate> candidate;  // none: extra model
  std::optional<int> extra;            // index into the extra models
  Numerics numerics;                   // the candidate applied to the base
  int64_t sample_mismatches = 0;
  int64_t elements = 0, matches = 0;  // on every observed element
  double exact_match_fraction() const {
    return elements ? static_cast<double>(matches) / elements : 1.0;
  }
};

struct SearchResult {
  SearchSpace space;
  int64_t candidates = 0;               // tried on the sample
  int64_t sample_size = 0;              // elements in the sample
  int64_t elements = 0;                 // observed elements confirmed on
  int64_t confirmed = 0;                // candidates confirmed on all of them
  std::vector<RankedCandidate> ranked;  // best first; ties: simpler first
  // Candidates tied with the best, over all those confirmed (the best
  // included): the report says they are indistinguishable on this data.
  std::vector<RankedCandidate> tied_with_best;
  // More candidates tied with the best on the sample than were confirmed:
  // tied_with_best may miss some.
  bool more_ties_possible = false;
};

SearchResult SearchModels(const Numerics& base,
                          const std::vector<SearchGemm>& gemms,
                          const std::vector<ExtraModel>& extra,
                          const SearchOptions& options);

}  // namespace gemmsim::app
