#include "app/validate/model_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

#include "app/validate/bit_match.h"

namespace gemmsim::app {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max() / 2;

// The sample: elements spread evenly over all observed elements of all
// GEMMs, in order.
std::vector<DotElement> SampleElements(const std::vector<SearchGemm>& gemms,
                                       int64_t total, int64_t count) {
  const std::vector<int64_t> picks = EvenlySpacedIndices(total, count);
  std::vector<DotElement> out;
  size_t next = 0;
  int64_t offset = 0;
  for (size_t gi = 0; gi < gemms.size(); ++gi) {
    const int64_t size = static_cast<int64_t>(gemms[gi].observed->size());
    std::vector<int64_t> local;
    while (next < picks.size() && picks[next] < offset + size)
      local.push_back(picks[next++] - offset);
    std::vector<DotElement> part = ExtractElements(
        *gemms[gi].gemm, *gemms[gi].observed, static_cast<int>(gi), local);
    std::move(part.begin(), part.end(), std::back_inserter(out));
    offset += size;
  }
  return out;
}

// The keep-th smallest mismatch count among the candidates finished so far:
// a candidate with more mismatches cannot be among the best `keep`.
class Cutoff {
 public:
  explicit Cutoff(size_t keep) : keep_(keep) {}
  int64_t value() const { return value_.load(); }
  void Record(int64_t mismatches) {
    std::lock_guard<std::mutex> lock(mutex_);
    best_.insert(std::upper_bound(best_.begin(), best_.end(), mismatches),
                 mismatches);
    if (best_.size() > keep_) best_.pop_back();
    if (best_.size() == keep_) value_.store(best_.back());
  }

