// A tensor as read from or written to a file: element type, shape and raw
// bytes. The io layer moves bytes and never interprets element values, so a
// Tensor of codes (u1, u2) and a Tensor of floats are the same thing here;
// what the bytes mean is up to the caller (SPEC.md "Files").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace gemmsim::io {

// Element types of .npy and .safetensors files. Names follow ml_dtypes.
enum class DType {
  kF16,
  kBF16,
  kF32,
  kF64,
  kU8,
  kU16,
  kU32,
  kU64,
  kI8,
  kI16,
  kI32,
  kI64,
  kF8E4M3FN,
  kF8E5M2,
  kF8E4M3FNUZ,
  kF8E5M2FNUZ,
  kF8E8M0FNU,
};

// Every DType, in declaration order (for tests and listings).
inline constexpr DType kAllDTypes[] = {
    DType::kF16,       DType::kBF16,   DType::kF32,        DType::kF64,
    DType::kU8,        DType::kU16,    DType::kU32,        DType::kU64,
    DType::kI8,        DType::kI16,    DType::kI32,        DType::kI64,
    DType::kF8E4M3FN,  DType::kF8E5M2, DType::kF8E4M3FNUZ, DType::kF8E5M2FNUZ,
    DType::kF8E8M0FNU,
};

// Bytes per element: 1, 2, 4 or 8.
int dtype_size(DType dtype);

// NumPy kind+size where NumPy has the type ("f4", "u1", "i8"), else the
// ml_dtypes name ("bf16", "f8_e4m3fn", "f8_e8m0fnu"). For messages.
std::string_view dtype_name(DType dtype);

// Bytes needed for `shape` elements of `dtype`, or nullopt when a dimension is
// negative or the product overflows int64. Readers call this before they
// allocate, so a header claiming 2^80 bytes is an error, not a bad_alloc.
std::optional<int64_t> checked_byte_count(DType dtype,
                                          const std::vector<int64_t>& shape);

struct Tensor {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // empty: a 0-d scalar with one element
  std::vector<uint8_t> data;   // C order, little-endian elements

  // Product of the shape. Invariant (kept by every reader): dims are
  // non-negative, and data.size() == numel() * dtype_size(dtype).
  int64_t numel() const;
};

}  // namespace gemmsim::io
