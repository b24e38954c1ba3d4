// Throughput follows the operand formats (SPEC.md "Machines and
// throughput"): packed sub-byte elements plus block-scale bytes, every
// format name as a dtype, fp6/fp4 engines where a machine has them and the
// fp8 engines where it does not; the b200 and mi300x presets' peaks.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "app/config/machine_file.h"
#include "datapaths/formats/format.h"
#include "models/cost/cost_model.h"
#include "tests/cli/run_gemmsim.h"
#include "tests/cost/gemm_shape.h"

namespace gemmsim::app {
namespace {

using testing::ReadBytes;
using testing::RunGemmsim;
using testing::TempDir;

using cost::Shape;

TEST_CASE("every format name is a dtype, its bytes its bits packed") {
  int cases = 0;
  for (const std::string& name : SpecFormatNames()) {
    CAPTURE(name);
    CHECK(!cost::CanonicalDtype(name).empty());
    // tf32 (19 bits) is stored as fp32.
    const double bits = name == "tf32" ? 32 : FormatByName(name).bits();
    CHECK(cost::DtypeBytes(name) == bits / 8);
    CHECK(cost::DtypeChoices().find(name) != std::string::npos);
    ++cases;
  }
  CHECK(cases == 19);
  CHECK(cost::CanonicalDtype("e2m1fn") == "fp4");
  CHECK(cost::CanonicalDtype("e3m2fn") == "fp6");
  CHECK(cost::CanonicalDtype("mxfp6") == "fp6");
  CHECK(cost::CanonicalDtype("nvfp4") == "fp4");
  CHECK(cost::CanonicalDtype("fp5").empty());
}

// By hand, 4096^3 on b200 (126 MB SRAM: both operands fit, read once),
// output bf16 (2 bytes) for every sub-16-bit input.
TEST_CASE("bytes of block-scaled and packed GEMMs, counted by hand") {
  const cost::Machine b200 = LoadMachine("b200");
  const double n = 4096, out = n * n * 2;
  const auto bytes = [&](const char* dtype) {
    return cost::EstimateGemm(b200, Shape(4096, 4096, 4096, dtype)).bytes;
  };
  // A and B: 0.5 B per element; scales M*K/16 + K*N/16 E4M3 and 2 x FP32.
  CHECK(bytes("nvfp4") == 2 * (n * n / 2 + n * n / 16) + 2 * 4 + out);
  CHECK(bytes("nvfp4") == 52428808);
  CHECK(bytes("mxfp4") == 2 * (n * n / 2 + n * n / 32) + out);
  CHECK(bytes("e2m1fn") == 2 * (n * n / 2) + out);
  CHECK(bytes("e3m2fn") == 2 * (n * n * 3 / 4) + out);
  CHECK(bytes("mxfp6") == 2 * (n * n * 3 / 4 + n * n / 32) + out);
  CHECK(bytes("mxfp8") == 2 * (n * n + n * n / 32) + out);
  CHECK(bytes("e4m3fn") == 2 * n * n + out);
  CHECK(bytes("bf16") == 3 * n * n * 2);
  // A partial block along K still has its scale: K = 17 is 2 blocks of 16.
  const double small =
      cost::EstimateGemm(b200, Shape(16, 16, 17, "nvfp4")).bytes;
  CHECK(small == 2 * (16 * 17 * 0.5 + 16 * 2 + 4) + 16 * 16 * 2);
}

TEST_CASE("fp4 and fp6 run on their engines, else on fp8 engines") {
  const cost::Machine b200 = LoadMachine("b200");
  const cost::Machine h100 = LoadMachine("h100");
  const cost::Machine mi300x = LoadMachine("mi300x");
  const auto engine = [](const cost::Machine& m, const char* dtype) {
    return cost::EstimateGemm(m, Shape(4096, 4096, 4096, dtype)).engine_dtype;
  };
  CHECK(engine(b200, "nvfp4") == "fp4");
  CHECK(engine(b200, "e2m1fn") == "fp4");
  CHECK(engine(b200, "mxfp6") == "fp6");
  CHECK(engine(b200, "mxfp8") == "fp8");
  CHECK(engine(h100, "e2m1fn") == "fp8");
  CHECK(engine(h100, "e2m3fn") == "fp8");
  CHECK(engine(mi300x, "nvfp4") == "fp8");
  // int4 falls back to int8 engines, and without those (h100) to bf16.
  CHECK(engine(LoadMachine("systolic-128"), "int4") == "int8");
  CHECK(engine(h100, "int4") == "bf16");
  // On the fp8 engines, fp4 computes as fp8 does but moves fewer bytes.
  const cost::Cost fp4 =
      cost::EstimateGemm(h100, Shape(4096, 4096, 4096, "e2m1fn"));
  const cost::Cost fp8 =
      cost::EstimateGemm(h100, Shape(4096, 4096, 4096, "e4m3fn"));
  CHECK(fp4.compute_seconds == fp8.compute_seconds);
  CHECK(fp4.bytes < fp8.bytes);
  // fp4 engines on b200 are twice its fp8 engines.
  CHECK(cost::PeakTflops(b200, "nvfp4") ==
        doctest::Approx(2 * cost::PeakTflops(b200, "fp8")));
}

TEST_CASE("b200 and mi300x peaks are the vendor figures") {
  const cost::Machine b200 = LoadMachine("b200");
  CHECK(cost::PeakTflops(b200, "e2m1fn") ==
        doctest::Approx(9000).epsilon(0.002));
  CHECK(cost::PeakTflops(b200, "e3m2fn") ==
        doctest::Approx(4500).epsilon(0.002));
  CHECK(cost::PeakTflops(b200, "fp8") == doctest::Approx(4500).epsilon(0.002));
  CHECK(cost::PeakTflops(b200, "bf16") == doctest::Approx(2250).epsilon(0.002));
  // 2048 MACs per SM: 1125, NVIDIA's "1.1 PFLOP/s".
  CHECK(cost::PeakTflops(b200, "tf32") == doctest::Approx(1100).epsilon(0.03));
  const cost::Machine mi = LoadMachine("mi300x");
  CHECK(cost::PeakTflops(mi, "bf16") == doctest::Approx(1307.4).epsilon(0.002));
  CHECK(cost::PeakTflops(mi, "fp8") == doctest::Approx(2614.9).epsilon(0.002));
  CHECK(cost::PeakTflops(mi, "tf32") == doctest::Approx(653.7).epsilon(0.002));
  CHECK(cost::PeakTflops(mi, "fp32") == doctest::Approx(163.4).epsilon(0.002));
  CHECK(b200.memory_bandwidth_gbs == 8000);
  CHECK(mi.memory_bandwidth_gbs == 5300);
  CHECK(mi.sram_bytes == 256000000);
}

// `gemmsim estimate --dtype` end to end.
TEST_CASE("estimate --dtype takes sub-byte and block-scaled formats") {
  TempDir dir;
  const std::string json = dir.file("r.json");
  for (const char* dtype : {"e2m1fn", "nvfp4"}) {
    CAPTURE(dtype);
    const testing::RunResult r =
        RunGemmsim({"estimate", "--machine", "b200", "--shape",
                    "4096x4096x4096", "--dtype", dtype, "--json", json});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("note:") == std::string::npos);
    const auto g = nlohmann::json::parse(ReadBytes(json))["gemms"][0];
    CHECK(g["engine_dtype"] == "fp4");
    CHECK(g["fallback"] == false);
    const double tflops = g["throughput"]["tflops"].get<double>();
    CHECK(std::isfinite(tflops));
    CHECK(tflops > 1000);
    CHECK(tflops <= 9000);
  }
  const testing::RunResult h =
      RunGemmsim({"estimate", "--machine", "h100", "--shape", "4096x4096x4096",
                  "--dtype", "e2m1fn", "--json", json});
  REQUIRE(h.exit_code == 0);
  CHECK(h.out.find("note: e2m1fn has no engines on h100: its GEMMs ran on "
                   "the fp8 engines (engine.fallback.fp4)") !=
        std::string::npos);
  CHECK(nlohmann::json::parse(ReadBytes(json))["gemms"][0]["engine_dtype"] ==
        "fp8");

  const testing::RunResult bad = RunGemmsim(
      {"estimate", "--machine", "b200", "--shape", "8x8x8", "--dtype", "fp5"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--dtype 'fp5': expected one of bf16, fp16") !=
        std::string::npos);
  for (const char* name : {"e2m1fn", "e3m2fn", "int4", "mxfp8", "nvfp4"})
    CHECK(bad.err.find(name) != std::string::npos);
}

}  // namespace
}  // namespace gemmsim::app
