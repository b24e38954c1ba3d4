// What the numbers in a tensor file mean: float values (f2, f4, f8, bf16 and
// the FP8 kinds of .safetensors) or codes of a format (unsigned integers,
// SPEC.md "Files"). Checks that a user's file holds what the command needs,
// naming the file and the element on failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datapaths/formats/format.h"
#include "io/tensor.h"

namespace gemmsim::app {

// The gemmsim format whose codes a dtype stores (f2 -> fp16, f8_e4m3fn ->
// e4m3fn, ...), or nullptr for integer dtypes.
const Format* FloatFormatOf(io::DType dtype);

bool HoldsFloatValues(io::DType dtype);
// Whether every value of the dtype is exactly a float32.
bool FitsFloat32(io::DType dtype);

// Values of a float tensor. Throws exit 3 when the dtype is not a float.
std::vector<double> FloatValues(const io::Tensor& t, const std::string& path);
std::vector<float> Float32Values(const io::Tensor& t, const std::string& path);

// Codes of `format` from an unsigned-integer tensor (or an FP8 .safetensors
// tensor of exactly that format); every code must fit the format's width.
std::vector<uint64_t> Codes(const io::Tensor& t, const Format& format,
                            const std::string& path);

// A tensor of codes: u1 for formats of <= 8 bits, u2 <= 16, u4 <= 32, else u8.
io::Tensor CodeTensor(const Format& format, const std::vector<int64_t>& shape,
                      const std::vector<uint64_t>& codes);

// A float tensor: float32 when `as_float32` (the caller checked exactness),
// else float64.
io::Tensor FloatTensor(const std::vector<int64_t>& shape,
                       const std::vector<double>& values, bool as_float32);

}  // namespace gemmsim::app
