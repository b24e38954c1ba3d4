#include "app/validate/best_numerics_file.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "app/config/numerics_file.h"

namespace gemmsim::app {
namespace {

// A name or path on one comment line: a newline in it would end the comment
// and put the rest into the YAML.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

std::string FileSafe(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    if (!ok) c = '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace

const RankedCandidate* BestExpressible(const SearchResult& result, int* rank) {
  for (size_t i = 0; i < result.ranked.size(); ++i) {
    if (result.ranked[i].candidate) {
      *rank = static_cast<int>(i) + 1;
      return &result.ranked[i];
    }
  }
  return nullptr;
}

std::string BestNumericsPath(const std::string& path, int groups,
                             const std::string& first_gemm) {
  if (groups <= 1) return path;
  const std::filesystem::path p(path);
  std::filesystem::path name = p.stem();
  name += "." + FileSafe(first_gemm);
  name += p.extension();
  return (p.parent_path() / name).string();
}

std::string BestNumericsText(const SearchGroupReport& g,
                             const RankedCandidate& best, int rank,
                             const std::string& trace,
                             const std::string& path) {
  const SearchResult& r = g.result;
  std::string text = fmt::format(
      "# Written by gemmsim {} validate --search --write-best from {}.\n"
      "# GEMMs: {} (K = {}); base {} ({}).\n",
      GEMMSIM_VERSION, OneLine(trace),
      OneLine(fmt::format("{}", fmt::join(g.gemm_names, ", "))), g.k,
      OneLine(g.base.numerics.name), g.base.origin);
  text += fmt::format(
      "# Rank {} of {} candidates: exact_match_fraction {:.6g} ({} of {} "
      "observed elements).\n",
      rank, r.candidates, best.exact_match_fraction(), best.matches,
      best.elements);
  if (rank > 1) {
    text += fmt::format(
        "# The models ranked above it are not expressible as numerics (rank 1: "
        "{}).\n",
        OneLine(g.extra[*r.ranked.front().extra].name));
  }
  if (r.tied_with_best.size() > 1 && rank == 1) {
    text += fmt::format(
        "# {}{} candidates tie with it on this data; this is the simplest.\n",
        r.more_ties_possible ? "At least " : "", r.tied_with_best.size());
  }
  text += fmt::format("# Model: {}.\n", OneLine(Describe(*best.candidate)));
  text += "# Use it as --numerics " + OneLine(path) +
          " (gemm, replay, sweep, validate).\n";
  Numerics numerics = best.numerics;
  numerics.name = std::filesystem::path(path).stem().string();
  return text + NumericsToYaml(numerics);
}

}  // namespace gemmsim::app
