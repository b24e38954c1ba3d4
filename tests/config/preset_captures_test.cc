// The tensor-core preset files reproduce the real captures bit for bit
// (tests/data/tensor-cores): the same check as tests/arithmetic, but through
// the YAML files users select, so a wrong key or value in a preset fails
// here even when the datapath is right.
#include <doctest/doctest.h>

#include <bit>

#include "app/config/numerics_file.h"
#include "datapaths/arithmetic/dot_product.h"
#include "tests/arithmetic/capture_reader.h"

namespace gemmsim {
namespace {

struct CaptureSetOfPreset {
  const char* preset;
  const char* gpu;     // capture folder
  const char* folder;  // input folder
  const char* output;  // fp32 or fp16
  bool c_is_zero;      // H100 FP8 captures: WGMMA with a zero accumulator
};

const CaptureSetOfPreset kSets[] = {
    {"v100-fp16-fp32", "V100", "fp16", "fp32", false},
    {"v100-fp16-fp16", "V100", "fp16", "fp16", false},
    {"a100-fp16-fp32", "A100", "fp16", "fp32", false},
    {"a100-fp16-fp16", "A100", "fp16", "fp16", false},
    {"a100-bf16-fp32", "A100", "bf16", "fp32", false},
    {"a100-tf32-fp32", "A100", "tf32", "fp32", false},
    {"h100-fp16-fp32", "H100", "fp16", "fp32", false},
    {"h100-fp16-fp16", "H100", "fp16", "fp16", false},
    {"h100-bf16-fp32", "H100", "bf16", "fp32", false},
    {"h100-tf32-fp32", "H100", "tf32", "fp32", false},
    {"h100-e4m3-fp32", "H100", "E4M3", "fp32", true},
    {"h100-e5m2-fp32", "H100", "E5M2", "fp32", true},
};

TEST_CASE("tensor-core presets reproduce every capture bit for bit") {
  int sets = 0, samples = 0;
  for (const CaptureSetOfPreset& s : kSets) {
    CAPTURE(s.preset);
    const Numerics n = app::LoadNumerics(s.preset);
    const testing::CaptureSet set =
        testing::ReadCaptures(s.gpu, s.folder, s.output);
    const int matched = testing::CountCaptureMatches(set, n, s.c_is_zero);
    samples += static_cast<int>(set.size());
    CHECK(set.size() == 5000);
    CHECK(matched == 5000);
    ++sets;
  }
  CHECK(sets == 12);
  CHECK(samples == 60000);
}

}  // namespace
}  // namespace gemmsim
