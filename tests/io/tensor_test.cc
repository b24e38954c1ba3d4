// DType sizes and names, and the overflow-checked byte count every reader
// relies on before it allocates.
#include "io/tensor.h"

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>

namespace gemmsim::io {
namespace {

TEST_CASE("every dtype has a size and a distinct name") {
  struct Case {
    DType dtype;
    int size;
    const char* name;
  };
  const Case cases[] = {
      {DType::kF16, 2, "f2"},
      {DType::kBF16, 2, "bf16"},
      {DType::kF32, 4, "f4"},
      {DType::kF64, 8, "f8"},
      {DType::kU8, 1, "u1"},
      {DType::kU16, 2, "u2"},
      {DType::kU32, 4, "u4"},
      {DType::kU64, 8, "u8"},
      {DType::kI8, 1, "i1"},
      {DType::kI16, 2, "i2"},
      {DType::kI32, 4, "i4"},
      {DType::kI64, 8, "i8"},
      {DType::kF8E4M3FN, 1, "f8_e4m3fn"},
      {DType::kF8E5M2, 1, "f8_e5m2"},
      {DType::kF8E4M3FNUZ, 1, "f8_e4m3fnuz"},
      {DType::kF8E5M2FNUZ, 1, "f8_e5m2fnuz"},
      {DType::kF8E8M0FNU, 1, "f8_e8m0fnu"},
  };
  int ran = 0;
  std::set<std::string> names;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(dtype_size(c.dtype) == c.size);
    CHECK(dtype_name(c.dtype) == c.name);
    names.insert(std::string(dtype_name(c.dtype)));
    ++ran;
  }
  CHECK(ran == 17);
  CHECK(names.size() == std::size(kAllDTypes));
}

TEST_CASE("checked_byte_count rejects negative dims and overflow") {
  constexpr int64_t k2p40 = int64_t{1} << 40;
  constexpr int64_t k2p61 = int64_t{1} << 61;
  constexpr int64_t k2p62 = int64_t{1} << 62;
  struct Case {
    DType dtype;
    std::vector<int64_t> shape;
    std::optional<int64_t> bytes;
  };
  const Case cases[] = {
      {DType::kF32, {}, 4},  // 0-d: one element
      {DType::kF32, {3, 4}, 48},
      {DType::kF64, {0}, 0},  // empty
      {DType::kF16, {2, 0, 3}, 0},
      {DType::kU8, {-1}, std::nullopt},            // negative dim
      {DType::kU8, {0, -1}, std::nullopt},         // negative even when empty
      {DType::kU8, {k2p40, k2p40}, std::nullopt},  // 2^80 bytes
      {DType::kF16, {k2p62}, std::nullopt},        // 2^63 bytes: just too many
      {DType::kF16, {k2p61}, k2p62},
      {DType::kU8, {0, k2p62, 4}, std::nullopt},  // empty, but dims overflow
      {DType::kI64, {k2p40}, int64_t{8} << 40},   // 8 TiB: fits int64
  };
  int ran = 0;
  for (const Case& c : cases) {
    CAPTURE(ran);
    CHECK(checked_byte_count(c.dtype, c.shape) == c.bytes);
    ++ran;
  }
  CHECK(ran == 11);
}

TEST_CASE("numel is the product of the shape, 1 for a scalar") {
  CHECK(Tensor{DType::kF32, {}, {}}.numel() == 1);
  CHECK(Tensor{DType::kF32, {0, 5}, {}}.numel() == 0);
  CHECK(Tensor{DType::kF32, {2, 3, 4}, {}}.numel() == 24);
}

}  // namespace
}  // namespace gemmsim::io
