// gemmsim replay end to end: a manifest with operand files and an observed
// output, a shape-only GEMM (synthetic operands) and one without numerics;
// the table, --json keys, --csv rows, --sample intervals, exit codes and
// no partial outputs.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "io/npy.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/replay/random_tensor.h"

namespace gemmsim::testing {
namespace {

void WriteRandomNpy(const std::string& path, std::vector<int64_t> shape,
                    uint64_t seed) {
  io::write_npy(path, RandomFloatTensor(shape, -0.3, seed));
}

const char* kManifest = R"(name: replay-test
gemms:
  - name: captured
    m: 8
    n: 16
    k: 32
    a: a.npy
    b: b.npy
    observed: d.npy
    numerics: fp8-acc-fp32
  - name: shape_only
    m: 16
    n: 24
    k: 64
    count: 4
    numerics: fp8-acc-fp16
  - name: no_numerics
    m: 64
    n: 64
    k: 64
    dtype: bf16
)";

// A trace folder: a.npy, b.npy, d.npy (D from `gemmsim gemm`) and t.yaml.
std::string MakeTrace(const TempDir& dir) {
  WriteRandomNpy(dir.file("a.npy"), {8, 32}, 1);
  WriteRandomNpy(dir.file("b.npy"), {32, 16}, 2);
  const RunResult gemm =
      RunGemmsim({"gemm", "--numerics", "fp8-acc-fp32", dir.file("a.npy"),
                  dir.file("b.npy"), "-o", dir.file("d.npy")});
  REQUIRE(gemm.exit_code == 0);
  WriteBytes(dir.file("t.yaml"), kManifest);
  return dir.file("t.yaml");
}

// RFC 4180 fields of one line (quotes around fields with commas).
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("replay: per-GEMM numerics, observed, synthetic, throughput") {
  TempDir dir;
  const std::string trace = MakeTrace(dir);
  const std::string json = dir.file("r.json"), csv = dir.file("r.csv");
  const RunResult r = RunGemmsim(
      {"replay", trace, "--machine", "h100", "--json", json, "--csv", csv});
  REQUIRE(r.exit_code == 0);
  INFO(r.out);
  CHECK(r.out.find("captured") != std::string::npos);
  CHECK(r.out.find("total") != std::string::npos);
  CHECK(r.out.find("operands synthetic normal, seed 0: shape_only") !=
        std::string::npos);
  CHECK(r.out.find("no numerics (throughput only): no_numerics") !=
        std::string::npos);
  // Issue 11, finding 6: the dtype priced, the count and per-run seconds
  // are columns, and a dtype other than the trace's is said.
  CHECK(r.out.find("dtype  count      s/run    seconds") != std::string::npos);
  CHECK(r.out.find("dtype bf16 -> fp8: priced at the numerics' input format") !=
        std::string::npos);

  const auto j = nlohmann::json::parse(ReadBytes(json));
  CHECK(j["schema_version"] == 1);
  CHECK(j.contains("gemmsim_version"));
  CHECK(j["command"] == "replay");
  CHECK(j["trace"]["name"] == "replay-test");
  CHECK(j["machine"]["name"] == "h100");
  CHECK(j["numerics"].contains("fp8-acc-fp32"));
  CHECK(j["numerics"].contains("fp8-acc-fp16"));
  REQUIRE(j["gemms"].size() == 3);
  const auto& captured = j["gemms"][0];
  CHECK(captured["operands"] == "files");
  CHECK(captured["numerics"] == "fp8-acc-fp32");
  CHECK(captured["dtype"] == "fp8");
  const auto& e = captured["error"];
  for (const char* key :
       {"max_abs_error", "max_rel_error", "rel_fro_error", "mean_ulp_error",
        "exact_match_fraction", "nan_count", "inf_count", "overflow_count"})
    CHECK_MESSAGE(e.contains(key), key);
  // observed is what `gemmsim gemm` computed under the same numerics.
  CHECK(e["exact_match_reference"] == "observed");
  CHECK(e["exact_match_fraction"] == 1.0);
  CHECK(e["sampled"] == false);
  CHECK(e["elements"] == 8 * 16);
  // Issue 11: against the unquantized operands too (files of float values
  // and synthetic draws both have them), and in total.
  CHECK(e["rel_fro_error_vs_unquantized"].get<double>() > 0);
  CHECK(j["gemms"][1]["error"]["rel_fro_error_vs_unquantized"].get<double>() >
        0);
  CHECK(j["total"]["error"]["rel_fro_error_vs_unquantized"].get<double>() > 0);
  CHECK(r.out.find("vs_unquantized") != std::string::npos);
  CHECK(j["gemms"][1]["operands"] == "synthetic normal, seed 0");
  CHECK(j["gemms"][1]["error"]["rel_fro_error"].get<double>() > 0);
  CHECK(j["gemms"][2]["error"].is_null());
  CHECK(j["gemms"][2]["dtype"] == "bf16");
  for (int i = 0; i < 3; ++i) {
    const auto& t = j["gemms"][i]["throughput"];
    for (const char* key : {"cycles", "seconds", "tflops", "utilization"})
      CHECK(t[key].get<double>() > 0);
    CHECK((t["bound"] == "compute" || t["bound"] == "memory"));
  }
  CHECK(j["total"]["error"]["elements"] == 8 * 16 + 16 * 24);
  CHECK(j["total"]["throughput"]["seconds"].get<double>() > 0);

  const std::vector<std::string> lines = Lines(ReadBytes(csv));
  REQUIRE(lines.size() == 5);  // header, 3 GEMMs, total
  const std::vector<std::string> header = CsvFields(lines[0]);
  CHECK(header.size() == 32);
  int rows = 0;
  for (const std::string& line : lines) {
    CHECK(CsvFields(line).size() == header.size());
    ++rows;
  }
  CHECK(rows == 5);
  CHECK(CsvFields(lines[2])[8] == "synthetic normal, seed 0");
  CHECK(CsvFields(lines[4])[0] == "total");
}

TEST_CASE("replay --numerics --sample: intervals, no machine") {
  TempDir dir;
  const std::string trace = MakeTrace(dir);
  const std::string json = dir.file("r.json");
  const RunResult r =
      RunGemmsim({"replay", trace, "--numerics", "fp8-acc-fp16", "--sample",
                  "20", "--seed", "4", "--json", json, "--threads", "2"});
  REQUIRE(r.exit_code == 0);
  INFO(r.out);
  CHECK(r.out.find("sampled 20 output elements") != std::string::npos);
  CHECK(r.out.find("no --machine") != std::string::npos);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  CHECK(j["machine"].is_null());
  CHECK(j["numerics"].size() == 1);
  REQUIRE(j["gemms"].size() == 3);
  int sampled = 0;
  for (const auto& g : j["gemms"]) {
    CHECK(g["numerics"] == "fp8-acc-fp16");
    CHECK(g["throughput"].is_null());
    const auto& e = g["error"];
    CHECK(e["samples"] == 20);
    CHECK(e["sampled"] == true);
    CHECK(e["max_is_lower_bound"] == true);
    CHECK(e["rel_fro_error_low"].get<double>() <=
          e["rel_fro_error"].get<double>());
    CHECK(e["rel_fro_error"].get<double>() <=
          e["rel_fro_error_high"].get<double>());
    CHECK(e.contains("exact_match_fraction_low"));
    CHECK(e["note"].get<std::string>().find("sampled 20 of") == 0);
    ++sampled;
  }
  CHECK(sampled == 3);
  CHECK(j["gemms"][2]["operands"] == "synthetic normal, seed 4");
  CHECK(j["total"]["error"]["samples"] == 60);
}

TEST_CASE("replay: bad inputs give the spec's exit codes, no outputs") {
  TempDir dir;
  const std::string trace = MakeTrace(dir);
  const std::string json = dir.file("r.json"), csv = dir.file("r.csv");
  WriteBytes(dir.file("shapes.yaml"),
             "gemms:\n  - {name: big, m: 8192, n: 8192, k: 8192}\n");
  WriteBytes(dir.file("broken.yaml"),
             std::string(kManifest) +
                 "  - {name: late, m: 8, n: 16, k: 32, a: a.npy, "
                 "b: missing.npy, numerics: fp8-acc-fp32}\n");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{dir.file("nope.yaml")}, 3, "nope.yaml"},
      {{trace, "--numerics", "no-such-numerics"}, 2, "no-such-numerics"},
      {{trace, "--sample", "1"}, 2, "--sample"},
      {{trace, "--operands", "cauchy"}, 2, "--operands"},
      {{dir.file("shapes.yaml"), "--set", "accumulate.block=2"}, 2, "--set"},
      {{dir.file("shapes.yaml")}, 2, "nothing to report"},
      {{dir.file("shapes.yaml"), "--numerics", "fp8-acc-fp32"}, 2, "--sample"},
      {{dir.file("broken.yaml")}, 3, "missing.npy"},
      {{trace, "--machine", "no-such-machine"}, 2, "no-such-machine"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    std::vector<std::string> args = {"replay"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--json", json, "--csv", csv});
    const RunResult r = RunGemmsim(args);
    CAPTURE(c.args[0]);
    CAPTURE(r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(FileExists(json));
    CHECK_FALSE(FileExists(csv));
    ++checked;
  }
  CHECK(checked == 9);
  const RunResult no_dir =
      RunGemmsim({"replay", trace, "--json", dir.file("no/such/dir/r.json")});
  CHECK(no_dir.exit_code == 3);
}

}  // namespace
}  // namespace gemmsim::testing
