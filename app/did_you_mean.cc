#include "app/did_you_mean.h"

#include <algorithm>
#include <cctype>

namespace gemmsim::app {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A third of the word: one typo in a short name, two or three in a long
// preset name (`h100-e4m3-fp3`), never so many that any name would do.
size_t Threshold(const std::string& word) {
  return std::clamp<size_t>(word.size() / 3, 1, 3);
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme: the transposition looks two back.
  const size_t n = b.size();
  std::vector<size_t> before(n + 1), previous(n + 1), row(n + 1);
  for (size_t j = 0; j <= n; ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= n; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] =
          std::min({previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, row);
  }
  return previous[n];
}

std::vector<std::string> ClosestNames(
    const std::string& word, const std::vector<std::string>& candidates,
    size_t max) {
  const std::string lower = Lower(word);
  const size_t threshold = Threshold(lower);
  struct Scored {
    size_t distance, index;
  };
  std::vector<Scored> close;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string name = Lower(candidates[i]);
    size_t d = EditDistance(lower, name);
    const bool prefix = lower.size() >= 3 && name.starts_with(lower);
    // Replacing every character of a short word is no near miss.
    if ((d > threshold || d >= lower.size()) && !prefix) continue;
    if (d > threshold) d = threshold + 1;  // a prefix ranks after near misses
    close.push_back({d, i});
  }
  std::stable_sort(
      close.begin(), close.end(),
      [](const Scored& x, const Scored& y) { return x.distance < y.distance; });
  // Only the nearest: h100-e4m3-fp3 means h100-e4m3-fp32, not h200's.
  std::vector<std::string> names;
  for (size_t i = 0; i < close.size() && i < max; ++i) {
    if (close[i].distance > close[0].distance) break;
    names.push_back(candidates[close[i].index]);
  }
  return names;
}

std::string QuotedAlternatives(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += "'" + names[i] + "'";
  }
  return text;
}

std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates, size_t max) {
  const std::vector<std::string> names = ClosestNames(word, candidates, max);
  if (names.empty()) return "";
  return "; did you mean " + QuotedAlternatives(names) + "?";
}

}  // namespace gemmsim::app
