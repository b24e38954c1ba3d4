// `gemmsim estimate TRACE` reads all three trace kinds end to end; a bad
// trace exits 3 with the place in the message and writes no report.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

TEST_CASE("estimate reads manifests, CSV and profiler traces") {
  TempDir dir;
  const std::string json = dir.file("r.json");
  WriteBytes(dir.file("t.yaml"),
             "gemms:\n  - {name: qkv, m: 64, n: 96, k: 32, batch: 2, count: "
             "3, dtype: fp16}\n");
  WriteBytes(dir.file("t.csv"), "layer,M,N,K,\nfc,64,96,32,\n");
  const std::string profiler =
      std::string(GEMMSIM_TEST_DATA_DIR) + "/profiler_sample.json";
  struct Case {
    std::string machine;
    std::vector<std::string> args;
    size_t gemms;
    std::string first_dtype;
    int64_t first_count;
  };
  const Case cases[] = {
      {"h100", {dir.file("t.yaml")}, 1, "fp16", 3},
      {"h100", {dir.file("t.csv"), "--dtype", "e4m3"}, 1, "e4m3", 1},
      // systolic-128 has the profiler sample's fp32 engines; h100 does not.
      {"systolic-128", {profiler}, 6, "bf16", 2},
  };
  int checked = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args = {"estimate", "--machine", c.machine,
                                     "--json", json};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const RunResult r = RunGemmsim(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json j = nlohmann::json::parse(ReadBytes(json));
    CHECK(j["gemms"].size() == c.gemms);
    CHECK(j["gemms"][0]["dtype"] == c.first_dtype);
    CHECK(j["gemms"][0]["count"] == c.first_count);
    ++checked;
  }
  CHECK(checked == 3);
}

TEST_CASE("a bad manifest exits 3 with line, column and key path") {
  TempDir dir;
  WriteBytes(dir.file("t.yaml"), "gemms:\n  - {m: 1, n: 2, k: 3, cuont: 2}\n");
  const RunResult r =
      RunGemmsim({"estimate", "--machine", "h100", dir.file("t.yaml"), "--json",
                  dir.file("r.json")});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("t.yaml: line 2, column 24: gemms[0].cuont: unknown key") !=
        std::string::npos);
  CHECK(r.err.find("(did you mean 'count'?)") != std::string::npos);
  CHECK_FALSE(FileExists(dir.file("r.json")));
}

}  // namespace
}  // namespace gemmsim::testing
