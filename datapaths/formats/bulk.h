// Array conversions: the fast paths used on whole tensors. Each is proven
// equal to the generic Encode/Decode in codec.h by exhaustive and randomized
// tests (tests/formats/bulk_test.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "datapaths/formats/codec.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim {

// Every code's value, for formats of at most 16 bits: decoding is then one
// load (a 256-entry table is ~14x faster than decoding the bits).
class DecodeTable {
 public:
  explicit DecodeTable(const Format& format);
  double operator[](uint64_t code) const { return values_[code]; }
  std::span<const double> values() const { return values_; }

 private:
  std::vector<double> values_;
};

// The table of `format` (<= 16 bits), built once per process and shared:
// a 16-bit table is 65,536 decodes (about 4 ms), more than decoding a small
// operand costs, and gemmsim.matmul in a training loop decodes per call.
// Thread-safe; the last 32 formats used are kept.
std::shared_ptr<const DecodeTable> SharedDecodeTable(const Format& format);

// Encodes float32 values into codes. Element i draws its stochastic-rounding
// bits from RandomBits(key, first_index + i), so any split of an array into
// pieces gives the same codes. Code must be wide enough for the format.
void EncodeFloat32(const Format& format, std::span<const float> in,
                   std::span<uint8_t> out, const EncodeOptions& options,
                   const RandomKey& key = {}, uint64_t first_index = 0);
void EncodeFloat32(const Format& format, std::span<const float> in,
                   std::span<uint16_t> out, const EncodeOptions& options,
                   const RandomKey& key = {}, uint64_t first_index = 0);

// Encodes float64 values into codes of any width (the generic path).
void EncodeFloat64(const Format& format, std::span<const double> in,
                   std::span<uint64_t> out, const EncodeOptions& options,
                   const RandomKey& key = {}, uint64_t first_index = 0);

// Whether EncodeFloat32 takes the fast kernel for this format and mode.
bool HasFastFloat32Kernel(const Format& format, const EncodeOptions& options);

}  // namespace gemmsim
