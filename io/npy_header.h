// The header dictionary of a .npy file, a Python literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// NumPy reads it with ast.literal_eval; we accept the subset NumPy and other
// writers produce (keys in any order, any whitespace, a trailing comma,
// single- or double-quoted strings) and reject everything else with the byte
// offset of the problem. Parsing only: descr is mapped to a DType in npy.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gemmsim::io {

// NumPy 1.x allows 32 dimensions, NumPy 2.x 64.
inline constexpr int kNpyMaxDims = 64;

struct NpyHeader {
  std::string descr;  // as written, e.g. "<f4"
  bool fortran_order = false;
  std::vector<int64_t> shape;  // each dim >= 0, at most kNpyMaxDims
};

// Parses `text`, the header bytes after the length field. `path` and
// `offset` (the file offset of text[0]) place errors; throws gemmsim::Error
// (exit 3).
NpyHeader parse_npy_header(std::string_view text, const std::string& path,
                           int64_t offset);

// The dict as NumPy writes it, without padding or newline.
std::string format_npy_header(std::string_view descr, bool fortran_order,
                              const std::vector<int64_t>& shape);

// Python's repr of a shape tuple: "()", "(3,)", "(3, 4)".
std::string format_shape(const std::vector<int64_t>& shape);

}  // namespace gemmsim::io
