// The bundled numerics presets (SPEC.md "Accumulation", required presets):
// every required name exists, every file loads, the tensor-core presets
// carry the published block-FMA parameters, and every preset survives the
// round trip through NumericsToYaml.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>

#include "app/config/numerics_file.h"
#include "app/config/numerics_schema.h"
#include "tests/config/config_test_util.h"

namespace gemmsim {
namespace {

using app::LoadNumerics;

// One tensor-core preset and the block-FMA parameters it must carry.
struct TensorCore {
  const char* name;
  const char* input_format;  // gemmsim's name for the preset's input
  const char* output;        // fp32 or fp16
  int n, neab;
  std::optional<int> min_alignment_exponent;
};

// Written out, not generated, so that a missing file is a visible failure.
const TensorCore kTensorCores[] = {
    {"v100-fp16-fp32", "fp16", "fp32", 4, 0, std::nullopt},
    {"v100-fp16-fp16", "fp16", "fp16", 4, 0, -19},
    {"a100-fp16-fp32", "fp16", "fp32", 8, 1, -132},
    {"a100-fp16-fp16", "fp16", "fp16", 8, 1, -20},
    {"a100-bf16-fp32", "bf16", "fp32", 8, 1, -132},
    {"a100-tf32-fp32", "tf32", "fp32", 4, 1, -132},
    {"a2-fp16-fp32", "fp16", "fp32", 8, 1, -132},
    {"a2-fp16-fp16", "fp16", "fp16", 8, 1, -20},
    {"a2-bf16-fp32", "bf16", "fp32", 8, 1, -132},
    {"a2-tf32-fp32", "tf32", "fp32", 4, 1, -132},
    {"a30-fp16-fp32", "fp16", "fp32", 8, 1, -132},
    {"a30-fp16-fp16", "fp16", "fp16", 8, 1, -20},
    {"a30-bf16-fp32", "bf16", "fp32", 8, 1, -132},
    {"a30-tf32-fp32", "tf32", "fp32", 4, 1, -132},
    {"ada-fp16-fp32", "fp16", "fp32", 8, 1, -132},
    {"ada-fp16-fp16", "fp16", "fp16", 8, 1, -20},
    {"ada-bf16-fp32", "bf16", "fp32", 8, 1, -132},
    {"ada-tf32-fp32", "tf32", "fp32", 4, 1, -132},
    {"ada-e4m3-fp32", "e4m3fn", "fp32", 16, -10, -132},
    {"ada-e5m2-fp32", "e5m2", "fp32", 16, -10, -132},
    {"ada-e4m3-fp16", "e4m3fn", "fp16", 16, -10, -132},
    {"ada-e5m2-fp16", "e5m2", "fp16", 16, -10, -132},
    {"l40s-fp16-fp32", "fp16", "fp32", 8, 1, -132},
    {"l40s-fp16-fp16", "fp16", "fp16", 8, 1, -20},
    {"l40s-bf16-fp32", "bf16", "fp32", 8, 1, -132},
    {"l40s-tf32-fp32", "tf32", "fp32", 4, 1, -132},
    {"l40s-e4m3-fp32", "e4m3fn", "fp32", 16, -10, -132},
    {"l40s-e5m2-fp32", "e5m2", "fp32", 16, -10, -132},
    {"l40s-e4m3-fp16", "e4m3fn", "fp16", 16, -10, -132},
    {"l40s-e5m2-fp16", "e5m2", "fp16", 16, -10, -132},
    {"h100-fp16-fp32", "fp16", "fp32", 16, 2, -133},
    {"h100-fp16-fp16", "fp16", "fp16", 16, 2, -21},
    {"h100-bf16-fp32", "bf16", "fp32", 16, 2, -133},
    {"h100-tf32-fp32", "tf32", "fp32", 8, 2, -133},
    {"h100-e4m3-fp32", "e4m3fn", "fp32", 32, -10, -133},
    {"h100-e5m2-fp32", "e5m2", "fp32", 32, -10, -133},
    {"h200-fp16-fp32", "fp16", "fp32", 16, 2, -133},
    {"h200-fp16-fp16", "fp16", "fp16", 16, 2, -21},
    {"h200-bf16-fp32", "bf16", "fp32", 16, 2, -133},
    {"h200-tf32-fp32", "tf32", "fp32", 8, 2, -133},
    {"h200-e4m3-fp32", "e4m3fn", "fp32", 32, -10, -133},
    {"h200-e5m2-fp32", "e5m2", "fp32", 32, -10, -133},
    {"b200-fp16-fp32", "fp16", "fp32", 16, 2, -133},
    {"b200-fp16-fp16", "fp16", "fp16", 16, 2, -21},
    {"b200-bf16-fp32", "bf16", "fp32", 16, 2, -133},
    {"b200-tf32-fp32", "tf32", "fp32", 8, 2, -133},
    // c enters after the block (kAfterBlockPresets); see the files.
    {"b200-e4m3-fp32", "e4m3fn", "fp32", 32, 2, -133},
    {"b200-e5m2-fp32", "e5m2", "fp32", 32, 2, -133},
};

// The tensor-core presets whose block sums the products without c and then
// adds c with one round-to-nearest-even (B200 FP8); every other one adds c
// inside the block's multi-term addition.
const char* const kAfterBlockPresets[] = {"b200-e4m3-fp32", "b200-e5m2-fp32"};

bool IsAfterBlock(const char* name) {
  return std::any_of(std::begin(kAfterBlockPresets),
                     std::end(kAfterBlockPresets),
                     [&](const char* p) { return std::string(p) == name; });
}

// The other required presets: Gaudi and the idealised designs.
struct Plain {
  const char* name;
  const char* input_format;
  const char* accumulator;
  int block;
  const char* output;
};

const Plain kPlain[] = {
    {"gaudi2-e4m3-fp32", "e4m3fnuz", "fp32", 1, "fp32"},
    {"gaudi2-bf16-fp32", "bf16", "fp32", 1, "fp32"},
    {"gaudi3-e4m3-fp32", "e4m3fn", "fp32", 1, "fp32"},
    {"gaudi3-bf16-fp32", "bf16", "fp32", 1, "fp32"},
    {"fp8-acc-fp32", "e4m3fn", "fp32", 1, "fp32"},
    {"fp8-acc-fp16", "e4m3fn", "fp16", 1, "fp16"},
    {"fp8-acc-bf16", "e4m3fn", "bf16", 1, "bf16"},
    {"exact", "e4m3fn", "fp32", app::kBlockAll, "fp32"},
};

TEST_CASE("every required preset is bundled") {
  const std::vector<std::string> names = app::NumericsPresetNames();
  auto has = [&](const char* name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  int checked = 0;
  for (const TensorCore& t : kTensorCores) {
    CAPTURE(t.name);
    CHECK(has(t.name));
    ++checked;
  }
  for (const Plain& p : kPlain) {
    CAPTURE(p.name);
    CHECK(has(p.name));
    ++checked;
  }
  CHECK(checked == 56);
  CHECK(names.size() >= 56);
  // No H100 FP8 preset with fp16 output: that path is an open question.
  CHECK_FALSE(has("h100-e4m3-fp16"));
}

TEST_CASE("every preset file loads and is named after its file") {
  int loaded = 0;
  const std::vector<std::string> names = app::NumericsPresetNames();
  for (const std::string& name : names) {
    CAPTURE(name);
    const Numerics n = LoadNumerics(name);
    CHECK(n.name == name);
    ++loaded;
  }
  CHECK(loaded == static_cast<int>(names.size()));
}

TEST_CASE("tensor-core presets carry the block-FMA parameters") {
  int checked = 0, after_block = 0;
  for (const TensorCore& t : kTensorCores) {
    CAPTURE(t.name);
    const Numerics n = LoadNumerics(t.name);
    const bool fp16_out = std::string(t.output) == "fp16";
    const bool tf32 = std::string(t.input_format) == "tf32";
    CHECK(n.a.format.name() == t.input_format);
    CHECK(n.b.format.name() == t.input_format);
    CHECK(n.a.encode.rounding.mode ==
          (tf32 ? Rounding::kTowardZero : Rounding::kNearestEven));
    const AccumulateSpec& acc = n.accumulate;
    CHECK(acc.format.name() == t.output);
    CHECK(acc.block == t.n);
    CHECK(acc.alignment == Alignment::kTruncate);
    CHECK(acc.extra_bits == t.neab);
    CHECK(acc.adder_fraction_bits == 23);
    CHECK_FALSE(acc.sticky);
    CHECK(acc.rounding.mode ==
          (fp16_out ? Rounding::kNearestEven : Rounding::kTowardZero));
    CHECK(acc.overflow == Overflow::kInfinity);
    CHECK(acc.order == Order::kSequential);
    CHECK(acc.accumulator_entry == (IsAfterBlock(t.name)
                                        ? AccumulatorEntry::kAfterBlock
                                        : AccumulatorEntry::kInBlock));
    CHECK(acc.after_block_rounding.mode == Rounding::kNearestEven);
    after_block += acc.accumulator_entry == AccumulatorEntry::kAfterBlock;
    CHECK_FALSE(acc.promote.has_value());
    CHECK(acc.min_alignment_exponent == t.min_alignment_exponent);
    CHECK(acc.subnormal_inputs);
    CHECK(acc.subnormal_outputs);
    CHECK(n.output.format.name() == t.output);
    CHECK(n.output.rounding.mode == Rounding::kNearestEven);
    ++checked;
  }
  CHECK(checked == 48);
  CHECK(after_block == 2);
}

TEST_CASE("Gaudi and idealised presets: plain sequential RNE accumulators") {
  int checked = 0;
  for (const Plain& p : kPlain) {
    CAPTURE(p.name);
    const Numerics n = LoadNumerics(p.name);
    CHECK(n.a.format.name() == p.input_format);
    CHECK(n.b.format.name() == p.input_format);
    CHECK(n.accumulate.format.name() == p.accumulator);
    CHECK(n.accumulate.block == p.block);
    CHECK(n.accumulate.alignment == Alignment::kExact);
    CHECK(n.accumulate.rounding.mode == Rounding::kNearestEven);
    CHECK(n.accumulate.order == Order::kSequential);
    CHECK(n.accumulate.accumulator_entry == AccumulatorEntry::kInBlock);
    CHECK_FALSE(n.accumulate.promote.has_value());
    CHECK(n.output.format.name() == p.output);
    ++checked;
  }
  CHECK(checked == 8);
  // Gaudi 2's E4M3: bias 8, max 240 (SPEC.md).
  const Numerics g2 = LoadNumerics("gaudi2-e4m3-fp32");
  CHECK(g2.a.format.layout().bias == 8);
  CHECK(g2.a.format.max_finite() == 240.0);
}

TEST_CASE("every preset survives the round trip through YAML") {
  testing::ScratchDir dir;
  int checked = 0;
  const std::vector<std::string> names = app::NumericsPresetNames();
  for (const std::string& name : names) {
    CAPTURE(name);
    const Numerics n = LoadNumerics(name);
    const std::string yaml = app::NumericsToYaml(n);
    CAPTURE(yaml);
    const Numerics back = LoadNumerics(dir.Write(name + ".yaml", yaml));
    testing::CheckSameNumerics(n, back);
    CHECK(app::NumericsToYaml(back) == yaml);
    ++checked;
  }
  CHECK(checked == static_cast<int>(names.size()));
}

TEST_CASE("the round trip keeps what presets leave at their defaults") {
  // Non-default values everywhere a preset has none: promote, stochastic
  // rounding, seeds, custom formats, integer accumulators, scaling.
  testing::ScratchDir dir;
  const std::vector<std::vector<std::string>> variants = {
      {"accumulate.promote={every: 128, format: fp32, rounding: rtz}",
       "accumulate.format=e5m7", "seed=18446744073709551615"},
      {"accumulate.rounding=stochastic", "accumulate.stochastic_bits=12",
       "accumulate.order=pairwise", "accumulate.block=4",
       "accumulate.sticky=true"},
      {"accumulate.format={exponent_bits: 4, mantissa_bits: 3, bias: 11, "
       "specials: fnuz, subnormals: false}",
       "output={format: e4m3_b3_fnuz, rounding: rna, overflow: saturate}"},
      {"accumulate.format=int24", "accumulate.overflow=saturate",
       "inputs.a={format: int8}", "inputs.b={format: int8}"},
      {"inputs.a={format: e2m1fn, scaling: nvfp4}",
       "inputs.b={format: e4m3fn, scaling: per_tensor, power_of_two: true}",
       "name=my design"},
      {"accumulate.accumulator_entry=after_block",
       "accumulate.after_block_rounding=stochastic",
       "accumulate.after_block_stochastic_bits=9", "accumulate.block=4"},
      {"accumulate.after_block_rounding=rto"},  // kept while unused
  };
  int checked = 0;
  for (const auto& sets : variants) {
    const Numerics n = LoadNumerics("fp8-acc-fp32", sets);
    const std::string yaml = app::NumericsToYaml(n);
    CAPTURE(yaml);
    const Numerics back = LoadNumerics(dir.Write("variant.yaml", yaml));
    testing::CheckSameNumerics(n, back);
    ++checked;
  }
  CHECK(checked == 7);
}

TEST_CASE("NumericsToJson writes every field with the formats' layouts") {
  const nlohmann::json j = app::NumericsToJson(LoadNumerics("h100-e4m3-fp32"));
  CHECK(j["name"] == "h100-e4m3-fp32");
  CHECK(j["inputs"]["a"]["format"]["name"] == "e4m3fn");
  CHECK(j["inputs"]["a"]["format"]["bias"] == 7);
  CHECK(j["inputs"]["a"]["format"]["max_finite"] == 448.0);
  CHECK(j["inputs"]["b"]["overflow"] == "saturate");
  CHECK(j["accumulate"]["block"] == 32);
  CHECK(j["accumulate"]["alignment"] == "truncate");
  CHECK(j["accumulate"]["extra_bits"] == -10);
  CHECK(j["accumulate"]["adder_fraction_bits"] == 23);
  CHECK(j["accumulate"]["rounding"] == "rtz");
  CHECK(j["accumulate"]["overflow"] == "infinity");
  CHECK(j["accumulate"]["min_alignment_exponent"] == -133);
  CHECK(j["accumulate"]["promote"].is_null());
  CHECK(j["accumulate"]["accumulator_entry"] == "in_block");
  CHECK(j["accumulate"]["after_block_rounding"] == "rne");
  CHECK(j["accumulate"]["after_block_stochastic_bits"] == 32);
  const nlohmann::json b = app::NumericsToJson(LoadNumerics("b200-e5m2-fp32"));
  CHECK(b["accumulate"]["accumulator_entry"] == "after_block");
  CHECK(b["accumulate"]["after_block_rounding"] == "rne");
  CHECK(b["accumulate"]["rounding"] == "rtz");
  CHECK(j["accumulate"]["format"]["mantissa_bits"] == 23);
  CHECK(j["output"]["format"]["name"] == "fp32");
  CHECK(j["seed"] == 0);
  CHECK(app::NumericsToJson(LoadNumerics("exact"))["accumulate"]["block"] ==
        "all");
  const nlohmann::json i = app::NumericsToJson(LoadNumerics(
      "fp8-acc-fp32", {"accumulate.format=int32", "accumulate.overflow=wrap"}));
  CHECK(i["accumulate"]["format"]["kind"] == "integer");
  CHECK(i["accumulate"]["overflow"] == "wrap");
}

}  // namespace
}  // namespace gemmsim
