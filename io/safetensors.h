// .safetensors files (SPEC.md "Files"), including BF16 and the FP8 kinds.
// Readers check the whole header (safetensors_index.h) against the file size
// before they allocate, then read only the tensors asked for.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/tensor.h"

namespace gemmsim::io {

// Tensor names in the file, sorted; "__metadata__" is not a tensor.
std::vector<std::string> safetensors_names(const std::string& path);

// One tensor. A missing name is an error listing some of the names present.
// Throws gemmsim::Error (exit 3) naming the file, the place and what was
// expected.
Tensor read_safetensors(const std::string& path,
                        const std::string& tensor_name);

// Every tensor, by name.
std::map<std::string, Tensor> read_safetensors_all(const std::string& path);

// The "__metadata__" object (empty when absent).
std::map<std::string, std::string> safetensors_metadata(
    const std::string& path);

// Writes `tensors` (and `metadata` as "__metadata__" when not empty) through
// AtomicOutputFile. Like the upstream writer, the header is padded with
// spaces to a multiple of 8 bytes and tensors are laid out widest dtype
// first, so every tensor is aligned to its element size.
void write_safetensors(const std::string& path,
                       const std::map<std::string, Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace gemmsim::io
