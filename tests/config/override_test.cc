// `--set KEY=VALUE` (SPEC.md "Command line"): overrides edit the YAML tree
// before the schema reads it, so values may change shape, missing mappings
// are created, and errors in an overridden value name the override.
#include <doctest/doctest.h>

#include "app/config/numerics_file.h"
#include "datapaths/error.h"
#include "tests/config/config_test_util.h"

namespace gemmsim {
namespace {

using app::LoadNumerics;

// The message of the ConfigError that loading with `sets` throws.
std::string UsageError(const std::string& numerics,
                       const std::vector<std::string>& sets) {
  try {
    LoadNumerics(numerics, sets);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kUsage);
    return e.what();
  }
  FAIL("no error for --set overrides");
  return "";
}

TEST_CASE("a scalar is replaced by a mapping, and a mapping by a scalar") {
  const Numerics n = LoadNumerics(
      "fp8-acc-fp32",
      {"inputs.a={format: e5m2, rounding: stochastic, stochastic_bits: 8}",
       "output=fp16", "accumulate.block=8"});
  CHECK(n.a.format.name() == "e5m2");
  CHECK(n.a.encode.rounding.mode == Rounding::kStochastic);
  CHECK(n.a.encode.rounding.stochastic_bits == 8);
  CHECK(n.output.format.name() == "fp16");
  CHECK(n.output.rounding.mode == Rounding::kNearestEven);
  CHECK(n.accumulate.block == 8);
  // inputs.a and inputs.b share a YAML anchor in the file: only a changed.
  CHECK(n.b.format.name() == "e4m3fn");
  CHECK(n.b.encode.rounding.mode == Rounding::kNearestEven);
}

TEST_CASE("an override inside an aliased mapping changes only its path") {
  const Numerics n = LoadNumerics("h100-e4m3-fp32", {"inputs.a.format=e5m2"});
  CHECK(n.a.format.name() == "e5m2");
  CHECK(n.a.encode.overflow == Overflow::kSaturate);  // the rest kept
  CHECK(n.b.format.name() == "e4m3fn");
}

TEST_CASE("missing intermediate mappings are created") {
  const Numerics n = LoadNumerics(
      "fp8-acc-fp32",
      {"accumulate.promote.every=128", "accumulate.promote.format=e8m10"});
  REQUIRE(n.accumulate.promote.has_value());
  CHECK(n.accumulate.promote->every == 128);
  CHECK(n.accumulate.promote->format.name() == "e8m10");
  CHECK(n.accumulate.promote->rounding.mode == Rounding::kNearestEven);
  // The whole mapping at once, as SPEC.md writes it.
  const Numerics m = LoadNumerics(
      "h100-e4m3-fp32", {"accumulate.promote={every: 128, format: fp32}"});
  REQUIRE(m.accumulate.promote.has_value());
  CHECK(m.accumulate.promote->every == 128);
  CHECK(m.accumulate.promote->format.name() == "fp32");
  // null removes an optional key.
  const Numerics none =
      LoadNumerics("h100-e4m3-fp32",
                   {"accumulate.promote.every=64", "accumulate.promote=null",
                    "accumulate.min_alignment_exponent=null"});
  CHECK_FALSE(none.accumulate.promote.has_value());
  CHECK_FALSE(none.accumulate.min_alignment_exponent.has_value());
}

TEST_CASE("numbers, names and later overrides") {
  const Numerics n =
      LoadNumerics("h100-fp16-fp32", {"accumulate.extra_bits=-3", "seed=42",
                                      "accumulate.extra_bits=5",
                                      "accumulate.format=e8m7", "name=narrow"});
  CHECK(n.accumulate.extra_bits == 5);  // the later one wins
  CHECK(n.seed == 42);
  CHECK(n.accumulate.format.name() == "e8m7");
  CHECK(n.name == "narrow");
  CHECK(LoadNumerics("h100-fp16-fp32", {"accumulate.block=8"}).name ==
        "h100-fp16-fp32");
}

TEST_CASE("a shorthand format name takes keys below it") {
  testing::ScratchDir dir;
  const std::string path =
      dir.Write("short.yaml", "inputs: {a: e4m3fn, b: e4m3fn}\noutput: fp16\n");
  const Numerics n =
      LoadNumerics(path, {"inputs.a.rounding=rtz", "output.overflow=saturate"});
  CHECK(n.a.format.name() == "e4m3fn");
  CHECK(n.a.encode.rounding.mode == Rounding::kTowardZero);
  CHECK(n.b.encode.rounding.mode == Rounding::kNearestEven);
  CHECK(n.output.format.name() == "fp16");
  CHECK(n.output.overflow == Overflow::kSaturate);
  CHECK(n.name == path);
}

TEST_CASE("null removes a key, even one the schema does not know") {
  testing::ScratchDir dir;
  const std::string path =
      dir.Write("typo.yaml", "accumulate:\n  blok: 3\n  block: 2\n");
  const Numerics n = LoadNumerics(path, {"accumulate.blok=null"});
  CHECK(n.accumulate.block == 2);
  CHECK(LoadNumerics(path, {"accumulate.blok=", "accumulate.block=null"})
            .accumulate.block == 1);
}

TEST_CASE("bad overrides are configuration errors naming the override") {
  struct Case {
    const char* set;
    const char* expect;  // a part of the message
  };
  const Case cases[] = {
      {"accumulate.block", "expected KEY=VALUE"},
      {"=3", "key before '=' is empty"},
      {"accumulate..block=3", "empty part"},
      {"accumulate.block.size=3", "'accumulate.block' holds '32'"},
      {"accumulate.promote={every: [", "not valid YAML"},
      {"accumulate.block=0", "accumulate.block: expected an integer"},
      {"accumulate.blok=4", "did you mean 'block'"},
      {"inputs.a.format=e9m9x", "inputs.a.format: unknown format"},
      {"accumulate.promote.format=fp32", "accumulate.promote: missing key"},
  };
  int checked = 0;
  for (const Case& c : cases) {
    CAPTURE(c.set);
    const std::string message = UsageError("h100-e4m3-fp32", {c.set});
    CAPTURE(message);
    CHECK(message.find(c.set) != std::string::npos);
    CHECK(message.find(c.expect) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 9);
}

}  // namespace
}  // namespace gemmsim
