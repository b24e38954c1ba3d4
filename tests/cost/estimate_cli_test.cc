// gemmsim estimate end to end: the table, the JSON report, shape-only CSV
// traces, exit codes, and the speed on a 10,000-GEMM trace.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

TEST_CASE("estimate --shape prints a table and writes a JSON report") {
  TempDir dir;
  const std::string json = dir.file("r.json");
  const RunResult r =
      RunGemmsim({"estimate", "--machine", "gaudi2", "--shape", "16x8192x8192",
                  "--dtype", "bf16", "--json", json});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("machine gaudi2") != std::string::npos);
  CHECK(r.out.find("16x8192x8192") != std::string::npos);
  CHECK(r.out.find("memory") != std::string::npos);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  CHECK(j["schema_version"] == 1);
  CHECK(j.contains("gemmsim_version"));
  CHECK(j["machine"]["name"] == "gaudi2");
  REQUIRE(j["gemms"].size() == 1);
  const auto& t = j["gemms"][0]["throughput"];
  CHECK(t["bound"] == "memory");
  CHECK(t["cycles"].get<double>() > 0);
  CHECK(t["seconds"].get<double>() > 0);
  CHECK(t["tflops"].get<double>() > 0);
  CHECK(t["utilization"].get<double>() < 0.5);
  CHECK(j["total"]["throughput"]["seconds"] == t["seconds"]);
}

TEST_CASE("estimate --set and a batch") {
  const RunResult fast =
      RunGemmsim({"estimate", "--machine", "gaudi2", "--shape",
                  "4096x4096x4096x2", "--dtype", "bf16"});
  const RunResult slow = RunGemmsim({"estimate", "--machine", "gaudi2", "--set",
                                     "engine.count.bf16=1", "--shape",
                                     "4096x4096x4096x2", "--dtype", "bf16"});
  REQUIRE(fast.exit_code == 0);
  REQUIRE(slow.exit_code == 0);
  CHECK(fast.out != slow.out);
}

TEST_CASE("estimate reads a shape-only CSV trace") {
  TempDir dir;
  WriteBytes(dir.file("t.csv"),
             "Layer, M, N, K,\nqkv, 1024, 2304, 768,\nmlp, 1024, 3072, 768,\n");
  const std::string json = dir.file("r.json");
  const RunResult r = RunGemmsim(
      {"estimate", "--machine", "h100", dir.file("t.csv"), "--json", json});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("qkv") != std::string::npos);
  CHECK(r.out.find("mlp") != std::string::npos);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  REQUIRE(j["gemms"].size() == 2);
  CHECK(j["gemms"][1]["n"] == 3072);
  CHECK(j["total"]["throughput"]["seconds"].get<double>() ==
        doctest::Approx(j["gemms"][0]["throughput"]["seconds"].get<double>() +
                        j["gemms"][1]["throughput"]["seconds"].get<double>()));
}

TEST_CASE("estimate errors and exit codes") {
  TempDir dir;
  const std::string json = dir.file("r.json");
  SUBCASE("bad shape") {
    const RunResult r = RunGemmsim(
        {"estimate", "--machine", "gaudi2", "--shape", "16x8", "--json", json});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("MxNxK") != std::string::npos);
  }
  SUBCASE("unknown dtype") {
    const RunResult r = RunGemmsim({"estimate", "--machine", "gaudi2",
                                    "--shape", "8x8x8", "--dtype", "fp5"});
    CHECK(r.exit_code == 2);
  }
  SUBCASE("both or neither of TRACE and --shape") {
    CHECK(RunGemmsim({"estimate", "--machine", "gaudi2"}).exit_code == 2);
  }
  SUBCASE("an empty manifest") {
    WriteBytes(dir.file("t.yaml"), "gemms: []\n");
    const RunResult r = RunGemmsim({"estimate", "--machine", "gaudi2",
                                    dir.file("t.yaml"), "--json", json});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("gemms: expected a non-empty list of GEMMs") !=
          std::string::npos);
    CHECK_FALSE(FileExists(json));
  }
  SUBCASE("a malformed CSV names the line") {
    WriteBytes(dir.file("t.csv"), "layer,M,N,K\na,1,2,3\nb,1,x,3\n");
    const RunResult r = RunGemmsim(
        {"estimate", "--machine", "gaudi2", dir.file("t.csv"), "--json", json});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("t.csv: line 3") != std::string::npos);
  }
  SUBCASE("a missing trace") {
    const RunResult r =
        RunGemmsim({"estimate", "--machine", "gaudi2", dir.file("none.csv")});
    CHECK(r.exit_code == 3);
  }
  SUBCASE("a dtype the machine lacks") {
    const RunResult r =
        RunGemmsim({"estimate", "--machine", "gaudi2", "--shape", "8x8x8",
                    "--dtype", "tf32", "--json", json});
    CHECK(r.exit_code == 2);
  }
  // A failed command leaves no partial output file behind.
  CHECK(!FileExists(json));
}

// Speed is measured by hand, not asserted (a timed unit test fails on a
// loaded or sanitized build): about 0.2 s whole-process, README "Machines".
TEST_CASE("estimating a 10,000-GEMM trace reports every GEMM") {
  TempDir dir;
  std::string csv = "layer,M,N,K\n";
  int rows = 0;
  for (int i = 0; i < 10000; ++i, ++rows) {
    csv += "g" + std::to_string(i) + "," + std::to_string(1 + i % 4096) + "," +
           std::to_string(64 + (i * 37) % 8192) + "," +
           std::to_string(128 + (i * 101) % 4096) + "\n";
  }
  CHECK(rows == 10000);
  WriteBytes(dir.file("t.csv"), csv);
  const auto start = std::chrono::steady_clock::now();
  const RunResult r =
      RunGemmsim({"estimate", "--machine", "gaudi3", dir.file("t.csv"),
                  "--json", dir.file("r.json")});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  REQUIRE(r.exit_code == 0);
  MESSAGE("10,000 GEMMs estimated in " << seconds << " s (with JSON)");
  const auto j = nlohmann::json::parse(ReadBytes(dir.file("r.json")));
  CHECK(j["gemms"].size() == 10000);
}

}  // namespace
}  // namespace gemmsim::testing
