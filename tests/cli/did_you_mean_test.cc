// The one "did you mean" of gemmsim (app/did_you_mean.h): its distance
// counts a swap of neighbours as one edit, and it offers only the nearest
// names, or the names a short prefix starts.
#include "app/did_you_mean.h"

#include <doctest/doctest.h>

namespace gemmsim::app {
namespace {

using Names = std::vector<std::string>;

TEST_CASE("edit distance: insertions, deletions, substitutions, swaps") {
  CHECK(EditDistance("", "") == 0);
  CHECK(EditDistance("gemm", "gemm") == 0);
  CHECK(EditDistance("gemmm", "gemm") == 1);
  CHECK(EditDistance("gem", "gemm") == 1);
  CHECK(EditDistance("gemn", "gemm") == 1);
  CHECK(EditDistance("gmem", "gemm") == 1);  // a swap, 2 for Levenshtein
  CHECK(EditDistance("numerix", "numerics") == 2);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("kitten", "sitting") == 3);
}

TEST_CASE("closest names: the nearest only, then prefixes, else none") {
  const Names presets = {"b200-e4m3-fp32", "h100-bf16-fp32", "h100-e4m3-fp32",
                         "h200-e4m3-fp32", "gaudi2-bf16-fp32"};
  CHECK(ClosestNames("h100-e4m3-fp3", presets) == Names{"h100-e4m3-fp32"});
  CHECK(ClosestNames("H100-E4M3-FP32", presets) == Names{"h100-e4m3-fp32"});
  CHECK(ClosestNames("h100", presets) ==
        Names{"h100-bf16-fp32", "h100-e4m3-fp32"});
  CHECK(ClosestNames("h100", presets, 1) == Names{"h100-bf16-fp32"});
  CHECK(ClosestNames("tpu-v5", presets).empty());
  const Names commands = {"formats", "quantize", "dequantize", "gemm",
                          "replay",  "sweep",    "validate"};
  CHECK(ClosestNames("gemmm", commands) == Names{"gemm"});
  CHECK(ClosestNames("swep", commands) == Names{"sweep"});
  CHECK(ClosestNames("frobnicate", commands).empty());
  // One letter is no typo of another one-letter name.
  CHECK(ClosestNames("x", Names{"o", "c"}).empty());
}

TEST_CASE("did you mean: quoted alternatives, or nothing") {
  CHECK(DidYouMean("gemmm", {"gemm", "sweep"}) == "; did you mean 'gemm'?");
  CHECK(DidYouMean("ab", {"abc", "abd", "xyz"}) ==
        "; did you mean 'abc' or 'abd'?");
  CHECK(DidYouMean("zzz", {"gemm"}).empty());
  CHECK(QuotedAlternatives({"a", "b", "c"}) == "'a', 'b' or 'c'");
}

}  // namespace
}  // namespace gemmsim::app
