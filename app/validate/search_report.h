// What `validate --search` prints and writes: per group of GEMMs searched
// together, the ranked candidates with exact_match_fraction and the flags
// that reproduce each, which candidates the data cannot tell apart, and
// the winner as a numerics document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/validate/base_numerics.h"
#include "app/validate/model_search.h"

namespace gemmsim::app {

struct SearchGroupReport {
  std::vector<std::string> gemm_names;
  int64_t k = 0;  // the largest K among them
  BaseNumerics base;
  SearchResult result;
  std::vector<ExtraModel> extra;
};

// The text for stdout.
std::string SearchText(const SearchGroupReport& g);

// "differ in accumulate.format (fp32, e8m13), ..." over the candidates
// tied with the best; empty when only one candidate ties.
std::string TiedDimensions(const SearchResult& r);

nlohmann::json SearchJson(const SearchGroupReport& g);

}  // namespace gemmsim::app
