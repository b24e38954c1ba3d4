#include "app/tensor_values.h"

#include <fmt/format.h>

#include <cstring>

#include "datapaths/error.h"
#include "datapaths/formats/bulk.h"

namespace gemmsim::app {
namespace {

template <typename T>
T Load(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));  // files are little-endian, as is x86
  return value;
}

uint64_t LoadUnsigned(const io::Tensor& t, int64_t i) {
  const uint8_t* p = t.data.data() + i * io::dtype_size(t.dtype);
  switch (io::dtype_size(t.dtype)) {
    case 1:
      return Load<uint8_t>(p);
    case 2:
      return Load<uint16_t>(p);
    case 4:
      return Load<uint32_t>(p);
    default:
      return Load<uint64_t>(p);
  }
}

Error NotFloat(const io::Tensor& t, const std::string& path) {
  return InputError(path, "dtype",
                    fmt::format("expected float values (f2, f4, f8, bf16 or an "
                                "FP8 kind), found {}",
                                io::dtype_name(t.dtype)));
}

}  // namespace

const Format* FloatFormatOf(io::DType dtype) {
  static const Format fp16 = FormatByName("fp16"), bf16 = FormatByName("bf16"),
                      fp32 = FormatByName("fp32"), fp64 = FormatByName("fp64"),
                      e4m3fn = FormatByName("e4m3fn"),
                      e5m2 = FormatByName("e5m2"),
                      e4m3fnuz = FormatByName("e4m3fnuz"),
                      e5m2fnuz = FormatByName("e5m2fnuz"),
                      e8m0fnu = FormatByName("e8m0fnu");
  switch (dtype) {
    case io::DType::kF16:
      return &fp16;
    case io::DType::kBF16:
      return &bf16;
    case io::DType::kF32:
      return &fp32;
    case io::DType::kF64:
      return &fp64;
    case io::DType::kF8E4M3FN:
      return &e4m3fn;
    case io::DType::kF8E5M2:
      return &e5m2;
    case io::DType::kF8E4M3FNUZ:
      return &e4m3fnuz;
    case io::DType::kF8E5M2FNUZ:
      return &e5m2fnuz;
    case io::DType::kF8E8M0FNU:
      return &e8m0fnu;
    default:
      return nullptr;
  }
}

bool HoldsFloatValues(io::DType dtype) {
  return FloatFormatOf(dtype) != nullptr;
}
bool FitsFloat32(io::DType dtype) {
  return HoldsFloatValues(dtype) && dtype != io::DType::kF64;
}

std::vector<double> FloatValues(const io::Tensor& t, const std::string& path) {
  const Format* f = FloatFormatOf(t.dtype);
  if (!f) throw NotFloat(t, path);
  const int64_t n = t.numel();
  std::vector<double> out(static_cast<size_t>(n));
  const uint8_t* p = t.data.data();
  if (t.dtype == io::DType::kF32) {
    for (int64_t i = 0; i < n; ++i) out[i] = Load<float>(p + 4 * i);
  } else if (t.dtype == io::DType::kF64) {
    for (int64_t i = 0; i < n; ++i) out[i] = Load<double>(p + 8 * i);
  } else {
    const auto table = SharedDecodeTable(*f);
    for (int64_t i = 0; i < n; ++i) out[i] = (*table)[LoadUnsigned(t, i)];
  }
  return out;
}

std::vector<float> Float32Values(const io::Tensor& t, const std::string& path) {
  if (!FitsFloat32(t.dtype) && HoldsFloatValues(t.dtype))
    throw Error(ExitCode::kInternal, "Float32Values on a float64 tensor");
  if (t.dtype == io::DType::kF32) {  // no float64 copy on the way
    std::vector<float> out(static_cast<size_t>(t.numel()));
    if (!out.empty()) std::memcpy(out.data(), t.data.data(), t.data.size());
    return out;
  }
  const std::vector<double> values = FloatValues(t, path);
  return std::vector<float>(values.begin(), values.end());  // exact
}

std::vector<uint64_t> Codes(const io::Tensor& t, const Format& format,
                            const std::string& path) {
  const Format* stored = FloatFormatOf(t.dtype);
  const bool unsigned_codes =
      t.dtype == io::DType::kU8 || t.dtype == io::DType::kU16 ||
      t.dtype == io::DType::kU32 || t.dtype == io::DType::kU64;
  // bf16 and the FP8 kinds of .safetensors are stored as their codes.
  const bool stored_as_codes = t.dtype != io::DType::kF16 &&
                               t.dtype != io::DType::kF32 &&
                               t.dtype != io::DType::kF64;
  const bool same_format = stored && stored_as_codes && *stored == format;
  if (!unsigned_codes && !same_format) {
    throw InputError(path, "dtype",
                     fmt::format("expected codes of {} as unsigned integers "
                                 "(u1, u2, u4, u8), found {}",
                                 format.name(), io::dtype_name(t.dtype)));
  }
  const int64_t n = t.numel();
  std::vector<uint64_t> codes(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    codes[i] = LoadUnsigned(t, i);
    if (codes[i] & ~format.code_mask()) {
      throw InputError(path, fmt::format("element {}", i),
                       fmt::format("code {} does not fit {} ({} bits)",
                                   codes[i], format.name(), format.bits()));
    }
  }
  return codes;
}

io::Tensor CodeTensor(const Format& format, const std::vector<int64_t>& shape,
                      const std::vector<uint64_t>& codes) {
  io::Tensor t;
  t.shape = shape;
  const int bits = format.bits();
  t.dtype = bits <= 8    ? io::DType::kU8
            : bits <= 16 ? io::DType::kU16
            : bits <= 32 ? io::DType::kU32
                         : io::DType::kU64;
  const size_t width = static_cast<size_t>(io::dtype_size(t.dtype));
  t.data.resize(codes.size() * width);
  for (size_t i = 0; i < codes.size(); ++i)
    std::memcpy(t.data.data() + i * width, &codes[i], width);  // little-endian
  return t;
}

io::Tensor FloatTensor(const std::vector<int64_t>& shape,
                       const std::vector<double>& values, bool as_float32) {
  io::Tensor t;
  t.shape = shape;
  t.dtype = as_float32 ? io::DType::kF32 : io::DType::kF64;
  const size_t width = as_float32 ? 4 : 8;
  t.data.resize(values.size() * width);
  for (size_t i = 0; i < values.size(); ++i) {
    if (as_float32) {
      const float f = static_cast<float>(values[i]);
      std::memcpy(t.data.data() + 4 * i, &f, 4);
    } else {
      std::memcpy(t.data.data() + 8 * i, &values[i], 8);
    }
  }
  return t;
}

}  // namespace gemmsim::app
