// Counter-based random bits for stochastic rounding (SPEC.md "Number
// formats"): a pure function of (seed, tensor, element index, step), so a
// result never depends on thread count, tiling or evaluation order.
//
// The generator is Philox4x32-10 (Salmon et al., "Parallel random numbers: as
// easy as 1, 2, 3", SC'11): 10 rounds of a multiply-xorshift bijection on a
// 128-bit counter under a 64-bit key. It passes BigCrush with any counter
// pattern, which is what makes per-element counters safe.
#pragma once

#include <array>
#include <cstdint>

namespace gemmsim {

// Which tensor of a GEMM a random draw belongs to; part of the counter so the
// streams of different tensors never overlap.
enum class StreamTensor : uint32_t {
  kA = 0,
  kB = 1,
  kC = 2,
  kAccumulate = 3,
  kOutput = 4,
  kQuantize = 5
};

struct RandomKey {
  uint64_t seed = 0;
  StreamTensor tensor = StreamTensor::kQuantize;
};

namespace philox_detail {
// Round constants from the Philox paper (Table 2).
constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio: 2^32 / phi
constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1, scaled to 2^32
}  // namespace philox_detail

// Philox4x32-10: the four output words for a 128-bit counter and 64-bit key.
inline std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 4> c,
                                          std::array<uint32_t, 2> k) {
  using namespace philox_detail;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t{kMul0} * c[0];
    const uint64_t p1 = uint64_t{kMul1} * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0],
         static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1],
         static_cast<uint32_t>(p0)};
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return c;
}

// 32 uniform random bits for (key, index, step): word step % 4 of the
// Philox block of counter (index, tensor, step / 4), so that four
// consecutive steps of an element share one block (a fast kernel computes
// it once per four products) and step 0 is word 0 of block 0.
inline uint32_t RandomBits(const RandomKey& key, uint64_t index,
                           uint32_t step = 0) {
  return Philox4x32(
      {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
       static_cast<uint32_t>(key.tensor), step >> 2},
      {static_cast<uint32_t>(key.seed),
       static_cast<uint32_t>(key.seed >> 32)})[step & 3];
}

}  // namespace gemmsim
