// validate --search rediscovers the H100 tensor-core parameters from the raw
// captures (issue 5), starting from inferred input and output formats only.
#include "app/validate/model_search.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "app/config/numerics_file.h"
#include "app/trace/evaluate.h"
#include "app/validate/base_numerics.h"
#include "app/validate/fp8_fp16_split_model.h"
#include "tests/validate/capture_gemm.h"

namespace gemmsim {
namespace {

struct Expected {
  const char* folder;
  const char* input_format;  // what the inference must find
  int block;
  int extra_bits;
};

app::SearchResult SearchCaptures(const app::TraceOperands& ops,
                                 app::BaseNumerics* base_out) {
  app::TraceGemm gemm;
  gemm.name = "capture";
  const app::BaseNumerics base =
      app::ResolveBaseNumerics("", {}, gemm, &ops, /*infer=*/true);
  const app::PreparedGemm g = app::PrepareGemm(ops, base.numerics);
  const std::vector<double> observed = app::ObservedValues(ops);
  app::SearchOptions options;
  options.sample = 256;
  options.threads = 2;
  *base_out = base;
  return app::SearchModels(base.numerics, {{&g, &observed}}, {}, options);
}

TEST_CASE("search rediscovers the H100 parameters from the captures") {
  const Expected kCases[] = {
      {"fp16", "fp16", 16, 2},
      // Every value of the bf16 captures is also an fp16 value, so the
      // narrowest-format rule infers fp16 (same products, same result).
      {"bf16", "fp16", 16, 2},
      {"E4M3", "e4m3fn", 32, -10},
      {"E5M2", "e5m2", 32, -10},
  };
  int checked = 0;
  for (const Expected& e : kCases) {
    CAPTURE(std::string(e.folder));
    const app::TraceOperands ops = testing::CaptureOperands(e.folder, "fp32");
    app::BaseNumerics base;
    const app::SearchResult r = SearchCaptures(ops, &base);
    CHECK(base.numerics.a.format.name() == e.input_format);
    CHECK(base.numerics.output.format.name() == "fp32");
    REQUIRE(!r.ranked.empty());
    const app::RankedCandidate& best = r.ranked.front();
    REQUIRE(best.candidate);
    CHECK(best.elements == 5000);
    CHECK(best.exact_match_fraction() == 1.0);
    CHECK(best.candidate->block == e.block);
    CHECK(best.candidate->extra_bits == e.extra_bits);
    CHECK(best.candidate->rounding == Rounding::kTowardZero);
    CHECK(best.candidate->accumulator_format == "fp32");
    ++checked;
  }
  CHECK(checked == 4);
}

TEST_CASE("search on the tf32 captures (K = 4): block 4 and larger tie") {
  const app::TraceOperands ops = testing::CaptureOperands("tf32", "fp32");
  app::BaseNumerics base;
  const app::SearchResult r = SearchCaptures(ops, &base);
  REQUIRE(!r.ranked.empty());
  const app::RankedCandidate& best = r.ranked.front();
  REQUIRE(best.candidate);
  CHECK(best.exact_match_fraction() == 1.0);
  // Blocks only go up to K: the report says larger ones tie (search_report).
  CHECK(r.space.blocks.back() == 4);
  CHECK(best.candidate->block == 4);
  CHECK(best.candidate->extra_bits == 2);
  CHECK(best.candidate->rounding == Rounding::kTowardZero);
}

TEST_CASE("FP8 inputs, fp16 output: the split-group model explains all") {
  int checked = 0;
  for (const char* folder : {"E4M3", "E5M2"}) {
    CAPTURE(std::string(folder));
    const app::TraceOperands ops = testing::CaptureOperands(folder, "fp16");
    app::TraceGemm gemm;
    gemm.name = folder;
    const app::BaseNumerics base =
        app::ResolveBaseNumerics("", {}, gemm, &ops, /*infer=*/true);
    CHECK(base.numerics.output.format.name() == "fp16");
    REQUIRE(app::Fp8Fp16SplitModelApplies(base.numerics));
    const app::PreparedGemm g = app::PrepareGemm(ops, base.numerics);
    const std::vector<double> observed = app::ObservedValues(ops);
    const std::vector<app::DotElement> all = app::ExtractElements(
        g, observed, 0, app::EvenlySpacedIndices(5000, 5000));
    REQUIRE(all.size() == 5000);
    CHECK(app::CountMismatches(all, app::Fp8Fp16SplitModel().model, 5000) == 0);
    // The published block FMA in fp16 (h100-fp16-fp16) does not.
    const Numerics fp16_fma = app::LoadNumerics("h100-fp16-fp16");
    CHECK(app::CountMismatches(
              all,
              [&](const app::DotElement& e) {
                return app::ElementResult(e, fp16_fma);
              },
              5000) > 500);
    ++checked;
  }
  CHECK(checked == 2);
}

}  // namespace
}  // namespace gemmsim
