// Encode against the slow reference (reference/rounding_reference.h) at every
// point where rounding decides something: each representable value, each
// midpoint between neighbours, one double step either side of the midpoint,
// the quarter points, and the overflow and underflow edges; both signs,
// every deterministic mode, both overflow policies.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "datapaths/formats/codec.h"
#include "datapaths/reference/rounding_reference.h"
#include "tests/formats/format_lists.h"

namespace gemmsim {
namespace {

constexpr Rounding kDeterministicModes[] = {
    Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero,
    Rounding::kUp,          Rounding::kDown,        Rounding::kToOdd};

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// The decisive inputs between neighbours grid[i] and grid[i + 1].
std::vector<double> DecisivePoints(const std::vector<double>& grid) {
  std::vector<double> points;
  for (size_t i = 0; i + 1 < grid.size(); ++i) {
    const double lo = grid[i], hi = grid[i + 1];
    const double mid = lo + (hi - lo) / 2;  // exact: few significant bits
    for (double p : {lo, mid, std::nextafter(mid, 0.0), std::nextafter(mid, hi),
                     lo + (hi - lo) / 4, hi - (hi - lo) / 4,
                     std::nextafter(lo, hi), std::nextafter(hi, lo)})
      points.push_back(p);
  }
  const double top = grid.back();  // the virtual value past max
  for (double p :
       {top, top * 1.5, top * 2, 0x1p1000, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::denorm_min(), grid[1] / 2, grid[1] / 4,
        std::nextafter(grid[1] / 2, 1.0)})
    points.push_back(p);
  return points;
}

// Returns how many comparisons ran; counts mismatches into *mismatches.
int64_t CompareWithReference(const Format& f, size_t stride,
                             int64_t* mismatches) {
  const reference::RoundingReference ref(f);
  std::vector<double> grid;
  for (size_t i = 0; i < ref.grid().size(); i += stride)
    grid.push_back(ref.grid()[i]);
  grid.push_back(ref.grid().back());
  int64_t checked = 0;
  for (double point : DecisivePoints(grid)) {
    for (double x : {point, -point}) {
      for (Rounding mode : kDeterministicModes) {
        for (Overflow overflow :
             {Overflow::kIeee, Overflow::kSaturate, Overflow::kInfinity}) {
          EncodeOptions o;
          o.rounding.mode = mode;
          o.overflow = overflow;
          const double got = RoundTo(f, x, o);
          const double want = ref.Round(x, o);
          if (!SameDouble(got, want) && (*mismatches)++ < 5) {
            MESSAGE(f.name() << " " << RoundingName(mode) << " "
                             << OverflowName(overflow) << " x=" << x << ": got "
                             << got << " want " << want);
          }
          ++checked;
        }
      }
    }
  }
  return checked;
}

TEST_CASE(
    "every small format rounds as the reference at every decisive point") {
  int64_t checked = 0, mismatches = 0;
  for (const auto& name : testing::SmallFormatsWithZero())
    checked += CompareWithReference(FormatByName(name), 1, &mismatches);
  CHECK(mismatches == 0);
  CHECK(checked == 438768 * 3 / 2);
}

TEST_CASE("bf16, fp16 and tf32 round as the reference (every 17th pair)") {
  int64_t checked = 0, mismatches = 0;
  for (const char* name : {"bf16", "fp16", "tf32", "e5m7", "e6m9_b20_fn"})
    checked += CompareWithReference(FormatByName(name), 17, &mismatches);
  CHECK(mismatches == 0);
  CHECK(checked == 4092984 * 3 / 2);
}

TEST_CASE("fp32 rne equals the hardware's double -> float conversion") {
  std::mt19937_64 rng(20261123);
  const Format fp32 = FormatByName("fp32");
  int64_t checked = 0, mismatches = 0;
  for (int i = 0; i < 1000000; ++i) {
    // Random bit patterns cover every exponent, subnormals and specials.
    const double x = std::bit_cast<double>(rng());
    const uint64_t want = std::bit_cast<uint32_t>(static_cast<float>(x));
    if (std::isnan(x)) continue;  // NaN payloads differ by design
    if (Encode(fp32, x, EncodeOptions{}) != want) ++mismatches;
    ++checked;
  }
  CHECK(mismatches == 0);
  CHECK(checked > 990000);
}

}  // namespace
}  // namespace gemmsim
