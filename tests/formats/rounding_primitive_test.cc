// The rounding primitive (rounding.h) on a table worked out by hand from
// each mode's definition, and SplitAt at every shift boundary.
#include <doctest/doctest.h>

#include "datapaths/formats/rounding.h"

namespace gemmsim {
namespace {

constexpr uint64_t kHalf = uint64_t{1} << 63;
constexpr uint64_t kQuarter = uint64_t{1} << 62;

TEST_CASE("SplitAt keeps the high bits and the discarded fraction") {
  CHECK(SplitAt(0b1011, 0).kept == 0b1011);
  CHECK(SplitAt(0b1011, 2).kept == 0b10);
  CHECK(SplitAt(0b1011, 2).discarded.top == (uint64_t{0b11} << 62));
  CHECK_FALSE(SplitAt(0b1011, 2).discarded.sticky);
  CHECK(SplitAt(0b1011, 64).kept == 0);
  CHECK(SplitAt(0b1011, 64).discarded.top == 0b1011);
  CHECK(SplitAt(0b1011, 66).discarded.top == 0b10);
  CHECK(SplitAt(0b1011, 66).discarded.sticky);
  CHECK(SplitAt(~uint64_t{0}, 127).discarded.top == 1);
  CHECK(SplitAt(1, 200).discarded.sticky);
  CHECK(SplitAt(1, 200).discarded.top == 0);
}

struct Row {
  uint64_t kept;
  Discarded d;
  bool negative;
  uint64_t rne, rna, rtz, rup, rdown, rto;
};

TEST_CASE("every deterministic mode on the decisive fractions") {
  const Row rows[] = {
      // exact: nothing moves
      {2, {0, false}, false, 2, 2, 2, 2, 2, 2},
      // below half
      {2, {kQuarter, false}, false, 2, 2, 2, 3, 2, 3},
      {2, {kQuarter, false}, true, 2, 2, 2, 2, 3, 3},
      // a tie: rne to even, rna away
      {2, {kHalf, false}, false, 2, 3, 2, 3, 2, 3},
      {3, {kHalf, false}, false, 4, 4, 3, 4, 3, 3},
      {3, {kHalf, false}, true, 4, 4, 3, 3, 4, 3},
      // just above a tie (sticky): nearest goes up
      {2, {kHalf, true}, false, 3, 3, 2, 3, 2, 3},
      // only sticky bits: tiny but inexact
      {0, {0, true}, false, 0, 0, 0, 1, 0, 1},
      {0, {0, true}, true, 0, 0, 0, 0, 1, 1},
      // above half
      {5, {kHalf + kQuarter, false}, false, 6, 6, 5, 6, 5, 5},
  };
  int checked = 0;
  for (const Row& r : rows) {
    auto round = [&](Rounding m) {
      return RoundMagnitude(r.kept, r.d, r.negative, RoundingSpec{m, 32}, 0);
    };
    CHECK(round(Rounding::kNearestEven) == r.rne);
    CHECK(round(Rounding::kNearestAway) == r.rna);
    CHECK(round(Rounding::kTowardZero) == r.rtz);
    CHECK(round(Rounding::kUp) == r.rup);
    CHECK(round(Rounding::kDown) == r.rdown);
    CHECK(round(Rounding::kToOdd) == r.rto);
    ++checked;
  }
  CHECK(checked == 10);
}

TEST_CASE("stochastic rounding goes up iff fraction + random carries") {
  const RoundingSpec sr{Rounding::kStochastic, 32};
  // fraction 1/4: random values >= 3/4 * 2^32 carry.
  CHECK(RoundMagnitude(7, {kQuarter, false}, false, sr, 0xbfffffffu) == 7);
  CHECK(RoundMagnitude(7, {kQuarter, false}, false, sr, 0xc0000000u) == 8);
  // With 4 bits only the top 4 bits of the fraction and of random count.
  const RoundingSpec sr4{Rounding::kStochastic, 4};
  CHECK(RoundMagnitude(7, {kQuarter, false}, false, sr4, 0xb) == 7);
  CHECK(RoundMagnitude(7, {kQuarter, false}, false, sr4, 0xc) == 8);
  CHECK(RoundMagnitude(7, {kQuarter, false}, false, sr4, 0xfffffff0u) == 7);
  // A fraction below 2^-4 never rounds up with 4 bits.
  CHECK(RoundMagnitude(7, {uint64_t{1} << 59, false}, false, sr4, 0xf) == 7);
}

TEST_CASE("mode names parse and print") {
  int checked = 0;
  for (const char* name :
       {"rne", "rna", "rtz", "rup", "rdown", "rto", "stochastic"}) {
    const auto mode = ParseRounding(name);
    REQUIRE(mode.has_value());
    CHECK(RoundingName(*mode) == name);
    ++checked;
  }
  CHECK(checked == 7);
  CHECK_FALSE(ParseRounding("RNE").has_value());
  CHECK_FALSE(ParseRounding("nearest").has_value());
  CHECK(ParseOverflow("saturate") == Overflow::kSaturate);
  CHECK_FALSE(ParseOverflow("wrap").has_value());
}

}  // namespace
}  // namespace gemmsim
