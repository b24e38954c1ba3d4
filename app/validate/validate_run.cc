#include "app/validate/validate_run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "app/commands/options.h"
#include "app/commands/output_paths.h"
#include "app/config/numerics_file.h"
#include "app/report_json.h"
#include "app/trace/evaluate.h"
#include "app/trace/trace.h"
#include "app/trace/trace_operands.h"
#include "app/validate/base_numerics.h"
#include "app/validate/best_numerics_file.h"
#include "app/validate/fp8_fp16_split_model.h"
#include "app/validate/model_search.h"
#include "app/validate/search_report.h"
#include "app/validate/validate_gemm.h"
#include "app/validate/validate_report.h"
#include "datapaths/error.h"
#include "io/atomic_file.h"

namespace gemmsim::app {
namespace {

// A GEMM with observed outputs, ready to compare.
struct LoadedGemm {
  const TraceGemm* gemm = nullptr;
  BaseNumerics base;
  PreparedGemm prepared;
  std::vector<double> observed;
};

LoadedGemm LoadGemm(const Trace& trace, int64_t index,
                    const ValidateOptions& a) {
  const TraceGemm& gemm = trace.gemms[index];
  if (!gemm.a || !gemm.b) {
    throw InputError(trace.path, gemm.place,
                     "GEMM " + gemm.name +
                         " has observed outputs but not both operands a and "
                         "b: expected a and b to compare against");
  }
  LoadedGemm g;
  g.gemm = &gemm;
  // Without --search a missing numerics is an error before any file is read.
  if (!a.search)
    g.base = ResolveBaseNumerics(a.numerics, a.sets, gemm, nullptr, false);
  const TraceOperands ops =
      LoadTraceOperands(gemm, index, SyntheticKind::kNormal, 0);
  if (a.search)
    g.base = ResolveBaseNumerics(a.numerics, a.sets, gemm, &ops, true);
  g.prepared = PrepareGemm(ops, g.base.numerics);
  g.observed = ObservedValues(ops);
  return g;
}

void Progress(const std::string& line) {
  std::fprintf(stderr, "gemmsim validate: %s\n", line.c_str());
}

// Returns the number of mismatching elements.
int64_t RunCompare(const std::vector<LoadedGemm>& gemms,
                   const ValidateOptions& a, int threads, const TextSink& emit,
                   nlohmann::json* report) {
  int64_t elements = 0, matches = 0;
  nlohmann::json list = nlohmann::json::array();
  for (const LoadedGemm& g : gemms) {
    const GemmValidation v =
        ValidateGemm(g.prepared, g.observed, g.base.numerics, a.show, threads);
    const Format& out = g.base.numerics.output.format;
    emit(ValidationText(g.gemm->name, g.base.numerics.name, v, out));
    elements += v.elements;
    matches += v.matches;
    nlohmann::json j = ValidationJson(v, out);
    j["name"] = g.gemm->name;
    j["numerics_origin"] = g.base.origin;
    j["numerics"] = NumericsToJson(g.base.numerics);
    list.push_back(j);
  }
  const double fraction =
      elements ? static_cast<double>(matches) / elements : 1.0;
  emit(fmt::format(
      "total: exact_match_fraction {:.6g}, {} mismatches of {} in {} "
      "GEMMs\n",
      fraction, elements - matches, elements, gemms.size()));
  (*report)["gemms"] = list;
  (*report)["total"] = {{"gemms", gemms.size()},
                        {"elements", elements},
                        {"exact_matches", matches},
                        {"mismatch_count", elements - matches},
                        {"exact_match_fraction", fraction}};
  return elements - matches;
}

// --write-best: the group's best model expressible as numerics into its
// file, committed with the report at the end; what the report says of it.
nlohmann::json StageBestFile(
    const SearchGroupReport& r, const ValidateOptions& a, int groups,
    const TextSink& emit,
    std::vector<std::unique_ptr<io::AtomicOutputFile>>* best) {
  const std::string path =
      BestNumericsPath(a.write_best, groups, r.gemm_names.front());
  int rank = 0;
  const RankedCandidate* pick = BestExpressible(r.result, &rank);
  if (!pick) {
    fmt::print(stderr,
               "gemmsim validate: --write-best: no candidate for {} is "
               "expressible as numerics; {} not written\n",
               fmt::join(r.gemm_names, ", "), path);
    return nullptr;
  }
  best->push_back(std::make_unique<io::AtomicOutputFile>(path));
  best->back()->write(BestNumericsText(r, *pick, rank, a.trace, path));
  emit(fmt::format("  best expressible as numerics: rank {}, written to {}\n",
                   rank, path));
  return {{"file", path},
          {"rank", rank},
          {"exact_match_fraction", pick->exact_match_fraction()}};
}

// Returns how many groups no candidate explains completely. With
// --write-best, *best gets each group's file, to be committed at the end.
int RunSearch(const std::vector<LoadedGemm>& gemms, const ValidateOptions& a,
              int threads, const TextSink& emit, nlohmann::json* report,
              std::vector<std::unique_ptr<io::AtomicOutputFile>>* best) {
  // GEMMs under the same base are searched together, in trace order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const LoadedGemm*>> groups;
  for (const LoadedGemm& g : gemms) {
    const std::string key = g.base.Flags();
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&g);
  }
  int unexplained = 0;
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& key : order) {
    SearchGroupReport r;
    r.base = groups[key].front()->base;
    std::vector<SearchGemm> searched;
    for (const LoadedGemm* g : groups[key]) {
      r.gemm_names.push_back(g->gemm->name);
      r.k = std::max(r.k, g->prepared.shapes.k);
      searched.push_back({&g->prepared, &g->observed});
    }
    if (Fp8Fp16SplitModelApplies(r.base.numerics))
      r.extra.push_back(Fp8Fp16SplitModel());
    SearchOptions options;
    options.sample = a.sample;
    options.top = a.top;
    options.threads = threads;
    options.progress = Progress;
    Progress(fmt::format("searching {} under {}", fmt::join(r.gemm_names, ", "),
                         r.base.Flags()));
    r.result = SearchModels(r.base.numerics, searched, r.extra, options);
    emit(SearchText(r));
    if (r.result.ranked.empty() ||
        r.result.ranked.front().exact_match_fraction() < 1.0)
      ++unexplained;
    nlohmann::json item = SearchJson(r);
    if (!a.write_best.empty()) {
      item["best_numerics_file"] =
          StageBestFile(r, a, static_cast<int>(order.size()), emit, best);
    }
    list.push_back(item);
  }
  (*report)["searches"] = list;
  return unexplained;
}

}  // namespace

