// gemmsim sweep end to end on small shape-only traces with synthetic
// operands: progress, CSV and JSON, errors before any work, --resume,
// --budget's exit code, the plot, and independence of --threads.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/run_gemmsim.h"

namespace gemmsim::testing {
namespace {

const char* const kTrace = "layer,M,N,K\nq,8,16,256\nk,4,8,512\n";

int CountOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t begin = 0;
  for (size_t nl; (nl = text.find('\n', begin)) != std::string::npos;
       begin = nl + 1)
    lines.push_back(text.substr(begin, nl - begin));
  return lines;
}

// The CSV without its last column (seconds, which differ run to run).
std::string WithoutSeconds(const std::string& csv) {
  std::string out;
  for (const std::string& line : Lines(csv))
    out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

struct Sweep {
  TempDir dir;
  std::string trace = dir.file("t.csv");
  Sweep() { WriteBytes(trace, kTrace); }
  RunResult Run(std::vector<std::string> more) {
    std::vector<std::string> args = {"sweep", trace, "--numerics",
                                     "fp8-acc-fp32"};
    args.insert(args.end(), more.begin(), more.end());
    return RunGemmsim(args);
  }
};

const std::vector<std::string> kSixPoints = {
    "--vary", "accumulate.format=e8m7,e8m10,fp32", "--vary",
    "accumulate.block=1,4"};

TEST_CASE("sweep: a point per combination, progress, CSV, JSON, table") {
  Sweep s;
  std::vector<std::string> args = kSixPoints;
  args.insert(args.end(),
              {"--csv", s.dir.file("s.csv"), "--json", s.dir.file("s.json"),
               "--plot", s.dir.file("s.svg")});
  const RunResult r = s.Run(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(CountOf(r.err, "gemmsim sweep: [") == 6);
  CHECK(r.err.find("gemmsim sweep: [2/6] accumulate.format=e8m7 "
                   "accumulate.block=4: rel_fro_error ") != std::string::npos);
  CHECK(r.out.find("2 GEMMs (synthetic normal operands, seed 0)") !=
        std::string::npos);
  const auto csv = Lines(ReadBytes(s.dir.file("s.csv")));
  REQUIRE(csv.size() == 7);
  CHECK(
      csv[0].starts_with("accumulate.format,accumulate.block,rel_fro_error,"));
  CHECK(csv[1].starts_with("e8m7,1,"));
  CHECK(csv[6].starts_with("fp32,4,"));
  const auto j = nlohmann::json::parse(ReadBytes(s.dir.file("s.json")));
  CHECK(j["command"] == "sweep");
  CHECK(j["schema_version"] == 1);
  REQUIRE(j["points"].size() == 6);
  CHECK(j["points"][0]["values"]["accumulate.format"] == "e8m7");
  CHECK(j["points"][0]["accumulator_bits"] == 16);
  CHECK(j["points"][5]["accumulator_bits"] == 32);
  CHECK(j["points"][0]["accumulate"][0]["block"] == 1);
  CHECK(j["points"][1]["accumulate"][0]["block"] == 4);
  // Narrower accumulators lose more: e8m7 > e8m10 > fp32 (block 1).
  const double e7 = j["points"][0]["metrics"]["rel_fro_error"];
  const double e10 = j["points"][2]["metrics"]["rel_fro_error"];
  const double f32 = j["points"][4]["metrics"]["rel_fro_error"];
  CHECK(e7 > 4 * e10);
  CHECK(e10 > 4 * f32);
  const std::string svg = ReadBytes(s.dir.file("s.svg"));
  CHECK(svg.starts_with("<?xml"));
  CHECK(CountOf(svg, "class=\"series\"") == 2);
  CHECK(svg.find("accumulate.block=4") != std::string::npos);
  // The table: a header and a row per point.
  CHECK(CountOf(r.out, "\ne8m7 ") == 2);
  CHECK(CountOf(r.out, "\nfp32 ") == 2);
}

TEST_CASE("sweep: a bad --vary key or value is exit 2 before any work") {
  Sweep s;
  const std::string csv = s.dir.file("s.csv");
  struct Case {
    std::vector<std::string> vary;
    std::vector<std::string> expect;
  };
  const std::vector<Case> cases = {
      {{"--vary", "accumulate.format=e8m7,fp32", "--vary",
        "accumulate.blok=1,4"},
       {"--vary 'accumulate.blok=1,4'", "accumulate.blok", "blok"}},
      {{"--vary", "accumulate.format=e8m7,e9m99x,fp32"},
       {"--vary 'accumulate.format=e8m7,e9m99x,fp32'", "e9m99x"}},
      {{"--vary", "accumulate.block=1,{every: 2"}, {"unclosed bracket"}},
      {{"--vary", "accumulate.block"}, {"expected KEY=V1,V2"}},
  };
  int checked = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args = c.vary;
    args.push_back("--csv");
    args.push_back(csv);
    const RunResult r = s.Run(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    for (const std::string& e : c.expect)
      CHECK(r.err.find(e) != std::string::npos);
    CHECK(r.err.find("gemmsim sweep: [") == std::string::npos);
    CHECK(r.out.empty());
    CHECK(!FileExists(csv));
    ++checked;
  }
  CHECK(checked == 4);
}

TEST_CASE("sweep: an output that cannot be written fails before any point") {
  Sweep s;
  const std::string csv = s.dir.file("s.csv");
  struct Case {
    std::vector<std::string> outputs;
    int exit_code;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"--plot", s.dir.path()}, 3, "cannot write --plot: it is a directory"},
      {{"--json", s.dir.path() + "/"}, 3, "cannot write --json: it is a dir"},
      {{"--plot", s.dir.file("no/p.svg")}, 3, "cannot write --plot: no dir"},
      {{"--csv", csv, "--json", s.dir.path() + "/./s.csv"},
       2,
       "--csv and --json name the same file"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args = kSixPoints;
    args.insert(args.end(), c.outputs.begin(), c.outputs.end());
    if (c.outputs.front() != "--csv") args.insert(args.end(), {"--csv", csv});
    const RunResult r = s.Run(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(r.err.find("gemmsim sweep: [") == std::string::npos);
    CHECK(r.out.empty());
    CHECK(!FileExists(csv));
    ++checked;
  }
  CHECK(checked == 4);
}

TEST_CASE("sweep --resume runs only the missing points") {
  Sweep s;
  const std::string full = s.dir.file("full.csv"),
                    part = s.dir.file("part.csv");
  std::vector<std::string> args = kSixPoints;
  args.insert(args.end(), {"--csv", full});
  REQUIRE(s.Run(args).exit_code == 0);
  const std::string full_text = ReadBytes(full);
  const auto lines = Lines(full_text);
  REQUIRE(lines.size() == 7);
  // An interrupted run: the header and two finished points.
  WriteBytes(part, lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n");
  args = kSixPoints;
  args.insert(args.end(), {"--csv", part, "--resume"});
  const RunResult r = s.Run(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("resuming " + part + ": 2 of 6 points done") !=
        std::string::npos);
  CHECK(CountOf(r.err, "gemmsim sweep: [") == 4);
  CHECK(r.err.find("[1/6]") == std::string::npos);
  CHECK(r.err.find("[3/6]") != std::string::npos);
  const std::string resumed = ReadBytes(part);
  CHECK(Lines(resumed)[1] == lines[1]);  // kept as it was, seconds included
  CHECK(WithoutSeconds(resumed) == WithoutSeconds(full_text));
  // Nothing left: nothing runs, the CSV stays.
  const RunResult again = s.Run(args);
  CHECK(again.exit_code == 0);
  CHECK(CountOf(again.err, "gemmsim sweep: [") == 0);
  CHECK(ReadBytes(part) == resumed);

  // Another sweep's CSV: exit 2, nothing overwritten.
  const RunResult other =
      s.Run({"--vary", "accumulate.block=1,4", "--csv", part, "--resume"});
  CHECK(other.exit_code == 2);
  CHECK(other.err.find("--resume") != std::string::npos);
  CHECK(ReadBytes(part) == resumed);
}

TEST_CASE("sweep --budget: the narrowest accumulator, exit 1 when none") {
  Sweep s;
  const std::string json = s.dir.file("b.json");
  const std::vector<std::string> vary = {"--vary",
                                         "accumulate.format=e8m10,e5m10,e8m7"};
  std::vector<std::string> args = vary;
  args.insert(args.end(), {"--budget", "1", "--json", json});
  const RunResult ok = s.Run(args);
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  REQUIRE(j["budget"]["met"] == true);
  // e5m10 and e8m7 both have 16 bits: the smaller error wins.
  const auto& p = j["points"];
  const int expect =
      p[1]["metrics"]["rel_fro_error"] < p[2]["metrics"]["rel_fro_error"] ? 1
                                                                          : 2;
  CHECK(j["budget"]["point"] == expect);
  CHECK(j["budget"]["accumulator_bits"] == 16);
  CHECK(ok.out.find("narrowest accumulator " +
                    std::string(expect == 1 ? "e5m10" : "e8m7") +
                    " (16 bits)") != std::string::npos);

  // A budget between e5m10's error and e8m7's (e5m10 loses nothing to
  // e8m10 on these small sums): e8m7 is out, e5m10 (16 bits) is the answer.
  const double e5m10 = p[1]["metrics"]["rel_fro_error"];
  CHECK(p[2]["metrics"]["rel_fro_error"] > 2 * e5m10);
  args = vary;
  args.insert(args.end(), {"--budget", std::to_string(e5m10 * 1.01)});
  const RunResult mid = s.Run(args);
  CHECK(mid.exit_code == 0);
  CHECK(mid.out.find("narrowest accumulator e5m10 (16 bits)") !=
        std::string::npos);
  args = vary;
  args.insert(args.end(), {"--budget", std::to_string(e5m10 * 0.99)});
  const RunResult below = s.Run(args);
  CHECK(below.exit_code == 1);

  args = vary;
  args.insert(args.end(), {"--budget", "1e-30", "--json", json});
  const RunResult none = s.Run(args);
  CHECK(none.exit_code == 1);
  CHECK(none.out.find("exceeded by every point") != std::string::npos);
  CHECK(nlohmann::json::parse(ReadBytes(json))["budget"]["met"] == false);
}

// Issue 11: with a second --vary key the budget is answered per line of it.
TEST_CASE("sweep --budget answers per value of the other --vary keys") {
  Sweep s;
  const std::string json = s.dir.file("b.json");
  const RunResult r = s.Run({"--vary", "accumulate.block=1,4", "--vary",
                             "accumulate.format=e8m10,e5m10,e8m7", "--budget",
                             "1", "--json", json});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  const auto& lines = j["budget"]["per_line"];
  REQUIRE(lines.size() == 2);
  int checked = 0;
  for (const char* block : {"1", "4"}) {
    const std::string with = std::string("accumulate.block=") + block;
    CHECK(lines[checked]["with"] == with);
    CHECK(lines[checked]["met"] == true);
    CHECK(lines[checked]["accumulator_bits"] == 16);
    // The line's pick is one of its own points.
    CHECK(lines[checked]["label"].get<std::string>().find(with) == 0);
    CHECK(r.out.find("budget rel_fro_error <= 1 with " + with +
                     ": narrowest accumulator") != std::string::npos);
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("sweep results do not depend on --threads") {
  Sweep s;
  std::string csv[2];
  int runs = 0;
  for (const char* threads : {"1", "3"}) {
    std::vector<std::string> args = kSixPoints;
    const std::string path = s.dir.file(std::string("t") + threads + ".csv");
    args.insert(args.end(), {"--csv", path, "--threads", threads, "--operands",
                             "outliers", "--seed", "5"});
    REQUIRE(s.Run(args).exit_code == 0);
    csv[runs++] = WithoutSeconds(ReadBytes(path));
  }
  CHECK(runs == 2);
  CHECK(csv[0] == csv[1]);
  CHECK(Lines(csv[0]).size() == 7);
}

}  // namespace
}  // namespace gemmsim::testing
