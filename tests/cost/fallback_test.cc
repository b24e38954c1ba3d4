// engine.fallback (models/cost/machine.h, SPEC.md "Machines and
// throughput"): a GEMM whose dtype has no engines of its own runs on the
// engines its machine names for it, and the report says which. PyTorch
// models are fp32 by default, so fp32 must run on every preset.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "app/config/config_files.h"
#include "app/config/machine_file.h"
#include "datapaths/error.h"
#include "models/cost/cost_model.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/cost/gemm_shape.h"

namespace gemmsim::app {
namespace {

using testing::ReadBytes;
using testing::RunGemmsim;
using testing::TempDir;
using testing::WriteBytes;

using cost::Shape;

// The engines each preset runs fp32 on (its file says why).
const std::map<std::string, std::string> kFp32Engine = {
    {"b200", "tf32"},        {"gaudi2", "bf16"},        {"gaudi3", "bf16"},
    {"h100", "tf32"},        {"mac-array-8x8", "fp32"}, {"mi300x", "fp32"},
    {"systolic-128", "fp32"}};

TEST_CASE("fp32 runs on every preset, on the engines its file names") {
  int presets = 0;
  for (const std::string& name : MachinePresetNames()) {
    CAPTURE(name);
    REQUIRE(kFp32Engine.count(name) == 1);  // a new preset needs a row
    const std::string engine = kFp32Engine.at(name);
    const cost::Machine m = LoadMachine(name);
    const cost::Cost fp32 = cost::EstimateGemm(m, Shape(512, 512, 512, "fp32"));
    const cost::Cost own = cost::EstimateGemm(m, Shape(512, 512, 512, engine));
    CHECK(fp32.engine_dtype == engine);
    CHECK(own.engine_dtype == engine);
    // The engine's compute, at the engine's peak...
    CHECK(fp32.compute_seconds == own.compute_seconds);
    CHECK(fp32.geometry.rows == own.geometry.rows);
    CHECK(fp32.geometry.cols == own.geometry.cols);
    CHECK(cost::PeakTflops(m, "fp32") == cost::PeakTflops(m, engine));
    // ...but fp32 bytes: 4 per element (bf16 2), whatever multiplies them.
    CHECK(fp32.bytes == own.bytes * (engine == "bf16" ? 2 : 1));
    ++presets;
  }
  CHECK(presets == static_cast<int>(kFp32Engine.size()));
}

TEST_CASE("a compute-bound fp32 GEMM costs what its engine dtype costs") {
  // 8192^3 is compute-bound on both Gaudis in bf16 and in fp32 bytes.
  for (const char* name : {"gaudi2", "gaudi3", "h100"}) {
    CAPTURE(name);
    const cost::Machine m = LoadMachine(name);
    const std::string engine = kFp32Engine.at(name);
    const cost::Cost fp32 =
        cost::EstimateGemm(m, Shape(8192, 8192, 8192, "float32"));
    const cost::Cost own =
        cost::EstimateGemm(m, Shape(8192, 8192, 8192, engine));
    REQUIRE(fp32.bound == cost::Bound::kCompute);
    CHECK(own.bound == cost::Bound::kCompute);
    CHECK(fp32.engine_dtype == engine);
    CHECK(fp32.seconds == own.seconds);
    CHECK(fp32.cycles == own.cycles);
    CHECK(fp32.tflops == own.tflops);
    CHECK(fp32.utilization == own.utilization);
  }
}

TEST_CASE("a dtype's own engines win over its fallback") {
  SUBCASE("a preset with fp32 engines") {
    const cost::Machine m = LoadMachine("systolic-128");
    CHECK(m.fallback.count("fp32") == 0);
    CHECK(cost::EstimateGemm(m, Shape(64, 64, 64, "fp32")).engine_dtype ==
          "fp32");
  }
  SUBCASE("fp32 engines added to h100: the SIMT path, slower than tf32") {
    const cost::Machine m = LoadMachine(
        "h100", {"engine.count.fp32=132", "engine.macs_per_cycle.fp32=128"});
    CHECK(m.fallback.at("fp32") == "tf32");  // kept, but unused
    const cost::Cost c = cost::EstimateGemm(m, Shape(8192, 8192, 8192, "fp32"));
    CHECK(c.engine_dtype == "fp32");
    CHECK(cost::PeakTflops(m, "fp32") == doctest::Approx(61.8).epsilon(0.002));
    CHECK(c.seconds >
          cost::EstimateGemm(m, Shape(8192, 8192, 8192, "tf32")).seconds * 7);
  }
}

TEST_CASE("machine files default the fp32 fallback and --set changes it") {
  TempDir dir;
  const std::string base = R"(engine:
  array: 4x4
  dataflow: output_stationary
  clock_ghz: 1
)";
  const auto load = [&](const std::string& count,
                        const std::vector<std::string>& sets = {}) {
    WriteBytes(dir.file("m.yaml"),
               base + "  count: " + count +
                   "\nsram_mb: 1\nmemory: {bandwidth_gbs: 10}\n");
    return LoadMachine(dir.file("m.yaml"), sets);
  };
  CHECK(load("{bf16: 1}").fallback.at("fp32") == "bf16");
  CHECK(load("{bf16: 1, tf32: 1}").fallback.at("fp32") == "tf32");
  // fp32 engines of its own: no fp32 fallback (fp6/fp4/int4 get theirs).
  CHECK(load("{bf16: 1, fp32: 1}").fallback.count("fp32") == 0);
  CHECK(load("{bf16: 1, fp32: 1}").fallback.at("fp4") == "bf16");
  // Neither tf32 nor bf16 engines: nothing to run fp32 on.
  CHECK(load("{fp8: 1}").fallback.count("fp32") == 0);
  CHECK(load("{fp8: 1}").fallback.at("fp4") == "fp8");
  CHECK(load("{bf16: 1, tf32: 1}", {"engine.fallback.fp32=bf16"})
            .fallback.at("fp32") == "bf16");
  CHECK(load("{bf16: 1, fp16: 1}", {"engine.fallback.tf32=fp16"})
            .fallback.at("tf32") == "fp16");
  CHECK(
      load("{bf16: 1}", {"engine.fallback.fp32=none"}).fallback.count("fp32") ==
      0);
  CHECK(MachineToJson(LoadMachine("gaudi2"))["engine"]["fallback"]["fp32"] ==
        "bf16");
}

TEST_CASE("a dtype with no engines and no fallback is still an error") {
  const auto message = [](const cost::Machine& m, const char* dtype) {
    try {
      cost::EstimateGemm(m, Shape(8, 8, 8, dtype));
    } catch (const Error& e) {
      CHECK(e.code() == ExitCode::kUsage);
      return std::string(e.what());
    }
    FAIL("no error for " << dtype);
    return std::string();
  };
  const std::string tf32 = message(LoadMachine("gaudi2"), "tf32");
  CHECK(tf32.find("machine gaudi2 has no engines for dtype 'tf32' and no "
                  "engine.fallback for it; it has bf16, fp8") !=
        std::string::npos);
  const std::string off =
      message(LoadMachine("gaudi2", {"engine.fallback.fp32=none"}), "fp32");
  CHECK(off.find("dtype 'fp32' and no engine.fallback") != std::string::npos);
}

// The message of the ConfigError loading gaudi2 with `set` throws.
std::string SetError(const std::string& set) {
  try {
    LoadMachine("gaudi2", {set});
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    return e.what();
  }
  FAIL("no error for " << set);
  return "";
}

TEST_CASE("bad fallbacks name the key and what was expected") {
  const std::string unknown = SetError("engine.fallback.fp32=bf17");
  CHECK(unknown.find("engine.fallback.fp32") != std::string::npos);
  CHECK(unknown.find("unknown dtype 'bf17'") != std::string::npos);
  CHECK(SetError("engine.fallback.fp32=tf32")
            .find("tf32 has no engine count on this machine") !=
        std::string::npos);
  CHECK(SetError("engine.fallback.fp32=fp32")
            .find("a dtype cannot fall back to itself") != std::string::npos);
  CHECK(SetError("engine.fallback.float32=bf16")
            .find("engine.fallback.float32: unknown dtype") !=
        std::string::npos);
  CHECK(SetError("engine.fallback=bf16")
            .find("engine.fallback: expected a "
                  "mapping") != std::string::npos);
  // In a file: the file, line and column too.
  TempDir dir;
  std::string text = ReadBytes(FindConfigFile("machines", "gaudi2").path);
  text.replace(text.find("{fp32: bf16}"), 12, "{fp32: int8}");
  WriteBytes(dir.file("m.yaml"), text);
  const testing::RunResult r =
      RunGemmsim({"estimate", "--machine", dir.file("m.yaml"), "--shape",
                  "8x8x8", "--dtype", "fp32"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("m.yaml: line ") != std::string::npos);
  CHECK(r.err.find("engine.fallback.fp32: int8 has no engine count") !=
        std::string::npos);
}

TEST_CASE("estimate says which engines ran an fp32 GEMM") {
  TempDir dir;
  const std::string json = dir.file("r.json");
  const testing::RunResult r =
      RunGemmsim({"estimate", "--machine", "gaudi2", "--shape", "16x8192x8192",
                  "--dtype", "fp32", "--json", json});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("fp32->bf16") != std::string::npos);
  CHECK(r.out.find("note: fp32 has no engines on gaudi2: its GEMMs ran on "
                   "the bf16 engines (engine.fallback.fp32)") !=
        std::string::npos);
  const auto j = nlohmann::json::parse(ReadBytes(json));
  const auto& g = j["gemms"][0];
  CHECK(g["dtype"] == "fp32");
  CHECK(g["engine_dtype"] == "bf16");
  CHECK(g["fallback"] == true);
  CHECK(g["throughput"]["seconds"].get<double>() > 0);

  const testing::RunResult own =
      RunGemmsim({"estimate", "--machine", "systolic-128", "--shape",
                  "64x64x64", "--dtype", "fp32", "--json", json});
  REQUIRE(own.exit_code == 0);
  CHECK(own.out.find("->") == std::string::npos);
  CHECK(own.out.find("note:") == std::string::npos);
  const auto k = nlohmann::json::parse(ReadBytes(json));
  CHECK(k["gemms"][0]["engine_dtype"] == "fp32");
  CHECK(k["gemms"][0]["fallback"] == false);
}

// The issue's case: a default (fp32) PyTorch model's profiler trace.
TEST_CASE("estimate prices an fp32 PyTorch profiler trace on gaudi2") {
  TempDir dir;
  WriteBytes(dir.file("p.json"), R"([
{"ph": "X", "name": "aten::mm", "pid": 1, "tid": 1, "ts": 0, "dur": 5,
 "args": {"Input Dims": [[64, 128], [128, 256]],
          "Input type": ["float", "float"]}}
])");
  const testing::RunResult r =
      RunGemmsim({"estimate", "--machine", "gaudi2", dir.file("p.json"),
                  "--json", dir.file("r.json")});
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(ReadBytes(dir.file("r.json")));
  REQUIRE(j["gemms"].size() == 1);
  CHECK(j["gemms"][0]["dtype"] == "fp32");
  CHECK(j["gemms"][0]["engine_dtype"] == "bf16");
  CHECK(r.out.find("fp32->bf16") != std::string::npos);
}

}  // namespace
}  // namespace gemmsim::app
