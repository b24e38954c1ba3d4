// Bad numerics files (SPEC.md "Command line": exit codes and messages): a
// configuration error (exit 2) whose message names the file, the line and
// the key path; an unreadable file is an input-file error (exit 3).
#include <doctest/doctest.h>

#include "app/config/numerics_file.h"
#include "datapaths/error.h"
#include "tests/config/config_test_util.h"

namespace gemmsim {
namespace {

using app::LoadNumerics;

struct Thrown {
  ExitCode code = ExitCode::kOk;
  std::string message;
};

Thrown Load(const std::string& name_or_path) {
  try {
    LoadNumerics(name_or_path);
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {};
}

struct BadFile {
  const char* what;
  const char* yaml;
  int line;          // where the error is
  const char* path;  // the key path the message names ("" for syntax)
  const char* also;  // another part the message must hold
};

const BadFile kBadFiles[] = {
    {"unknown key", "accumulate:\n  format: fp32\n  blok: 4\n", 3,
     "accumulate.blok", "did you mean 'block'"},
    {"unknown top-level key", "input:\n  a: e4m3fn\n", 1, "input",
     "expected one of: name, seed, inputs, accumulate, output"},
    {"bad format name", "inputs:\n  a: e9m9x\n", 2, "inputs.a",
     "unknown format 'e9m9x'"},
    {"block 0", "accumulate:\n  block: 0\n", 2, "accumulate.block",
     "expected an integer >= 1, or all, got '0'"},
    {"a list for a format", "accumulate:\n  format: [fp32, fp16]\n", 2,
     "accumulate.format", "got a list"},
    {"text for an integer", "accumulate:\n  extra_bits: abc\n", 2,
     "accumulate.extra_bits", "expected an integer"},
    {"stochastic_bits 40",
     "accumulate:\n  rounding: stochastic\n  stochastic_bits: 40\n", 3,
     "accumulate.stochastic_bits", "from 1 to 32"},
    {"malformed YAML", "accumulate:\n  block: [1, 2\n  order: sequential\n", 3,
     "", "not valid YAML"},
    {"mx scaling on fp16", "inputs:\n  a: {format: fp16, scaling: mx}\n", 2,
     "inputs.a.scaling", "mx"},
    {"unknown rounding", "output:\n  format: fp32\n  rounding: nearest\n", 3,
     "output.rounding",
     "expected rne, rna, rtz, rup, rdown, rto or stochastic"},
    {"promote every 0", "accumulate:\n  promote: {every: 0}\n", 2,
     "accumulate.promote.every", "expected an integer >= 1"},
    {"integer overflow on a float accumulator",
     "accumulate:\n  format: fp32\n  overflow: wrap\n", 3,
     "accumulate.overflow", "ieee, saturate or infinity"},
    {"float overflow on an integer accumulator",
     "accumulate:\n  format: int32\n  overflow: ieee\n", 3,
     "accumulate.overflow", "wrap or saturate"},
    {"format mapping out of range",
     "accumulate:\n  format: {exponent_bits: 12, mantissa_bits: 3}\n", 2,
     "accumulate.format.exponent_bits", "from 1 to 11"},
    {"power_of_two without per_tensor",
     "inputs:\n  a: {format: e4m3fn, power_of_two: true}\n", 2, "inputs.a",
     "per_tensor"},
    {"negative seed", "seed: -1\n", 1, "seed", "non-negative integer"},
    {"truncation keeping no bits",
     "accumulate:\n  alignment: truncate\n  extra_bits: -30\n", 3,
     "accumulate.extra_bits", "expected at least 0"},
    {"repeated key", "accumulate:\n  block: 2\n  block: 4\n", 3,
     "accumulate.block", "repeated key"},
    {"input mapping without a format", "inputs:\n  b:\n    rounding: rtz\n", 3,
     "inputs.b", "missing key 'format'"},
    {"a list for the document", "- inputs\n- output\n", 1, "",
     "expected a numerics mapping"},
    {"unknown accumulator entry",
     "accumulate:\n  block: 32\n  accumulator_entry: after\n", 3,
     "accumulate.accumulator_entry", "expected in_block or after_block"},
    {"unknown after-block rounding",
     "accumulate:\n  accumulator_entry: after_block\n"
     "  after_block_rounding: nearest\n",
     3, "accumulate.after_block_rounding",
     "expected rne, rna, rtz, rup, rdown, rto or stochastic"},
    {"after-block stochastic_bits 0",
     "accumulate:\n  after_block_rounding: stochastic\n"
     "  after_block_stochastic_bits: 0\n",
     3, "accumulate.after_block_stochastic_bits", "from 1 to 32"},
    // Issue 11, finding 3: pairwise at block 1 silently equalled sequential.
    {"pairwise at block 1", "accumulate:\n  order: pairwise\n", 2,
     "accumulate.order", "the same as sequential"},
    {"pairwise at an explicit block 1",
     "accumulate:\n  block: 1\n  order: pairwise\n", 3, "accumulate.order",
     "expected accumulate.block > 1"},
    // Products are exact for significands of at most 32 bits.
    {"fp64 inputs", "inputs:\n  a: fp64\n", 2, "inputs.a",
     "an input format of 53 significand bits: expected at most 32"},
    {"int64 inputs", "inputs:\n  b: {format: int64}\n", 2, "inputs.b.format",
     "expected at most 32"},
    {"misspelt after-block key", "accumulate:\n  after_block_roundin: rne\n", 2,
     "accumulate.after_block_roundin", "did you mean 'after_block_rounding'"},
    // accumulate.block_scale block_sum (issue 12): block scales applied to
    // block sums need block-scaled inputs, an after-block entry, and blocks
    // inside one scale block.
    {"block_sum without block scales",
     "accumulate:\n  block: 32\n  accumulator_entry: after_block\n"
     "  block_scale: block_sum\n",
     4, "accumulate.block_scale", "neither input has any"},
    {"block_sum in the block",
     "inputs:\n  a: {format: e4m3fn, scaling: mx}\n"
     "accumulate:\n  block: 32\n  block_scale: block_sum\n",
     5, "accumulate.block_scale", "accumulator_entry: after_block"},
    {"block_sum across scale blocks",
     "inputs:\n  a: {format: e2m1fn, scaling: nvfp4}\n"
     "  b: {format: e2m1fn, scaling: nvfp4}\n"
     "accumulate:\n  block: 32\n  accumulator_entry: after_block\n"
     "  block_scale: block_sum\n",
     7, "accumulate.block_scale", "expected a divisor of 16"},
    {"block_sum with two block sizes",
     "inputs:\n  a: {format: e4m3fn, scaling: mx}\n"
     "  b: {format: e2m1fn, scaling: nvfp4}\n"
     "accumulate:\n  block: 16\n  accumulator_entry: after_block\n"
     "  block_scale: block_sum\n",
     7, "accumulate.block_scale", "the same scaling on both inputs"},
    {"unknown block_scale", "accumulate:\n  block_scale: sum\n", 2,
     "accumulate.block_scale", "expected product or block_sum"},
};

TEST_CASE("each bad numerics file names its file, line and key path") {
  testing::ScratchDir dir;
  int checked = 0;
  for (const BadFile& bad : kBadFiles) {
    CAPTURE(bad.what);
    const std::string path =
        dir.Write("bad-" + std::to_string(checked) + ".yaml", bad.yaml);
    const Thrown t = Load(path);
    CAPTURE(t.message);
    CHECK(t.code == ExitCode::kUsage);
    CHECK(t.message.find(path) != std::string::npos);
    CHECK(t.message.find("line " + std::to_string(bad.line)) !=
          std::string::npos);
    if (*bad.path) {
      CHECK(t.message.find(std::string(bad.path) + ":") != std::string::npos);
    }
    CHECK(t.message.find(bad.also) != std::string::npos);
    ++checked;
  }
  CHECK(checked == 33);
}

TEST_CASE("a file that cannot be read is an input-file error") {
  testing::ScratchDir dir;
  const std::string missing = dir.path() + "/missing.yaml";
  const Thrown t = Load(missing);
  CHECK(t.code == ExitCode::kInputFile);
  CHECK(t.message.find(missing) != std::string::npos);
  CHECK(Load(dir.path() + "/").code == ExitCode::kInputFile);  // a directory
}

TEST_CASE("an unknown preset suggests the nearest, not all of them") {
  const Thrown t = Load("h100-e4m3-fp64");
  CHECK(t.code == ExitCode::kUsage);
  CHECK(t.message.find("unknown numerics preset 'h100-e4m3-fp64'; did you "
                       "mean 'h100-e4m3-fp32'?") != std::string::npos);
  CHECK(t.message.find("gaudi2-bf16-fp32") == std::string::npos);
  // Where the rest are, and how many.
  CHECK(t.message.find("presets: ls ") != std::string::npos);
  CHECK(t.message.find("configs/numerics") != std::string::npos);
}

TEST_CASE("an empty file is a configuration error") {
  testing::ScratchDir dir;
  const Thrown t = Load(dir.Write("empty.yaml", "# nothing here\n"));
  CHECK(t.code == ExitCode::kUsage);
  CHECK(t.message.find("empty") != std::string::npos);
}

}  // namespace
}  // namespace gemmsim
