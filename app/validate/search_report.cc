#include "app/validate/search_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "app/config/numerics_file.h"

namespace gemmsim::app {
namespace {

std::string Model(const SearchGroupReport& g, const RankedCandidate& r) {
  if (r.candidate) return Describe(*r.candidate);
  return g.extra[*r.extra].name +
         " (not expressible as numerics: " + g.extra[*r.extra].description +
         ")";
}

std::string Flags(const SearchGroupReport& g, const RankedCandidate& r) {
  if (!r.candidate) return "";
  return g.base.Flags(ToSetFlags(*r.candidate, g.base.numerics));
}

template <typename T>
void Note(std::vector<std::string>* out, const char* key,
          const std::set<T>& values) {
  if (values.size() > 1)
    out->push_back(fmt::format("{} ({})", key, fmt::join(values, ", ")));
}

}  // namespace

std::string TiedDimensions(const SearchResult& r) {
  std::set<int> blocks;
  std::set<std::string> alignments, roundings, formats, entries, outputs;
  int tied = 0;
  for (const RankedCandidate& t : r.tied_with_best) {
    if (!t.candidate) continue;
    const Candidate& c = *t.candidate;
    ++tied;
    blocks.insert(c.block);
    alignments.insert(
        c.extra_bits ? fmt::format("truncate {:+d}", *c.extra_bits) : "exact");
    roundings.insert(std::string(RoundingName(c.rounding)));
    formats.insert(c.accumulator_format);
    entries.insert(std::string(AccumulatorEntryName(c.entry)));
    if (c.output_rounding)
      outputs.insert(std::string(RoundingName(*c.output_rounding)));
  }
  if (tied < 2) return "";
  std::vector<std::string> dims;
  Note(&dims, "accumulate.block", blocks);
  Note(&dims, "alignment", alignments);
  Note(&dims, "accumulate.rounding", roundings);
  Note(&dims, "accumulate.format", formats);
  Note(&dims, "accumulate.accumulator_entry", entries);
  Note(&dims, "output.rounding", outputs);
  return fmt::format("{}", fmt::join(dims, "; "));
}

std::string SearchText(const SearchGroupReport& g) {
  const SearchResult& r = g.result;
  std::string text = fmt::format(
      "search {}: base {} ({}), K = {}\n"
      "  {} candidates tried on {} sampled elements; the best {} confirmed "
      "on all {} observed elements\n",
      fmt::join(g.gemm_names, ", "), g.base.numerics.name, g.base.origin, g.k,
      r.candidates, r.sample_size, r.confirmed, r.elements);
  text += "  rank  exact_match_fraction  model\n";
  int rank = 0;
  for (const RankedCandidate& c : r.ranked) {
    text += fmt::format("  {:>4}  {:<20.6g}  {}\n", ++rank,
                        c.exact_match_fraction(), Model(g, c));
    const std::string flags = Flags(g, c);
    if (!flags.empty()) text += "        " + flags + "\n";
  }
  if (r.ranked.empty()) return text;
  const RankedCandidate& best = r.ranked.front();
  if (r.tied_with_best.size() > 1) {
    const std::string dims = TiedDimensions(r);
    text += fmt::format(
        "  {}{} candidates tie with the best at exact_match_fraction {:.6g}: "
        "indistinguishable on this data{}; the simplest (fewest alignment "
        "bits, smallest block) is ranked first\n",
        r.more_ties_possible ? "at least " : "", r.tied_with_best.size(),
        best.exact_match_fraction(),
        dims.empty() ? "" : " (they differ in " + dims + ")");
  }
  if (best.candidate && best.candidate->block >= g.k && g.k > 0) {
    text += fmt::format(
        "  every dot product here fits one block (K = {}): blocks >= {} are "
        "indistinguishable on this data\n",
        g.k, g.k);
  }
  return text;
}

nlohmann::json SearchJson(const SearchGroupReport& g) {
  const SearchResult& r = g.result;
  nlohmann::json ranked = nlohmann::json::array();
  for (const RankedCandidate& c : r.ranked) {
    nlohmann::json item = {{"model", Model(g, c)},
                           {"exact_match_fraction", c.exact_match_fraction()},
                           {"exact_matches", c.matches},
                           {"elements", c.elements},
                           {"sample_mismatches", c.sample_mismatches}};
    if (c.candidate) {
      item["set"] = ToSetFlags(*c.candidate, g.base.numerics);
      item["command_flags"] = Flags(g, c);
    }
    ranked.push_back(item);
  }
  nlohmann::json j = {{"gemms", g.gemm_names},
                      {"k", g.k},
                      {"base",
                       {{"origin", g.base.origin},
                        {"numerics", g.base.numerics_arg},
                        {"set", g.base.sets},
                        {"resolved", NumericsToJson(g.base.numerics)}}},
                      {"candidates_tried", r.candidates},
                      {"sample_elements", r.sample_size},
                      {"elements", r.elements},
                      {"ranked", ranked},
                      {"tied_with_best", r.tied_with_best.size()},
                      {"more_ties_possible", r.more_ties_possible},
                      {"tied_dimensions", TiedDimensions(r)}};
  if (!r.ranked.empty() && r.ranked.front().candidate) {
    j["best_numerics"] = NumericsToJson(r.ranked.front().numerics);
    j["best_numerics_yaml"] = NumericsToYaml(r.ranked.front().numerics);
  }
  return j;
}

}  // namespace gemmsim::app
