// The estimators under --sample: Wilson intervals against published values,
// the stratified ratio on populations small enough to enumerate, and the
// index draw (distinct, sorted, uniform, reproducible).
#include "app/replay/stratified_ratio.h"

#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "app/replay/element_errors.h"

namespace gemmsim::app {
namespace {

TEST_CASE("Wilson intervals match the textbook values") {
  // Newcombe (1998), Statistics in Medicine 17:857, Table I: 81/263.
  const Bounds a = WilsonInterval(81.0 / 263, 263);
  CHECK(a.low == doctest::Approx(0.2553).epsilon(1e-3));
  CHECK(a.high == doctest::Approx(0.3662).epsilon(1e-3));
  // 0 of 10: [0, 0.2775]; 10 of 10: [0.7225, 1].
  const Bounds none = WilsonInterval(0, 10), all = WilsonInterval(1, 10);
  CHECK(none.low == 0);
  CHECK(none.high == doctest::Approx(0.2775).epsilon(1e-3));
  CHECK(all.low == doctest::Approx(0.7225).epsilon(1e-3));
  CHECK(all.high == 1);
  const Bounds exact = WilsonInterval(0.3, INFINITY);
  CHECK(exact.low == 0.3);
  CHECK(exact.high == 0.3);
}

TEST_CASE("a stratified ratio of complete strata is exact") {
  Stratum s1{3}, s2{2};
  s1.Add(1, 2), s1.Add(2, 2), s1.Add(3, 2);
  s2.Add(10, 1), s2.Add(0, 1);
  StratifiedRatio r;
  r.AddStratum(s1);
  r.AddStratum(s2);
  CHECK(r.exact());
  CHECK(static_cast<double>(r.Ratio()) == doctest::Approx(16.0 / 8));
  CHECK(r.Variance() == 0);
}

TEST_CASE("a sampled stratum expands to its population") {
  // Half of a stratum of 4 and all of one of 2: totals y = 2*(1+3) + 5,
  // x = 2*(1+1) + 2.
  Stratum half{4}, whole{2};
  half.Add(1, 1), half.Add(3, 1);
  whole.Add(2, 1), whole.Add(3, 1);
  StratifiedRatio r;
  r.AddStratum(half);
  r.AddStratum(whole);
  CHECK_FALSE(r.exact());
  CHECK(static_cast<double>(r.Ratio()) == doctest::Approx(13.0 / 6));
  // Var of the mean of 2 of 4 (s^2 = 2, fpc 1/2) times (4/6)^2.
  CHECK(static_cast<double>(r.Variance()) ==
        doctest::Approx(16.0 * 0.5 * 2 / 2 / 36));
}

TEST_CASE("DrawIndices: distinct, ascending, uniform, reproducible") {
  const std::vector<int64_t> all = DrawIndices(7, 9, 1);
  REQUIRE(all.size() == 7);
  for (int64_t i = 0; i < 7; ++i) CHECK(all[i] == i);
  CHECK(DrawIndices(1000, 50, 3) == DrawIndices(1000, 50, 3));
  CHECK(DrawIndices(1000, 50, 3) != DrawIndices(1000, 50, 4));
  std::vector<int> hits(10);
  int draws = 0;
  for (uint64_t seed = 0; seed < 4000; ++seed) {
    const std::vector<int64_t> s = DrawIndices(10, 3, seed);
    REQUIRE(s.size() == 3);
    CHECK(std::set<int64_t>(s.begin(), s.end()).size() == 3);
    CHECK(std::is_sorted(s.begin(), s.end()));
    for (int64_t i : s) ++hits[i], ++draws;
  }
  CHECK(draws == 12000);
  // Each index in 3/10 of the draws: 1200 +- 5 sigma (sigma ~ 29).
  for (int h : hits) CHECK(std::abs(h - 1200) < 145);
}

}  // namespace
}  // namespace gemmsim::app
