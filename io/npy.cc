#include "io/npy.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string_view>

#include "datapaths/error.h"
#include "io/atomic_file.h"
#include "io/input_file.h"
#include "io/npy_header.h"

namespace gemmsim::io {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr int64_t kAlign = 64;  // NumPy's ARRAY_ALIGN

// NumPy's type codes ("f4") for the DTypes NumPy has.
std::optional<DType> dtype_from_code(std::string_view code) {
  static constexpr std::pair<std::string_view, DType> kCodes[] = {
      {"f2", DType::kF16}, {"f4", DType::kF32}, {"f8", DType::kF64},
      {"u1", DType::kU8},  {"u2", DType::kU16}, {"u4", DType::kU32},
      {"u8", DType::kU64}, {"i1", DType::kI8},  {"i2", DType::kI16},
      {"i4", DType::kI32}, {"i8", DType::kI64},
  };
  for (const auto& [name, dtype] : kCodes) {
    if (code == name) return dtype;
  }
  return std::nullopt;
}

DType dtype_from_descr(const std::string& descr, const std::string& path) {
  // A descr is a byte-order character and a type code; a bare code ("f4")
  // means native order, which NumPy accepts too.
  char order = '=';
  std::string_view code = descr;
  if (!code.empty() &&
      std::string_view("<>|=").find(code[0]) != std::string_view::npos) {
    order = code[0];
    code.remove_prefix(1);
  }
  std::optional<DType> dtype = dtype_from_code(code);
  if (!dtype) {
    throw InputError(path, "key 'descr'",
                     fmt::format("expected one of '<f2' '<f4' '<f8' '|u1' "
                                 "'<u2' '<u4' '<u8' '|i1' '<i2' '<i4' '<i8', "
                                 "found '{}'",
                                 descr));
  }
  // Byte order is meaningless for 1-byte types. For wider ones only little-
  // endian ('<', or '=' native: gemmsim runs on little-endian x86-64) is
  // read; swapping bytes silently would hide a user's mistake.
  if (dtype_size(*dtype) > 1 && order == '>') {
    throw InputError(path, "key 'descr'",
                     fmt::format("big-endian data ('{}') is not supported; "
                                 "convert it with arr.astype('<{}')",
                                 descr, code));
  }
  if (dtype_size(*dtype) > 1 && order == '|') {
    throw InputError(path, "key 'descr'",
                     fmt::format("expected '<{}' (a multi-byte type needs a "
                                 "byte order), found '{}'",
                                 code, descr));
  }
  return *dtype;
}

// Reorders Fortran-order (first index fastest) bytes into C order (last
// index fastest). Walks the C-order output once, keeping its multi-index
// and the matching Fortran offset in step: amortised O(1) per element.
std::vector<uint8_t> fortran_to_c(const std::vector<uint8_t>& in,
                                  const std::vector<int64_t>& shape,
                                  int itemsize) {
  // 0-d, 1-d and empty arrays are the same in both orders.
  if (in.empty() || shape.size() < 2) return in;
  // The parser caps ndim at kNpyMaxDims, so fixed arrays hold the state.
  const int ndim = static_cast<int>(shape.size());
  std::array<int64_t, kNpyMaxDims> stride{};  // Fortran strides, in elements
  std::array<int64_t, kNpyMaxDims> index{};   // C-order multi-index of dst
  int64_t numel = 1;
  for (int d = 0; d < ndim; ++d) {
    stride[d] = numel;
    numel *= shape[d];
  }
  std::vector<uint8_t> out(in.size());
  int64_t src = 0;
  for (int64_t dst = 0; dst < numel; ++dst) {
    std::memcpy(&out[dst * itemsize], &in[src * itemsize], itemsize);
    // Increment the C-order index: the last dim first, carrying leftwards.
    for (int d = ndim - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        src += stride[d];
        break;
      }
      src -= stride[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

std::string escape_bytes(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\' && c != '"') {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  InputFile file(path);
  const int64_t size = file.size();

  // Magic (6 bytes), version (2), header length (2 in v1, 4 in v2/v3).
  std::array<char, 12> prefix{};
  file.read_at(0, prefix.data(), std::min<int64_t>(size, 8), "magic");
  std::string_view magic(prefix.data(), std::min<int64_t>(size, 6));
  if (magic != kMagic) {
    throw InputError(path, "byte 0",
                     fmt::format("expected the .npy magic \"\\x93NUMPY\", "
                                 "found \"{}\"",
                                 escape_bytes(magic)));
  }
  if (size < 8) {
    throw InputError(path, "byte 6",
                     "expected a format version, found the end of the file");
  }
  int major = static_cast<unsigned char>(prefix[6]);
  int minor = static_cast<unsigned char>(prefix[7]);
  if (minor != 0 || major < 1 || major > 3) {
    throw InputError(path, "byte 6",
                     fmt::format("expected format version 1.0, 2.0 or 3.0, "
                                 "found {}.{}",
                                 major, minor));
  }
  const int64_t length_bytes = major == 1 ? 2 : 4;
  const int64_t header_start = 8 + length_bytes;
  if (size < header_start) {
    throw InputError(path, "byte 8",
                     "expected the header length, found the end of the file");
  }
  file.read_at(8, prefix.data() + 8, length_bytes, "header length");
  int64_t header_length = 0;  // little-endian
  for (int64_t i = length_bytes; i-- > 0;) {
    header_length =
        header_length << 8 | static_cast<unsigned char>(prefix[8 + i]);
  }
  if (header_length > kNpyMaxHeaderBytes) {
    throw InputError(path, "byte 8",
                     fmt::format("header length {} exceeds the limit of {} "
                                 "bytes",
                                 header_length, kNpyMaxHeaderBytes));
  }
  if (header_length > size - header_start) {
    throw InputError(path, "header",
                     fmt::format("truncated header: expected {} bytes, found "
                                 "{}",
                                 header_length, size - header_start));
  }
  std::string text(static_cast<size_t>(header_length), '\0');
  file.read_at(header_start, text.data(), header_length, "header");
  // v1 and v2 headers are latin-1, v3 UTF-8; the dict we accept is ASCII,
  // which all three encode alike.
  NpyHeader header = parse_npy_header(text, path, header_start);

  Tensor tensor;
  tensor.dtype = dtype_from_descr(header.descr, path);
  tensor.shape = std::move(header.shape);
  std::optional<int64_t> bytes = checked_byte_count(tensor.dtype, tensor.shape);
  if (!bytes) {
    throw InputError(path, "key 'shape'",
                     fmt::format("shape {} of '{}' needs 2^63 bytes or more",
                                 format_shape(tensor.shape), header.descr));
  }
  const int64_t data_start = header_start + header_length;
  const int64_t available = size - data_start;
  if (*bytes != available) {
    throw InputError(
        path, fmt::format("byte {}", data_start),
        fmt::format("{}: shape {} of '{}' needs {} bytes of data, the file has "
                    "{} after the header",
                    *bytes > available ? "truncated data" : "trailing bytes",
                    format_shape(tensor.shape), header.descr, *bytes,
                    available));
  }
  tensor.data.resize(static_cast<size_t>(*bytes));
  file.read_at(data_start, tensor.data.data(), *bytes, "data");
  if (header.fortran_order) {
    tensor.data =
        fortran_to_c(tensor.data, tensor.shape, dtype_size(tensor.dtype));
  }
  return tensor;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  std::string_view name = dtype_name(tensor.dtype);
  if (!dtype_from_code(name)) {
    throw InputError(path, "",
                     fmt::format("cannot write {} to .npy: NumPy has no such "
                                 "type (write its codes as u1 or u2)",
                                 name));
  }
  std::optional<int64_t> bytes = checked_byte_count(tensor.dtype, tensor.shape);
  if (!bytes || static_cast<uint64_t>(*bytes) != tensor.data.size()) {
    throw Error(ExitCode::kInternal,
                fmt::format("{}: tensor of shape {} has {} bytes of data", path,
                            format_shape(tensor.shape), tensor.data.size()));
  }
  std::string descr =
      fmt::format("{}{}", dtype_size(tensor.dtype) == 1 ? '|' : '<', name);
  std::string header = format_npy_header(descr, false, tensor.shape);
  // Pad with spaces and end with '\n' so the data starts at a multiple of
  // 64 bytes. Version 2.0 only when the header outgrows a uint16 length.
  int major = header.size() + 1 + 10 + kAlign > 0xffff ? 2 : 1;
  int64_t header_start = major == 1 ? 10 : 12;
  int64_t unpadded = header_start + static_cast<int64_t>(header.size()) + 1;
  header.append(static_cast<size_t>((kAlign - unpadded % kAlign) % kAlign),
                ' ');
  header += '\n';

  std::string prefix(kMagic);
  prefix += static_cast<char>(major);
  prefix += '\0';
  uint32_t length = static_cast<uint32_t>(header.size());
  for (int64_t i = 0; i < header_start - 8; ++i) {
    prefix += static_cast<char>(length >> (8 * i) & 0xff);
  }
  AtomicOutputFile out(path);
  out.write(prefix);
  out.write(header);
  out.write(std::span<const uint8_t>(tensor.data));
  out.commit();
}

}  // namespace gemmsim::io
