// gemmsim validate end to end on traces built from the real H100 captures:
// exit codes, the bit display, the JSON report, bad inputs, and a search
// whose pasted flags validate.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/npy.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/validate/capture_gemm.h"

namespace gemmsim {
namespace {

using testing::RunGemmsim;

// A trace of one capture GEMM (the first `samples` samples).
std::string CaptureTrace(const testing::TempDir& dir, const char* folder,
                         const char* output, const std::string& numerics,
                         int samples) {
  const app::TraceOperands ops =
      testing::CaptureOperands(folder, output, samples);
  const std::string yaml =
      "name: captures\ngemms:\n" +
      testing::WriteCaptureGemm(ops, dir.path(), "cap", numerics) +
      "  - {name: shape-only, m: 4, n: 4, k: 4}\n";
  testing::WriteBytes(dir.file("trace.yaml"), yaml);
  return dir.file("trace.yaml");
}

TEST_CASE("validate: the right preset matches every capture, exit 0") {
  testing::TempDir dir;
  int checked = 0;
  for (const auto& [folder, preset] :
       {std::pair{"fp16", "h100-fp16-fp32"}, {"E4M3", "h100-e4m3-fp32"}}) {
    const std::string trace = CaptureTrace(dir, folder, "fp32", preset, 1000);
    const testing::RunResult r = RunGemmsim({"validate", trace});
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("cap: exact_match_fraction 1, 0 mismatches of 1000") !=
          std::string::npos);
    CHECK(r.out.find("skipped 1 GEMMs without observed outputs: shape-only") !=
          std::string::npos);
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("validate: a wrong preset exits 1 and shows mismatches in bits") {
  testing::TempDir dir;
  const std::string trace =
      CaptureTrace(dir, "fp16", "fp32", "h100-fp16-fp32", 1000);
  // --numerics overrides the GEMM's own numerics.
  const testing::RunResult r =
      RunGemmsim({"validate", trace, "--numerics", "a100-fp16-fp32", "--show",
                  "3", "--json", dir.file("v.json")});
  CAPTURE(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("differ from the model") != std::string::npos);
  CHECK(r.out.find("numerics a100-fp16-fp32") != std::string::npos);
  CHECK(r.out.find("sign|exponent|mantissa of fp32") != std::string::npos);
  // Three shown, each with both values as sign|exponent|mantissa fields.
  size_t shown = 0;
  for (size_t at = r.out.find("    observed "); at != std::string::npos;
       at = r.out.find("    observed ", at + 1)) {
    const std::string line = r.out.substr(at, r.out.find('\n', at) - at);
    CHECK(line.find('|') == 14);
    CHECK(line.find('|', 15) == 23);  // 8 exponent bits
    ++shown;
  }
  CHECK(shown == 3);
  CHECK(r.out.find("ulp") != std::string::npos);

  const nlohmann::json j =
      nlohmann::json::parse(testing::ReadBytes(dir.file("v.json")));
  CHECK(j["schema_version"] == 1);
  CHECK(j.contains("gemmsim_version"));
  CHECK(j["command"] == "validate");
  CHECK(j["numerics"]["accumulate"].is_object());
  CHECK(j["skipped"] == nlohmann::json{"shape-only"});
  const nlohmann::json& g = j["gemms"][0];
  CHECK(g["name"] == "cap");
  CHECK(g["elements"] == 1000);
  CHECK(g["exact_match_fraction"].get<double>() < 1.0);
  CHECK(g["mismatch_count"].get<int>() > 0);
  CHECK(g["mismatches"].size() == 3);
  CHECK(g["mismatches"][0]["observed"]["bits"].is_string());
  CHECK(g["mismatches"][0]["index"].size() == 3);
  CHECK(j["total"]["mismatch_count"] == g["mismatch_count"]);
}

TEST_CASE("validate: bad inputs") {
  testing::TempDir dir;
  SUBCASE("no numerics anywhere: exit 2 naming the GEMM") {
    const std::string trace = CaptureTrace(dir, "fp16", "fp32", "", 10);
    const testing::RunResult r = RunGemmsim({"validate", trace});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("GEMM cap") != std::string::npos);
    CHECK(r.err.find("no numerics") != std::string::npos);
  }
  SUBCASE("no GEMM with observed outputs: exit 3, no report") {
    // Issue 11, finding 4: this passed as "0 mismatches of 0", exit 0.
    testing::WriteBytes(dir.file("shapes.yaml"),
                        "name: shapes\ngemms:\n"
                        "  - {name: g, m: 4, n: 4, k: 4, numerics: exact}\n");
    for (const char* mode : {"compare", "search"}) {
      std::vector<std::string> args = {"validate", dir.file("shapes.yaml"),
                                       "--json", dir.file("v.json")};
      if (mode == std::string("search")) args.push_back("--search");
      const testing::RunResult r = RunGemmsim(args);
      CAPTURE(mode);
      CHECK(r.exit_code == 3);
      CHECK(r.err.find("shapes.yaml: gemms: none of its 1 GEMMs has observed "
                       "outputs") != std::string::npos);
      CHECK_FALSE(testing::FileExists(dir.file("v.json")));
    }
  }
  SUBCASE("observed of the wrong shape: exit 3") {
    const std::string trace =
        CaptureTrace(dir, "fp16", "fp32", "h100-fp16-fp32", 10);
    io::Tensor bad;
    bad.dtype = io::DType::kF32;
    bad.shape = {10, 1, 2};
    bad.data.assign(10 * 2 * 4, 0);
    io::write_npy(dir.file("cap_observed.npy"), bad);
    const testing::RunResult r =
        RunGemmsim({"validate", trace, "--json", dir.file("v.json")});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("cap_observed.npy") != std::string::npos);
    CHECK_FALSE(testing::FileExists(dir.file("v.json")));
  }
}

TEST_CASE("validate --search: tf32 captures, flags that validate") {
  testing::TempDir dir;
  const std::string trace = CaptureTrace(dir, "tf32", "fp32", "", 2000);
  const testing::RunResult r =
      RunGemmsim({"validate", trace, "--search", "--top", "3", "--json",
                  dir.file("s.json"), "--threads", "2"});
  CAPTURE(r.out);
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("block 4, truncate +2 bits, rtz, fp32, c in block") !=
        std::string::npos);
  CHECK(r.out.find("blocks >= 4 are indistinguishable") != std::string::npos);
  CHECK(r.err.find("search:") != std::string::npos);  // progress
  const nlohmann::json j =
      nlohmann::json::parse(testing::ReadBytes(dir.file("s.json")));
  const nlohmann::json& s = j["searches"][0];
  CHECK(s["ranked"].size() == 3);
  CHECK(s["ranked"][0]["exact_match_fraction"] == 1.0);
  CHECK(s["best_numerics_yaml"].get<std::string>().find("block: 4") !=
        std::string::npos);
  // Pasting the winner's flags validates the trace: exit 0.
  std::vector<std::string> args = {"validate", trace, "--numerics",
                                   s["base"]["numerics"]};
  for (const auto& set : s["base"]["set"])
    args.insert(args.end(), {"--set", set});
  for (const auto& set : s["ranked"][0]["set"])
    args.insert(args.end(), {"--set", set});
  const testing::RunResult again = RunGemmsim(args);
  CAPTURE(again.out);
  CHECK(again.exit_code == 0);
}

}  // namespace
}  // namespace gemmsim
