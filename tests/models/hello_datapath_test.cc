#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

#include "models/hello/adder_datapath.h"

using gemmsim::models::hello::add_saturating;

namespace {
constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
}

static_assert(add_saturating(1, 2) == 3);
static_assert(add_saturating(kMax, 1) == kMax);

TEST_CASE("add_saturating: exact sums below the limit") {
  CHECK(add_saturating(0, 0) == 0);
  CHECK(add_saturating(7, 35) == 42);
  CHECK(add_saturating(kMax - 1, 1) == kMax);
  CHECK(add_saturating(0, kMax) == kMax);
  CHECK(add_saturating(0x7FFFFFFFu, 0x80000000u) == kMax);
}

TEST_CASE("add_saturating: clamps instead of wrapping") {
  CHECK(add_saturating(kMax, 1) == kMax);
  CHECK(add_saturating(1, kMax) == kMax);
  CHECK(add_saturating(kMax, kMax) == kMax);
  CHECK(add_saturating(0x80000000u, 0x80000000u) == kMax);
}

TEST_CASE("add_saturating: agrees with 64-bit arithmetic") {
  const uint64_t samples[] = {0,          1,          2,          1000,
                              0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF};
  for (uint64_t a : samples) {
    for (uint64_t b : samples) {
      const uint64_t wide = a + b;
      const uint32_t expected =
          wide > kMax ? kMax : static_cast<uint32_t>(wide);
      CHECK(add_saturating(static_cast<uint32_t>(a),
                           static_cast<uint32_t>(b)) == expected);
    }
  }
}
