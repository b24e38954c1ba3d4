#include "app/gemm_operands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "app/tensor_values.h"
#include "datapaths/error.h"
#include "datapaths/formats/block_scaling.h"
#include "datapaths/formats/bulk.h"
#include "io/npy.h"
#include "io/safetensors.h"

namespace gemmsim::app {

std::string ShapeText(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

bool BroadcastsTo(const std::vector<int64_t>& from,
                  const std::vector<int64_t>& to) {
  if (from.size() > to.size()) return false;
  const size_t offset = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1 && from[d] != to[d + offset]) return false;
  return true;
}

namespace {

int64_t Product(std::span<const int64_t> dims) {
  int64_t p = 1;
  for (const int64_t d : dims) p *= d;
  return p;
}

// For each flat index of `to`, the flat index of `from` that NumPy
// broadcasting reads there (`from` right-aligned, its unit dims repeated).
std::vector<int64_t> BroadcastIndex(const std::vector<int64_t>& from,
                                    const std::vector<int64_t>& to) {
  const size_t nd = to.size(), offset = nd - from.size();
  std::vector<int64_t> stride(nd, 0);
  int64_t s = 1;
  for (size_t d = nd; d-- > offset;) {
    const int64_t dim = from[d - offset];
    stride[d] = dim == 1 ? 0 : s;
    s *= dim;
  }
  std::vector<int64_t> out(static_cast<size_t>(Product(to)));
  std::vector<int64_t> index(nd, 0);
  int64_t at = 0;
  for (int64_t& o : out) {
    o = at;
    for (size_t d = nd; d-- > 0;) {  // an odometer over `to`
      at += stride[d];
      if (++index[d] < to[d]) break;
      at -= stride[d] * to[d];
      index[d] = 0;
    }
  }
  return out;
}

bool IsUnsigned(io::DType t) {
  return t == io::DType::kU8 || t == io::DType::kU16 || t == io::DType::kU32 ||
         t == io::DType::kU64;
}

// Values of a float or signed-integer array, in file order.
std::vector<double> Values(const OperandTensor& t, const char* what) {
  const io::Tensor& x = t.tensor;
  if (HoldsFloatValues(x.dtype)) return FloatValues(x, t.name);
  const int width = io::dtype_size(x.dtype);
  if (IsUnsigned(x.dtype)) {
    throw InputError(t.name, "dtype",
                     fmt::format("expected float values for {} (f2, f4, f8, "
                                 "bf16 or an FP8 kind), found {}",
                                 what, io::dtype_name(x.dtype)));
  }
  std::vector<double> out(static_cast<size_t>(x.numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t v = 0;  // little-endian two's complement, sign-extended
    std::memcpy(&v, x.data.data() + i * width, static_cast<size_t>(width));
    if (width < 8) v = (v << (64 - 8 * width)) >> (64 - 8 * width);
    if (v > (int64_t{1} << 53) || v < -(int64_t{1} << 53)) {
      throw InputError(t.name, fmt::format("element {}", i),
                       fmt::format("integer {} is not exact in float64; "
                                   "expected |value| <= 2^53",
                                   v));
    }
    out[i] = static_cast<double>(v);
  }
  return out;
}

// Each of `matrices` row-major rows x cols matrices, transposed.
template <typename T>
std::vector<T> Transpose(const std::vector<T>& in, int64_t matrices,
                         int64_t rows, int64_t cols) {
  std::vector<T> out(in.size());
  for (int64_t m = 0; m < matrices; ++m) {
    const T* from = in.data() + m * rows * cols;
    T* to = out.data() + m * rows * cols;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) to[j * rows + i] = from[i * cols + j];
  }
  return out;
}

std::vector<double> DecodeAll(const Format& f, std::span<const uint64_t> c) {
  std::vector<double> out(c.size());
  if (f.bits() <= 16) {
    const auto table = SharedDecodeTable(f);  // one load per element
    for (size_t i = 0; i < c.size(); ++i) out[i] = (*table)[c[i]];
  } else {
    for (size_t i = 0; i < c.size(); ++i) out[i] = Decode(f, c[i]);
  }
  return out;
}

// Rounds every value once into `f` and returns the rounded values: through
// the fast float32 kernels where the values are float32-exact and the codes
// fit 16 bits (decoded straight from the narrow codes: a 2048^2 operand
// would otherwise hold 32 MB of 64-bit codes, and fresh pages cost more
// than the rounding), else from float64 (never via float32, which would
// round twice).
template <typename Code>
std::vector<double> RoundFloat32Values(const Format& f,
                                       std::span<const float> x,
                                       const EncodeOptions& o,
                                       const RandomKey& key) {
  std::vector<Code> codes(x.size());
  EncodeFloat32(f, x, std::span<Code>(codes), o, key);
  const auto table = SharedDecodeTable(f);
  std::vector<double> out(x.size());
  for (size_t i = 0; i < codes.size(); ++i) out[i] = (*table)[codes[i]];
  return out;
}

template <typename Code>
std::vector<double> RoundViaFloat32(const Format& f,
                                    const std::vector<double>& x,
                                    const EncodeOptions& o,
                                    const RandomKey& key) {
  const std::vector<float> narrow(x.begin(), x.end());  // exact: checked
  return RoundFloat32Values<Code>(f, narrow, o, key);
}

std::vector<double> RoundAll(const Format& f, const std::vector<double>& x,
                             bool float32_exact, const EncodeOptions& o,
                             const RandomKey& key) {
  if (float32_exact && f.bits() <= 8)
    return RoundViaFloat32<uint8_t>(f, x, o, key);
  if (float32_exact && f.bits() <= 16)
    return RoundViaFloat32<uint16_t>(f, x, o, key);
  std::vector<uint64_t> codes(x.size());
  EncodeFloat64(f, x, codes, o, key);
  return DecodeAll(f, codes);
}

double Amax(const std::vector<double>& x) {
  double amax = 0;
  for (const double v : x) {
    if (std::isnan(v)) return v;  // TensorScale then falls back to 1
    amax = std::max(amax, std::fabs(v));
  }
  return amax;
}

}  // namespace

OperandTensor ReadOperand(const std::string& spec) {
  const std::string ext = ".safetensors";
  const size_t at = spec.find(ext + ":");
  if (at != std::string::npos) {
    const std::string file = spec.substr(0, at + ext.size());
    return {spec, io::read_safetensors(file, spec.substr(file.size() + 1))};
  }
  if (spec.ends_with(ext)) {
    const std::vector<std::string> names = io::safetensors_names(spec);
    if (names.size() != 1) {
      const size_t shown = std::min<size_t>(names.size(), 5);
      throw InputError(
          spec, "",
          fmt::format("holds {} tensors ({}{}); expected one, or name it as "
                      "{}:TENSOR",
                      names.size(),
                      fmt::join(names.begin(), names.begin() + shown, ", "),
                      shown < names.size() ? ", ..." : "", spec));
    }
    return {spec, io::read_safetensors(spec, names[0])};
  }
  return {spec, io::read_npy(spec)};
}

GemmShapes BroadcastGemmShapes(const OperandTensor& a, const OperandTensor& b,
                               const OperandTensor* c) {
  const std::vector<int64_t>& sa = a.tensor.shape;
  const std::vector<int64_t>& sb = b.tensor.shape;
  const std::string both = fmt::format("A ({}) is {}, B ({}) is {}", a.name,
                                       ShapeText(sa), b.name, ShapeText(sb));
  if (sa.empty() || sb.empty()) {
    const OperandTensor& scalar = sa.empty() ? a : b;
    throw InputError(scalar.name, "shape",
                     both +
                         ": expected A as [..., M, K] and B as [..., K, N] "
                         "(at least one dimension), found a scalar");
  }
  GemmShapes s;
  const bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  s.m = a_vector ? 1 : sa[sa.size() - 2];
  s.k = sa.back();
  const int64_t kb = b_vector ? sb[0] : sb[sb.size() - 2];
  s.n = b_vector ? 1 : sb.back();
  if (kb != s.k) {
    throw InputError(b.name, "shape",
                     fmt::format("{}: A has K = {} columns but B has {} rows; "
                                 "expected A [..., M, K] and B [..., K, N]",
                                 both, s.k, kb));
  }
  const std::vector<int64_t> ba(sa.begin(), sa.end() - (a_vector ? 1 : 2));
  const std::vector<int64_t> bb(sb.begin(), sb.end() - (b_vector ? 1 : 2));
  s.batch.assign(std::max(ba.size(), bb.size()), 1);
  for (size_t d = 0; d < s.batch.size(); ++d) {
    const size_t from_end = s.batch.size() - d;
    const int64_t x = from_end <= ba.size() ? ba[ba.size() - from_end] : 1;
    const int64_t y = from_end <= bb.size() ? bb[bb.size() - from_end] : 1;
    if (x != y && x != 1 && y != 1) {
      throw InputError(
          b.name, "shape",
          fmt::format("{}: batch dims {} and {} do not broadcast (NumPy "
                      "matmul: equal, or one of them 1)",
                      both, ShapeText(ba), ShapeText(bb)));
    }
    s.batch[d] = std::max(x, y);
    if (x == 0 || y == 0) s.batch[d] = 0;
  }
  s.output_shape = s.batch;
  if (!a_vector) s.output_shape.push_back(s.m);
  if (!b_vector) s.output_shape.push_back(s.n);
  // D's element count must not overflow (a [1e6, 1] x [1, 1e6] is legal).
  int64_t count = 1;
  for (const int64_t d : s.output_shape) {
    if (d != 0 && count > INT64_MAX / 8 / d) {
      throw InputError(b.name, "shape",
                       both + ": D " + ShapeText(s.output_shape) +
                           " would be too large to hold");
    }
    count *= d;
  }
  s.a_matrix = BroadcastIndex(ba, s.batch);
  s.b_matrix = BroadcastIndex(bb, s.batch);
  if (c && !BroadcastsTo(c->tensor.shape, s.output_shape)) {
    throw InputError(
        c->name, "shape",
        fmt::format("C is {} but {}, so D is {}; expected C to broadcast to "
                    "D's shape",
                    ShapeText(c->tensor.shape), both,
                    ShapeText(s.output_shape)));
  }
  return s;
}

QuantizedOperand QuantizeOperand(const OperandTensor& t, OperandRole role,
                                 const InputSpec& spec, uint64_t seed) {
  const std::vector<int64_t>& shape = t.tensor.shape;
  const bool is_a = role == OperandRole::kA;
  const size_t nd = shape.size();
  if (nd == 0) throw Error(ExitCode::kInternal, "QuantizeOperand: scalar");
  QuantizedOperand q;
  q.role_is_a = is_a;
  q.rows = nd == 1 ? (is_a ? 1 : shape[0]) : shape[nd - 2];
  q.cols = nd == 1 ? (is_a ? shape[0] : 1) : shape[nd - 1];
  const int64_t matrices =
      nd <= 2 ? 1 : Product(std::span(shape).first(nd - 2));
  const Format& f = spec.format;
  q.emin = f.is_float() ? f.min_normal_exponent() : 0;
  const char* letter = is_a ? "A" : "B";

  if (IsUnsigned(t.tensor.dtype)) {
    if (spec.scaling.kind != ScalingKind::kNone) {
      throw InputError(
          t.name, "dtype",
          fmt::format("{} holds codes ({}), but inputs.{} has scaling {}, "
                      "whose scales are computed from values; expected "
                      "float values (f2, f4, f8)",
                      letter, io::dtype_name(t.tensor.dtype), is_a ? "a" : "b",
                      ScalingName(spec.scaling.kind)));
    }
    q.values = DecodeAll(f, Codes(t.tensor, f, t.name));
    q.from_codes = true;
    return q;
  }

  // Rounding each element on its own with no random bits does not depend
  // on where the element sits: round in file order, without B's two
  // transposes or a float64 copy (at 2048^2 each is 32 MB of fresh pages,
  // which cost more than the rounding).
  if (spec.scaling.kind == ScalingKind::kNone &&
      spec.encode.rounding.mode != Rounding::kStochastic) {
    if (FitsFloat32(t.tensor.dtype) && f.bits() <= 16) {
      const std::vector<float> x = Float32Values(t.tensor, t.name);
      q.values = f.bits() <= 8
                     ? RoundFloat32Values<uint8_t>(f, x, spec.encode, {})
                     : RoundFloat32Values<uint16_t>(f, x, spec.encode, {});
    } else {
      q.values = RoundAll(f, Values(t, letter), false, spec.encode, {});
    }
    return q;
  }

  // Quantize along K: A's rows as they are, B's columns as rows of B^T
  // (stochastic rounding draws element e's bits at its K-contiguous index;
  // block scales are per K-vector).
  const int64_t k = is_a ? q.cols : q.rows;
  std::vector<double> x = Values(t, letter);
  if (!is_a) x = Transpose(x, matrices, q.rows, q.cols);
  const RandomKey key{seed, is_a ? StreamTensor::kA : StreamTensor::kB};
  std::vector<double> values;
  std::vector<int16_t> emins;
  if (spec.scaling.kind == ScalingKind::kNone) {
    values = RoundAll(f, x, FitsFloat32(t.tensor.dtype), spec.encode, key);
  } else {
    ValidateScaling(f, spec.scaling);
    const double amax = Amax(x);
    q.tensor_scale = TensorScale(f, spec.scaling, amax);
    const bool blocks = ScalingBlockSize(spec.scaling.kind) > 0;
    values.resize(x.size());
    if (blocks) emins.assign(x.size(), static_cast<int16_t>(q.emin));
    if (blocks) q.scale_block = ScalingBlockSize(spec.scaling.kind);
    for (size_t start = 0; k > 0 && start < x.size(); start += k) {
      const ScaledVector v =
          QuantizeScaled(f, spec.scaling, std::span(x).subspan(start, k), amax,
                         spec.encode, key, start);
      if (v.tensor_scale != q.tensor_scale)
        throw Error(ExitCode::kInternal, "QuantizeOperand: tensor scales");
      if (blocks && v.block != q.scale_block)
        throw Error(ExitCode::kInternal, "QuantizeOperand: block sizes");
      // K-vectors in order: A's rows, B's columns (B^T's rows).
      q.block_scales.insert(q.block_scales.end(), v.block_scales.begin(),
                            v.block_scales.end());
      for (int64_t i = 0; i < k; ++i) {
        const double s = v.block ? v.block_scales[i / v.block] : 1.0;
        values[start + i] = Decode(f, v.codes[i]) * s;  // exact (see .h)
        // The block scale shifts the element format's binades.
        if (blocks && std::isfinite(s) && s > 0)
          emins[start + i] = static_cast<int16_t>(q.emin + std::ilogb(s));
      }
    }
  }
  q.values =
      is_a ? std::move(values) : Transpose(values, matrices, q.cols, q.rows);
  q.emin_per_element = is_a || emins.empty()
                           ? std::move(emins)
                           : Transpose(emins, matrices, q.cols, q.rows);
  return q;
}

QuantizedOperand UnquantizedOperand(const OperandTensor& t, OperandRole role) {
  if (IsUnsigned(t.tensor.dtype))
    throw Error(ExitCode::kInternal, "UnquantizedOperand: codes");
  const std::vector<int64_t>& shape = t.tensor.shape;
  const bool is_a = role == OperandRole::kA;
  const size_t nd = shape.size();
  if (nd == 0) throw Error(ExitCode::kInternal, "UnquantizedOperand: scalar");
  QuantizedOperand q;
  q.role_is_a = is_a;
  q.rows = nd == 1 ? (is_a ? 1 : shape[0]) : shape[nd - 2];
  q.cols = nd == 1 ? (is_a ? shape[0] : 1) : shape[nd - 1];
  q.values = Values(t, is_a ? "A" : "B");  // row-major, as the tensor is
  q.emin = -1022;                          // float64's, for completeness
  return q;
}

std::vector<double> BroadcastAddend(const OperandTensor& c,
                                    const GemmShapes& shapes) {
  const std::vector<double> values = Values(c, "C");
  const std::vector<int64_t> index =
      BroadcastIndex(c.tensor.shape, shapes.output_shape);
  std::vector<double> out(index.size());
  for (size_t i = 0; i < index.size(); ++i) out[i] = values[index[i]];
  return out;
}

}  // namespace gemmsim::app
