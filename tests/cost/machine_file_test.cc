// Machine files (app/config/machine_file.cc): every preset loads and means
// what its comments say, --set overrides, and bad files fail with exit 2
// naming file, line, column and key path.
#include "app/config/machine_file.h"

#include <doctest/doctest.h>

#include "datapaths/error.h"
#include "models/cost/cost_model.h"
#include "tests/cli/run_gemmsim.h"

namespace gemmsim::app {
namespace {

using testing::TempDir;
using testing::WriteBytes;

constexpr const char* kGood = R"(name: tiny
engine:
  kind: systolic
  array: 4x4
  dataflow: output_stationary
  clock_ghz: 1
  count: {bf16: 1}
sram_mb: 1
memory:
  bandwidth_gbs: 10
)";

// The message of the ConfigError loading `text` throws.
std::string LoadError(const std::string& text,
                      const std::vector<std::string>& sets = {}) {
  TempDir dir;
  const std::string path = dir.file("m.yaml");
  WriteBytes(path, text);
  try {
    LoadMachine(path, sets);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    return e.what();
  }
  FAIL("no error");
  return "";
}

TEST_CASE("every preset loads, with the published peaks") {
  const std::vector<std::string> names = MachinePresetNames();
  CHECK(names == std::vector<std::string>{"b200", "gaudi2", "gaudi3", "h100",
                                          "mac-array-8x8", "mi300x",
                                          "systolic-128"});
  int cases = 0;
  for (const std::string& name : names) {
    const cost::Machine m = LoadMachine(name);
    CHECK(m.name == name);
    CHECK(!m.geometries.empty());
    CHECK(MachineToJson(m)["name"] == name);
    ++cases;
  }
  CHECK(cases == 7);
  CHECK(cost::PeakTflops(LoadMachine("gaudi2"), "bf16") ==
        doctest::Approx(432.5).epsilon(0.002));
  CHECK(cost::PeakTflops(LoadMachine("gaudi2"), "fp8") ==
        doctest::Approx(865).epsilon(0.002));
  CHECK(cost::PeakTflops(LoadMachine("gaudi3"), "bf16") ==
        doctest::Approx(1677).epsilon(0.002));
  CHECK(cost::PeakTflops(LoadMachine("h100"), "bf16") ==
        doctest::Approx(989).epsilon(0.002));
  CHECK(cost::PeakTflops(LoadMachine("h100"), "e4m3") ==
        doctest::Approx(1979).epsilon(0.002));
}

TEST_CASE("--set overrides a machine") {
  const cost::Machine m = LoadMachine(
      "gaudi2", {"engine.clock_ghz=1.0", "overlap=sum", "engine.count.bf16=1"});
  CHECK(m.clock_ghz == 1.0);
  CHECK(m.overlap == cost::Overlap::kSum);
  CHECK(m.dtypes.at("bf16").count == 1);
  const std::string e = [] {
    try {
      LoadMachine("gaudi2", {"engine.dataflow=diagonal"});
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string();
  }();
  CHECK(e.find("--set 'engine.dataflow=diagonal'") != std::string::npos);
}

TEST_CASE("a minimal machine loads with the defaults") {
  TempDir dir;
  WriteBytes(dir.file("m.yaml"), kGood);
  const cost::Machine m = LoadMachine(dir.file("m.yaml"));
  CHECK(m.name == "tiny");
  CHECK(m.fill_drain_exposed);
  CHECK(m.overlap == cost::Overlap::kMax);
  CHECK(m.sram_bytes == 1000000);
}

TEST_CASE("bad machine files name the place and what was expected") {
  SUBCASE("unknown key, with line and column and a suggestion") {
    std::string text = kGood;
    text.replace(text.find("  clock_ghz"), 11, "  clok_ghz");
    const std::string e = LoadError(text);
    CHECK(e.find("m.yaml: line 6, column 3: engine.clok_ghz") !=
          std::string::npos);
    CHECK(e.find("did you mean 'clock_ghz'") != std::string::npos);
  }
  SUBCASE("bad dataflow") {
    std::string text = kGood;
    text.replace(text.find("output_stationary"), 17, "row_stationary");
    const std::string e = LoadError(text);
    CHECK(e.find("line 5, column 13: engine.dataflow") != std::string::npos);
    CHECK(e.find("output_stationary or weight_stationary") !=
          std::string::npos);
  }
  SUBCASE("bad geometry") {
    std::string text = kGood;
    text.replace(text.find("4x4"), 3, "4by4");
    CHECK(LoadError(text).find("engine.array: expected a geometry ROWSxCOLS") !=
          std::string::npos);
  }
  SUBCASE("unknown dtype") {
    std::string text = kGood;
    text.replace(text.find("bf16"), 4, "bf17");
    CHECK(LoadError(text).find("engine.count.bf17: unknown dtype") !=
          std::string::npos);
  }
  SUBCASE("no engines at all") {
    std::string text = kGood;
    text.replace(text.find("{bf16: 1}"), 9, "{}");
    CHECK(LoadError(text).find("engine.count: expected at least one dtype") !=
          std::string::npos);
  }
  SUBCASE("non-positive clock") {
    std::string text = kGood;
    text.replace(text.find("clock_ghz: 1"), 12, "clock_ghz: 0");
    CHECK(
        LoadError(text).find("engine.clock_ghz: expected a positive number") !=
        std::string::npos);
  }
  SUBCASE("missing memory") {
    std::string text = kGood;
    text.erase(text.find("memory:"));
    CHECK(LoadError(text).find("missing key 'memory'") != std::string::npos);
  }
  SUBCASE("unknown preset") {
    try {
      LoadMachine("gaudi9");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
      CHECK(std::string(e.what()).find("gaudi2") != std::string::npos);
    }
  }
}

TEST_CASE("a dtype the machine lacks is a configuration error") {
  cost::GemmShape s;
  s.m = s.n = s.k = 8;
  s.dtype = "tf32";
  try {
    cost::EstimateGemm(LoadMachine("gaudi2"), s);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    CHECK(std::string(e.what()).find("bf16, fp8") != std::string::npos);
  }
}

}  // namespace
}  // namespace gemmsim::app
