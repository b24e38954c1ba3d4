// The command line's contract: help, version, exit codes for usage errors,
// and `gemmsim formats`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

TEST_CASE("help and version exit 0 and say what gemmsim is") {
  const RunResult help = RunGemmsim({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("formats") != std::string::npos);
  CHECK(help.out.find("quantize") != std::string::npos);
  const RunResult version = RunGemmsim({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.find("gemmsim 0.") != std::string::npos);
  int checked = 0;
  for (const char* cmd : {"formats", "quantize", "dequantize", "demo"}) {
    const RunResult r = RunGemmsim({cmd, "--help"});
    CAPTURE(cmd);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(cmd) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 4);
}

TEST_CASE("usage errors exit 2 with a message on stderr") {
  const std::vector<std::vector<std::string>> cases = {
      {},                                                  // no command
      {"frobnicate"},                                      // unknown command
      {"quantize", "in.npy", "out.npy"},                   // --format missing
      {"formats", "--bogus"},                              // unknown option
      {"quantize", "--format", "E4M3", "a.npy", "b.npy"},  // bad format name
      {"quantize", "--format", "e4m3fn", "--rounding", "nearest", "a", "b"},
      {"quantize", "--format", "e4m3fn", "--overflow", "wrap", "a", "b"},
      {"quantize", "--format", "e4m3fn", "--rounding", "stochastic",
       "--stochastic-bits", "40", "a", "b"},
  };
  int checked = 0;
  for (const auto& args : cases) {
    const RunResult r = RunGemmsim(args);
    CAPTURE(args.size());
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.err.empty());
    ++checked;
  }
  CHECK(checked == 8);
  const RunResult bad = RunGemmsim({"quantize", "--format", "E4M3", "a", "b"});
  CHECK(bad.err.find("unknown format 'E4M3'") != std::string::npos);
}

TEST_CASE("formats lists every spec format, as a table and as JSON") {
  const RunResult table = RunGemmsim({"formats"});
  CHECK(table.exit_code == 0);
  const char* names[] = {"fp64",     "fp32",     "tf32",        "bf16",
                         "fp16",     "e5m2",     "e4m3fn",      "e4m3",
                         "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4",
                         "e3m2fn",   "e2m3fn",   "e2m1fn",      "e8m0fnu",
                         "int8",     "int4",     "uint8"};
  for (const char* name : names)
    CHECK(table.out.find(name) != std::string::npos);
  const RunResult json = RunGemmsim({"formats", "--json"});
  REQUIRE(json.exit_code == 0);
  const auto j = nlohmann::json::parse(json.out);
  REQUIRE(j["formats"].size() == 19);
  CHECK(j["formats"][6]["name"] == "e4m3fn");
  CHECK(j["formats"][6]["max_finite"] == 448.0);
  CHECK(j["formats"][6]["bias"] == 7);
  CHECK(j["formats"][15]["name"] == "e8m0fnu");
  CHECK(j["formats"][15]["has_negative_zero"] == false);
  CHECK(j["schema_version"] == 1);
}

}  // namespace
}  // namespace gemmsim::testing