 private:
  size_t keep_;
  std::mutex mutex_;
  std::vector<int64_t> best_;
  std::atomic<int64_t> value_{kNoLimit};
};

struct SampleScore {
  size_t index;  // into the candidate list (extras after the candidates)
  int64_t mismatches;
};

// The best `keep` of `which` on `elements`, fewest mismatches first (ties:
// candidate order). A candidate is dropped as soon as it has more
// mismatches than the keep-th best finished so far, which is never fewer
// than the final keep-th best: the result does not depend on threads.
std::vector<SampleScore> RankOnSample(
    const std::vector<size_t>& which, const std::vector<DotElement>& elements,
    size_t keep, const std::function<ElementModel(size_t)>& model_of,
    int threads, const std::function<void(size_t)>& progress) {
  Cutoff cutoff(keep);
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::vector<SampleScore> scores;
  Clock::time_point last_report = Clock::now();
  auto worker = [&] {
    for (size_t w = next++; w < which.size(); w = next++) {
      const int64_t limit = cutoff.value();
      const int64_t wrong =
          CountMismatches(elements, model_of(which[w]), limit);
      if (wrong > limit) continue;
      cutoff.Record(wrong);
      std::lock_guard<std::mutex> lock(mutex);
      scores.push_back({which[w], wrong});
      if (progress &&
          std::chrono::duration<double>(Clock::now() - last_report).count() >
              2) {
        last_report = Clock::now();
        progress(std::min(next.load(), which.size()));
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  std::sort(scores.begin(), scores.end(),
            [](const SampleScore& a, const SampleScore& b) {
              return a.mismatches != b.mismatches ? a.mismatches < b.mismatches
                                                  : a.index < b.index;
            });
  if (scores.size() > keep) scores.resize(keep);
  return scores;
}

}  // namespace

SearchResult SearchModels(const Numerics& base,
                          const std::vector<SearchGemm>& gemms,
                          const std::vector<ExtraModel>& extra,
                          const SearchOptions& options) {
  SearchResult result;
  int64_t k = 1;
  for (const SearchGemm& g : gemms) {
    k = std::max(k, g.gemm->shapes.k);
    result.elements += static_cast<int64_t>(g.observed->size());
  }
  result.space = DefaultSearchSpace(k, base);
  const std::vector<Candidate> candidates =
      EnumerateCandidates(result.space, base);
  const std::vector<DotElement> sample =
      SampleElements(gemms, result.elements, options.sample);
  result.sample_size = static_cast<int64_t>(sample.size());
  const size_t total = candidates.size() + extra.size();
  result.candidates = static_cast<int64_t>(total);

  const int threads = std::max(1, options.threads);
  const std::function<ElementModel(size_t)> model_of =
      [&](size_t index) -> ElementModel {
    if (index >= candidates.size())
      return extra[index - candidates.size()].model;
    const Numerics n = ApplyCandidate(base, candidates[index]);
    return [n](const DotElement& e) { return ElementResult(e, n); };
  };

  // Stage 1: every candidate on a small part of the sample; stage 2: the
  // best of those on the whole sample. A candidate that explains every
  // element survives both, whatever the sample.
  const size_t keep = static_cast<size_t>(std::max(3 * options.top, 30));
  std::vector<DotElement> first_sample;
  for (int64_t i : EvenlySpacedIndices(result.sample_size, 64))
    first_sample.push_back(sample[static_cast<size_t>(i)]);
  std::vector<size_t> all(total);
  for (size_t i = 0; i < total; ++i) all[i] = i;
  const Clock::time_point start = Clock::now();
  std::vector<SampleScore> first = RankOnSample(
      all, first_sample, 10 * keep, model_of, threads, [&](size_t done) {
        if (options.progress)
          options.progress(fmt::format(
              "search: {} of {} candidates tried on {} elements ({:.0f} s)",
              done, total, first_sample.size(),
              std::chrono::duration<double>(Clock::now() - start).count()));
      });
  std::vector<size_t> survivors;
  for (const SampleScore& s : first) survivors.push_back(s.index);
  if (options.progress)
    options.progress(fmt::format("search: the best {} on {} elements",
                                 survivors.size(), sample.size()));
  std::vector<SampleScore> scores =
      RankOnSample(survivors, sample, keep, model_of, threads, {});
  result.more_ties_possible =
      scores.size() == keep &&
      scores.back().mismatches == scores.front().mismatches;
  // Extra models are always confirmed: they are the hypotheses under test.
  for (size_t e = 0; e < extra.size(); ++e) {
    const size_t index = candidates.size() + e;
    if (std::none_of(scores.begin(), scores.end(),
                     [&](const SampleScore& s) { return s.index == index; }))
      scores.push_back(
          {index, CountMismatches(sample, model_of(index), kNoLimit)});
  }

  // Stage 3: the best on every observed element.
  if (options.progress)
    options.progress(fmt::format(
        "search: confirming the best {} on all {} observed elements",
        scores.size(), result.elements));
  std::vector<std::pair<size_t, RankedCandidate>> confirmed;
  for (const SampleScore& s : scores) {
    RankedCandidate r;
    r.sample_mismatches = s.mismatches;
    r.elements = result.elements;
    if (s.index < candidates.size()) {
      r.candidate = candidates[s.index];
      r.numerics = ApplyCandidate(base, candidates[s.index]);
      for (const SearchGemm& g : gemms) {
        const std::vector<double> d = EmulateGemm(*g.gemm, r.numerics, threads);
        for (size_t i = 0; i < d.size(); ++i)
          r.matches += SameOutputBits(d[i], (*g.observed)[i]);
      }
    } else {
      const size_t e = s.index - candidates.size();
      r.extra = static_cast<int>(e);
      r.numerics = base;
      for (size_t gi = 0; gi < gemms.size(); ++gi) {
        const int64_t size = static_cast<int64_t>(gemms[gi].observed->size());
        const std::vector<DotElement> all = ExtractElements(
            *gemms[gi].gemm, *gemms[gi].observed, static_cast<int>(gi),
            EvenlySpacedIndices(size, size));
        r.matches += size - CountMismatches(all, extra[e].model, kNoLimit);
      }
    }
    confirmed.emplace_back(s.index, std::move(r));
  }
  result.confirmed = static_cast<int64_t>(confirmed.size());
  std::stable_sort(confirmed.begin(), confirmed.end(),
                   [](const auto& a, const auto& b) {
                     return a.second.matches != b.second.matches
                                ? a.second.matches > b.second.matches
                                : a.first < b.first;
                   });
  for (const auto& [index, r] : confirmed) {
    if (r.matches == confirmed.front().second.matches)
      result.tied_with_best.push_back(r);
    if (static_cast<int>(result.ranked.size()) < options.top)
      result.ranked.push_back(r);
  }
  return result;
}

}  // namespace gemmsim::app
