// Every candidate's --set flags, applied to its base by LoadNumerics, give
// exactly the numerics the search evaluated; and ties go to the simpler.
#include "app/validate/search_space.h"

#include <doctest/doctest.h>

#include "app/config/numerics_file.h"

namespace gemmsim {
namespace {

TEST_CASE("--set flags of candidates reproduce them") {
  const std::vector<std::string> base_sets = {
      "inputs.a=e4m3fn", "inputs.b=e4m3fn", "output.format=fp16"};
  const Numerics base = app::LoadNumerics("exact", base_sets);
  const app::SearchSpace space = app::DefaultSearchSpace(32, base);
  const std::vector<app::Candidate> all = app::EnumerateCandidates(space, base);
  CHECK(all.size() > 5000);
  int checked = 0;
  // Every 37th candidate: all dimensions are visited, LoadNumerics is slow.
  for (size_t i = 0; i < all.size(); i += 37) {
    CAPTURE(app::Describe(all[i]));
    std::vector<std::string> sets = base_sets;
    for (const std::string& s : app::ToSetFlags(all[i], base))
      sets.push_back(s);
    Numerics loaded = app::LoadNumerics("exact", sets);
    Numerics applied = app::ApplyCandidate(base, all[i]);
    loaded.name = applied.name = "";
    CHECK(app::NumericsToYaml(loaded) == app::NumericsToYaml(applied));
    ++checked;
  }
  CHECK(checked == static_cast<int>((all.size() + 36) / 37));
}

TEST_CASE("simpler: fewer alignment bits, then smaller blocks; exact last") {
  const Numerics base = app::LoadNumerics("exact");
  const app::SearchSpace space = app::DefaultSearchSpace(64, base);
  app::Candidate a, b;
  a.block = 32;
  a.extra_bits = -10;
  b.block = 16;
  b.extra_bits = 2;
  CHECK(app::Simpler(a, b, space));
  b.extra_bits = -10;
  CHECK(app::Simpler(b, a, space));
  a.extra_bits = std::nullopt;  // exact alignment keeps every bit
  a.block = 1;
  CHECK(app::Simpler(b, a, space));
  CHECK(space.blocks == std::vector<int>{1, 2, 4, 8, 16, 32, 64});
  CHECK(app::DefaultSearchSpace(12, base).blocks ==
        std::vector<int>{1, 2, 4, 8, 12});
}

}  // namespace
}  // namespace gemmsim
