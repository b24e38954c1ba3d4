// The header of a .safetensors file: an 8-byte little-endian length N, then
// N bytes of JSON mapping each tensor name to its dtype, shape and
// data_offsets (relative to the byte buffer that follows the header), plus an
// optional "__metadata__" object of strings.
// https://github.com/huggingface/safetensors#format
// read_safetensors_index checks every entry, not only the one asked for, so a
// corrupt file is reported as such whichever tensor is read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/input_file.h"
#include "io/tensor.h"

namespace gemmsim::io {

// The upstream parser's limit on N (safetensors MAX_HEADER_SIZE).
inline constexpr int64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsEntry {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  int64_t begin = 0;  // offsets into the byte buffer;
  int64_t end = 0;    // end - begin == the tensor's byte count
};

struct SafetensorsIndex {
  int64_t buffer_start = 0;  // file offset of the byte buffer: 8 + N
  std::map<std::string, SafetensorsEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
};

// Throws gemmsim::Error (exit 3) naming the file, the place ("byte 8",
// "tensor 'w' key 'shape'") and what was expected.
SafetensorsIndex read_safetensors_index(const InputFile& file);

// "F32", "BF16", "F8_E4M3" ... and back (nullopt for an unknown name).
std::string_view safetensors_dtype_name(DType dtype);
std::optional<DType> dtype_from_safetensors_name(std::string_view name);

}  // namespace gemmsim::io
