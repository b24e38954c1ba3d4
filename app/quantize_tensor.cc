#include "app/quantize_tensor.h"

#include <fmt/format.h>

#include <span>
#include <vector>

#include "app/tensor_values.h"
#include "datapaths/error.h"
#include "datapaths/formats/bulk.h"

namespace gemmsim::app {
namespace {

// Encodes with the fast float32 kernels where the input is float32-exact
// and the codes fit 16 bits; otherwise rounds each float64 once (never via
// float32, which would round twice).
std::vector<uint64_t> EncodeTensor(const Format& f, const io::Tensor& t,
                                   const std::string& path,
                                   const EncodeOptions& o,
                                   const RandomKey& key) {
  const size_t n = static_cast<size_t>(t.numel());
  std::vector<uint64_t> codes(n);
  if (FitsFloat32(t.dtype) && f.bits() <= 16) {
    const std::vector<float> values = Float32Values(t, path);
    if (f.bits() <= 8) {
      std::vector<uint8_t> narrow(n);
      EncodeFloat32(f, values, std::span<uint8_t>(narrow), o, key);
      codes.assign(narrow.begin(), narrow.end());
    } else {
      std::vector<uint16_t> narrow(n);
      EncodeFloat32(f, values, std::span<uint16_t>(narrow), o, key);
      codes.assign(narrow.begin(), narrow.end());
    }
  } else {
    EncodeFloat64(f, FloatValues(t, path), codes, o, key);
  }
  return codes;
}

}  // namespace

io::Tensor QuantizeTensor(const Format& format, const io::Tensor& values,
                          const std::string& name, const EncodeOptions& options,
                          uint64_t seed) {
  if (!HoldsFloatValues(values.dtype) || values.dtype == io::DType::kBF16) {
    throw InputError(
        name, "dtype",
        fmt::format("expected a float array (f2, f4, f8), found {}",
                    io::dtype_name(values.dtype)));
  }
  const RandomKey key{seed, StreamTensor::kQuantize};
  return CodeTensor(format, values.shape,
                    EncodeTensor(format, values, name, options, key));
}

io::Tensor DequantizeTensor(const Format& format, const io::Tensor& codes,
                            const std::string& name) {
  const std::vector<uint64_t> c = Codes(codes, format, name);
  std::vector<double> values(c.size());
  for (size_t i = 0; i < c.size(); ++i) values[i] = Decode(format, c[i]);
  const bool as_float32 = ValuesFitIn(format, FormatByName("fp32"));
  return FloatTensor(codes.shape, values, as_float32);
}

}  // namespace gemmsim::app
