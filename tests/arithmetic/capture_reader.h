// Reads the real tensor-core captures (tests/data/tensor-cores/, see its
// README): per sample, K float32 words of a and b (hex), c and d (32-char
// binary strings of float32 bits).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datapaths/arithmetic/numerics.h"

namespace gemmsim::testing {

struct CaptureSet {
  std::vector<std::vector<float>> a, b;
  std::vector<float> c, d;
  size_t size() const { return d.size(); }
};

// gpu: "H100"; input: folder name ("fp16", "E4M3"); output: "fp32"/"fp16".
CaptureSet ReadCaptures(const std::string& gpu, const std::string& input,
                        const std::string& output);

// Replays every sample through DotProduct under `numerics` (c taken as 0
// when `c_is_zero`) and returns how many give the captured bits exactly;
// `on_mismatch(sample, got, want)` hears of each one that does not.
int CountCaptureMatches(
    const CaptureSet& set, const Numerics& numerics, bool c_is_zero,
    const std::function<void(size_t, float, float)>& on_mismatch = {});

}  // namespace gemmsim::testing