ValidateOutcome RunValidation(const ValidateOptions& a, const TextSink& emit) {
  if (a.show < 0) throw ConfigError("--show: expected a count >= 0");
  if (a.top < 1) throw ConfigError("--top: expected a count >= 1");
  if (a.sample < 1) throw ConfigError("--search-sample: expected >= 1");
  if (!a.write_best.empty() && !a.search) {
    throw ConfigError(
        "--write-best needs --search: it writes the search's best model");
  }
  const int threads = ResolveThreadsOption(a.threads);
  CheckOutputPaths({{"--write-best", a.write_best}});
  const Trace trace = ReadTrace(a.trace);

  std::vector<LoadedGemm> gemms;
  std::vector<std::string> skipped;
  for (size_t i = 0; i < trace.gemms.size(); ++i) {
    if (!trace.gemms[i].observed) {
      skipped.push_back(trace.gemms[i].name);
      continue;
    }
    gemms.push_back(LoadGemm(trace, static_cast<int64_t>(i), a));
  }
  // Issue 11, finding 4: "0 mismatches of 0" is no validation.
  if (gemms.empty()) {
    throw InputError(
        a.trace, "gemms",
        fmt::format("none of its {} GEMMs has observed outputs, so nothing "
                    "can be validated; expected at least one GEMM with "
                    "`observed: FILE.npy` (the outputs the hardware gave)",
                    trace.gemms.size()));
  }
  if (!skipped.empty()) {
    emit(fmt::format("skipped {} GEMMs without observed outputs: {}\n",
                     skipped.size(), fmt::join(skipped, ", ")));
  }
  if (!a.write_best.empty() && gemms.empty()) {
    fmt::print(stderr,
               "gemmsim validate: --write-best: no GEMM has observed outputs "
               "to search; {} not written\n",
               a.write_best);
  }

  ValidateOutcome outcome;
  nlohmann::json& report = outcome.report;
  report = JsonHeader();
  report["command"] = a.search ? "validate --search" : "validate";
  report["trace"] = a.trace;
  report["skipped"] = skipped;
  if (!a.numerics.empty())
    report["numerics"] = NumericsToJson(LoadNumerics(a.numerics, a.sets));
  std::string& failure = outcome.failure;
  if (a.search) {
    const int unexplained =
        RunSearch(gemms, a, threads, emit, &report, &outcome.best_files);
    if (unexplained)
      failure = fmt::format(
          "no candidate explains every observed output in "
          "{} of the searched groups",
          unexplained);
  } else {
    const int64_t mismatches = RunCompare(gemms, a, threads, emit, &report);
    if (mismatches)
      failure =
          fmt::format("{} observed outputs differ from the model", mismatches);
  }
  return outcome;
}

}  // namespace gemmsim::app
