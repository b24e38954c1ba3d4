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

TEST_CASE("a mistyped subcommand, option or preset gets a did-you-mean") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"gemmm"}, "unknown subcommand 'gemmm'; did you mean 'gemm'?"},
      {{"frobnicate"}, "unknown subcommand 'frobnicate' (the subcommands: "},
      {{"gemm", "--numerix", "exact", "a.npy", "b.npy", "-o", "d.npy"},
       "gemm: unknown option '--numerix'; did you mean '--numerics'?"},
      {{"gemm", "--numerics=exact", "-numerics", "exact"},
       "unknown option '-numerics'; did you mean '--numerics'?"},
      {{"formats", "--jsno"},
       "unknown option '--jsno'; did you mean '--json'?"},
      {{"formats", "--bogus"}, "unknown option '--bogus' (gemmsim formats "},
      {{"--verison"}, "unknown option '--verison'; did you mean '--version'?"},
      {{"gemm", "--numerics", "h100-e4m3-fp3", "a.npy", "b.npy", "-o", "d.npy"},
       "unknown numerics preset 'h100-e4m3-fp3'; did you mean "
       "'h100-e4m3-fp32'? (expected a file path or one of the "},
      {{"estimate", "--machine", "gaudi", "--shape", "8x8x8"},
       "unknown machine preset 'gaudi'; did you mean 'gaudi2' or 'gaudi3'?"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    const RunResult r = RunGemmsim(c.args);
    CAPTURE(c.message);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    // No list of every preset: the message stays one short line.
    CHECK(r.err.find("gaudi2-bf16-fp32") == std::string::npos);
    CHECK(r.err.size() < 300);
    ++checked;
  }
  CHECK(checked == 9);
  // A negative number is a value, not an unknown option -1.
  const RunResult negative = RunGemmsim(
      {"quantize", "--format", "e4m3fn", "--stochastic-bits", "-1", "a", "b"});
  CHECK(negative.exit_code == 2);
  CHECK(negative.err.find("--stochastic-bits -1: expected 1..32") !=
        std::string::npos);
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
