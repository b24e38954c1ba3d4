// The block-FMA datapath reproduces real NVIDIA tensor-core results bit for
// bit: every sample of every capture set with a published model (fp32
// output for all inputs, fp16 output for fp16 inputs). Parameters are those
// of Khattak & Mikaitis' published models (tests/data/tensor-cores/README.md),
// written here in C++ so this test does not depend on the preset files.
#include <doctest/doctest.h>

#include <bit>
#include <optional>

#include "datapaths/arithmetic/dot_product.h"
#include "tests/arithmetic/capture_reader.h"

namespace gemmsim {
namespace {

struct Model {
  const char* gpu;
  const char* folder;  // capture folder name
  const char* input;   // gemmsim format name
  const char* output;  // fp32 or fp16
  int n, neab;
  std::optional<int> min_alignment_exponent;
  bool c_is_zero;  // H100 FP8 captures used WGMMA with zero accumulator
};

Numerics MakeNumerics(const Model& m) {
  Numerics n;
  n.a.format = n.b.format = FormatByName(m.input);
  const bool fp16_out = std::string(m.output) == "fp16";
  AccumulateSpec& acc = n.accumulate;
  acc.format = FormatByName(m.output);
  acc.block = m.n;
  acc.alignment = Alignment::kTruncate;
  acc.extra_bits = m.neab;
  acc.adder_fraction_bits = 23;
  acc.rounding.mode = fp16_out ? Rounding::kNearestEven : Rounding::kTowardZero;
  acc.overflow = Overflow::kInfinity;
  acc.min_alignment_exponent = m.min_alignment_exponent;
  n.output.format = FormatByName(m.output);
  return n;
}

// Returns the number of samples that matched; counts them in *samples.
int RunCaptureSet(const Model& m, int* samples, bool report = true) {
  const testing::CaptureSet set =
      testing::ReadCaptures(m.gpu, m.folder, m.output);
  int reported = 0;
  const int matched = testing::CountCaptureMatches(
      set, MakeNumerics(m), m.c_is_zero, [&](size_t i, float got, float want) {
        if (report && reported++ < 5)
          MESSAGE(std::string(m.gpu)
                  << " " << m.folder << " -> " << m.output << " sample " << i
                  << ": got " << got << " want " << want);
      });
  *samples += static_cast<int>(set.size());
  return matched;
}

const Model kModels[] = {
    {"V100", "fp16", "fp16", "fp32", 4, 0, std::nullopt, false},
    {"V100", "fp16", "fp16", "fp16", 4, 0, -19, false},
    {"A100", "fp16", "fp16", "fp32", 8, 1, -132, false},
    {"A100", "fp16", "fp16", "fp16", 8, 1, -20, false},
    {"A100", "bf16", "bf16", "fp32", 8, 1, -132, false},
    {"A100", "tf32", "tf32", "fp32", 4, 1, -132, false},
    {"H100", "fp16", "fp16", "fp32", 16, 2, -133, false},
    {"H100", "fp16", "fp16", "fp16", 16, 2, -21, false},
    {"H100", "bf16", "bf16", "fp32", 16, 2, -133, false},
    {"H100", "tf32", "tf32", "fp32", 8, 2, -133, false},
    {"H100", "E4M3", "e4m3fn", "fp32", 32, -10, -133, true},
    {"H100", "E5M2", "e5m2", "fp32", 32, -10, -133, true},
};

TEST_CASE("block-FMA models reproduce every tensor-core capture bit for bit") {
  int samples = 0, sets = 0;
  for (const Model& m : kModels) {
    const std::string name =
        std::string(m.gpu) + " " + m.folder + " -> " + m.output;
    CAPTURE(name);
    int set_samples = 0;
    CHECK(RunCaptureSet(m, &set_samples) == 5000);
    CHECK(set_samples == 5000);
    samples += set_samples;
    ++sets;
  }
  CHECK(sets == 12);
  CHECK(samples == 60000);
}

TEST_CASE("the captures tell the models apart: a wrong parameter fails") {
  // Guards against a datapath that would pass whatever the parameters.
  Model wrong_block = kModels[8];  // H100 bf16 with n = 8 instead of 16
  wrong_block.n = 8;
  Model wrong_bits = kModels[4];  // A100 bf16 with neab = 0 instead of 1
  wrong_bits.neab = 0;
  int samples = 0;
  const int block_matches = RunCaptureSet(wrong_block, &samples, false);
  const int bits_matches = RunCaptureSet(wrong_bits, &samples, false);
  MESSAGE("wrong n: " << block_matches << "/5000, wrong neab: " << bits_matches
                      << "/5000");
  CHECK(block_matches < 4500);
  CHECK(bits_matches < 4500);
  CHECK(samples == 10000);
}

}  // namespace
}  // namespace gemmsim
