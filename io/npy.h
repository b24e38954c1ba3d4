// NumPy .npy files (SPEC.md "Files"): format versions 1.0, 2.0 and 3.0,
// little-endian f2 f4 f8 u1 u2 u4 u8 i1 i2 i4 i8, C or Fortran order.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <cstdint>
#include <string>

#include "io/tensor.h"

namespace gemmsim::io {

// Largest header (the dict plus padding) read_npy accepts. NumPy's own reader
// refuses more than 10000 bytes unless told otherwise; a header of the dtypes
// we read with kNpyMaxDims 19-digit dims is under 2 KiB, so 64 KiB leaves
// room for foreign writers' padding while bounding what a corrupt length
// field can make us allocate (it is also checked against the file size).
inline constexpr int64_t kNpyMaxHeaderBytes = 64 * 1024;

// Reads a whole .npy file; Fortran-order data is returned in C order.
// Everything the header claims is checked against the file size before any
// data is allocated. Throws gemmsim::Error (exit 3) naming the file, the
// place ("byte 8", "header", "key 'shape'") and what was expected.
Tensor read_npy(const std::string& path);

// Writes a version 1.0 file (2.0 if the header would not fit), C order, data
// aligned to 64 bytes as NumPy does, through AtomicOutputFile. DTypes NumPy
// lacks (bf16, the f8 kinds) cannot be written: store their codes as u1/u2.
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace gemmsim::io
