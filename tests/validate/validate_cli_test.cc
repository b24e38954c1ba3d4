// gemmsim validate end to end on traces built from the real H100 captures:
// exit codes, the bit display, the JSON report, bad inputs, and a search
// whose pasted flags, and whose --write-best file, validate.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/data_dir.h"
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

nlohmann::json ReadJson(const std::string& path) {
  return nlohmann::json::parse(testing::ReadBytes(path));
}

TEST_CASE("validate --search --write-best: a numerics file that validates") {
  testing::TempDir dir;
  const std::string trace = CaptureTrace(dir, "tf32", "fp32", "", 2000);
  const std::string best = dir.file("best.yaml");
  const testing::RunResult r =
      RunGemmsim({"validate", trace, "--search", "--top", "3", "--json",
                  dir.file("s.json"), "--threads", "2", "--write-best", best});
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("best expressible as numerics: rank 1, written to " +
                   best) != std::string::npos);
  const nlohmann::json s = ReadJson(dir.file("s.json"))["searches"][0];
  CHECK(s["best_numerics_file"]["file"] == best);
  CHECK(s["best_numerics_file"]["rank"] == 1);
  const std::string text = testing::ReadBytes(best);
  CHECK(text.starts_with("# Written by gemmsim "));
  CHECK(text.find("# Rank 1 of ") != std::string::npos);
  CHECK(text.find("block: 4") != std::string::npos);
  // The round trip: validate with the file, the same exact_match_fraction.
  const testing::RunResult again = RunGemmsim(
      {"validate", trace, "--numerics", best, "--json", dir.file("v.json")});
  CAPTURE(again.out);
  CHECK(again.exit_code == 0);
  const nlohmann::json v = ReadJson(dir.file("v.json"));
  CHECK(v["gemms"][0]["exact_match_fraction"] ==
        s["ranked"][0]["exact_match_fraction"]);
  CHECK(v["gemms"][0]["numerics"]["name"] == "best");
  // gemm takes it too, and computes the observed outputs.
  const testing::RunResult gemm = RunGemmsim(
      {"gemm", "--numerics", best, dir.file("cap_a.npy"), dir.file("cap_b.npy"),
       "-c", dir.file("cap_c.npy"), "-o", dir.file("d.npy")});
  CAPTURE(gemm.err);
  CHECK(gemm.exit_code == 0);
  CHECK(testing::ReadBytes(dir.file("d.npy")) ==
        testing::ReadBytes(dir.file("cap_observed.npy")));
}

TEST_CASE("--write-best: a file per group, the best expressible model") {
  // The FP8 captures with fp16 output: two groups (e4m3, e5m2) whose best
  // model, fp8-fp16-split, is not expressible as numerics; each file holds
  // the best candidate that is.
  testing::TempDir dir;
  const std::string trace =
      app::DataDir() + "/traces/h100-fp8-fp16-captures/trace.yaml";
  const testing::RunResult r =
      RunGemmsim({"validate", trace, "--search", "--top", "2",
                  "--search-sample", "64", "--threads", "2", "--json",
                  dir.file("s.json"), "--write-best", dir.file("best.yaml")});
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(testing::FileExists(dir.file("best.yaml")));
  const nlohmann::json searches = ReadJson(dir.file("s.json"))["searches"];
  REQUIRE(searches.size() == 2);
  int checked = 0;
  for (const char* gemm : {"e4m3-fp16", "e5m2-fp16"}) {
    CAPTURE(gemm);
    const std::string file = dir.file("best." + std::string(gemm) + ".yaml");
    const nlohmann::json& s = searches[checked];
    CHECK(s["best_numerics_file"]["file"] == file);
    CHECK(s["best_numerics_file"]["rank"] == 2);
    const double fraction = s["best_numerics_file"]["exact_match_fraction"];
    CHECK(fraction == s["ranked"][1]["exact_match_fraction"]);
    CHECK(fraction < 1.0);
    CHECK(testing::ReadBytes(file).find("(rank 1: fp8-fp16-split)") !=
          std::string::npos);
    const testing::RunResult again =
        RunGemmsim({"validate", trace, "--numerics", file, "--show", "0",
                    "--json", dir.file("v.json")});
    CHECK(again.exit_code == 1);  // not every output matches
    const nlohmann::json v = ReadJson(dir.file("v.json"));
    CHECK(v["gemms"][checked]["name"] == gemm);
    CHECK(v["gemms"][checked]["exact_match_fraction"] == fraction);
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("--write-best: needs --search, and a writable path first") {
  testing::TempDir dir;
  const std::string trace = CaptureTrace(dir, "tf32", "fp32", "", 50);
  const testing::RunResult no_search =
      RunGemmsim({"validate", trace, "--numerics", "h100-tf32-fp32",
                  "--write-best", dir.file("best.yaml")});
  CHECK(no_search.exit_code == 2);
  CHECK(no_search.err.find("--write-best needs --search") != std::string::npos);
  const testing::RunResult no_dir = RunGemmsim(
      {"validate", trace, "--search", "--write-best", dir.file("no/b.yaml")});
  CHECK(no_dir.exit_code == 3);
  CHECK(no_dir.err.find("cannot write --write-best: no directory") !=
        std::string::npos);
  CHECK(no_dir.out.empty());  // before the search
  CHECK(no_dir.err.find("search:") == std::string::npos);
}

}  // namespace
}  // namespace gemmsim
