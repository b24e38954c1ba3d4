#include "io/tensor.h"

namespace gemmsim::io {

int dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF64:
    case DType::kU64:
    case DType::kI64:
      return 8;
    case DType::kF32:
    case DType::kU32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kU16:
    case DType::kI16:
      return 2;
    case DType::kU8:
    case DType::kI8:
    case DType::kF8E4M3FN:
    case DType::kF8E5M2:
    case DType::kF8E4M3FNUZ:
    case DType::kF8E5M2FNUZ:
    case DType::kF8E8M0FNU:
      return 1;
  }
  return 1;  // unreachable: the switch covers every enumerator
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF16:
      return "f2";
    case DType::kBF16:
      return "bf16";
    case DType::kF32:
      return "f4";
    case DType::kF64:
      return "f8";
    case DType::kU8:
      return "u1";
    case DType::kU16:
      return "u2";
    case DType::kU32:
      return "u4";
    case DType::kU64:
      return "u8";
    case DType::kI8:
      return "i1";
    case DType::kI16:
      return "i2";
    case DType::kI32:
      return "i4";
    case DType::kI64:
      return "i8";
    case DType::kF8E4M3FN:
      return "f8_e4m3fn";
    case DType::kF8E5M2:
      return "f8_e5m2";
    case DType::kF8E4M3FNUZ:
      return "f8_e4m3fnuz";
    case DType::kF8E5M2FNUZ:
      return "f8_e5m2fnuz";
    case DType::kF8E8M0FNU:
      return "f8_e8m0fnu";
  }
  return "?";  // unreachable
}

std::optional<int64_t> checked_byte_count(DType dtype,
                                          const std::vector<int64_t>& shape) {
  int64_t bytes = dtype_size(dtype);
  // Multiply by every dim even after a zero: a zero dim makes the tensor
  // empty, but the other dims must still be valid on their own.
  bool empty = false;
  for (int64_t dim : shape) {
    if (dim < 0) return std::nullopt;
    if (dim == 0) {
      empty = true;
      continue;
    }
    if (__builtin_mul_overflow(bytes, dim, &bytes)) return std::nullopt;
  }
  return empty ? 0 : bytes;
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t dim : shape) n *= dim;
  return n;
}

}  // namespace gemmsim::io
