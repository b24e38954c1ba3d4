// `gemmsim quantize` and `dequantize` as values (SPEC.md "Command line"):
// float arrays to codes of a format and back. The commands and the Python
// module (gemmsim.quantize, gemmsim.dequantize) share these, so that both
// give the same codes.
#pragma once

#include <cstdint>
#include <string>

#include "datapaths/formats/codec.h"
#include "datapaths/formats/format.h"
#include "io/tensor.h"

namespace gemmsim::app {

// Codes of `format` for a float tensor (f2, f4, f8), as CodeTensor lays
// them out (u1 for <= 8 bits, ...). Stochastic rounding draws element i's
// bits at index i under RandomKey{seed, kQuantize}. Throws InputError
// (exit 3) naming `name` when the tensor holds no float values.
io::Tensor QuantizeTensor(const Format& format, const io::Tensor& values,
                          const std::string& name, const EncodeOptions& options,
                          uint64_t seed);

// Values of a tensor of codes: float32 when every value of the format is a
// float32, else float64. Throws InputError naming `name` for a non-code
// dtype or a code wider than the format.
io::Tensor DequantizeTensor(const Format& format, const io::Tensor& codes,
                            const std::string& name);

}  // namespace gemmsim::app
