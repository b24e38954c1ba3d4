#include "datapaths/formats/block_scaling.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "datapaths/error.h"

namespace gemmsim {
namespace {

constexpr int kMxBlock = 32;     // OCP MX v1.0, section 5
constexpr int kNvfp4Block = 16;  // NVFP4: 16 e2m1fn elements per scale
constexpr int kE8m0Bias = 127;
constexpr int kMxint8FractionBits = 6;  // MXINT8 element = int8 * 2^-6
// NVFP4 block scales must fit e4m3fn: 6 (e2m1fn max) * 448 (e4m3fn max).
constexpr double kNvfp4ScaleRange = 6.0 * 448.0;  // = 2688

const Format& E8m0() {
  static const Format f = FormatByName("e8m0fnu");
  return f;
}
const Format& E4m3fn() {
  static const Format f = FormatByName("e4m3fn");
  return f;
}

bool IsMxElement(const Format& f) {
  for (const char* name :
       {"e4m3fn", "e5m2", "e3m2fn", "e2m3fn", "e2m1fn", "int8"})
    if (f == FormatByName(name)) return true;
  return false;
}

// emax of an MX element format: the exponent of its largest normal binade
// (OCP MX v1.0 Table 1: e4m3fn 8, e5m2 15, e3m2fn 4, e2m3fn 2, e2m1fn 2,
// int8 0).
int ElementEmax(const Format& f) {
  if (!f.is_float()) return 0;
  return std::ilogb(f.max_finite());
}

double AbsMax(std::span<const double> v) {
  double m = 0;
  for (double x : v) {
    if (std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
    m = std::max(m, std::fabs(x));
  }
  return m;
}

EncodeOptions Saturating(EncodeOptions o) {
  o.overflow = Overflow::kSaturate;
  return o;
}

uint32_t Random(const EncodeOptions& o, const RandomKey& key, uint64_t index) {
  return o.rounding.mode == Rounding::kStochastic ? RandomBits(key, index) : 0;
}

}  // namespace

std::string_view ScalingName(ScalingKind kind) {
  switch (kind) {
    case ScalingKind::kNone:
      return "none";
    case ScalingKind::kPerTensor:
      return "per_tensor";
    case ScalingKind::kMx:
      return "mx";
    case ScalingKind::kNvfp4:
      return "nvfp4";
  }
  return "?";
}

std::optional<ScalingKind> ParseScaling(std::string_view name) {
  for (ScalingKind k : {ScalingKind::kNone, ScalingKind::kPerTensor,
                        ScalingKind::kMx, ScalingKind::kNvfp4})
    if (ScalingName(k) == name) return k;
  return std::nullopt;
}

int ScalingBlockSize(ScalingKind kind) {
  return kind == ScalingKind::kMx      ? kMxBlock
         : kind == ScalingKind::kNvfp4 ? kNvfp4Block
                                       : 0;
}

void CheckScalable(const Format& f, ScalingKind kind) {
  if (kind == ScalingKind::kMx && !IsMxElement(f)) {
    throw ConfigError("scaling mx: element format " + f.name() +
                      " is not an OCP MX element (e4m3fn, e5m2, e3m2fn, "
                      "e2m3fn, e2m1fn, int8)");
  }
  if (kind == ScalingKind::kNvfp4 && !(f == FormatByName("e2m1fn"))) {
    throw ConfigError("scaling nvfp4: element format must be e2m1fn, not " +
                      f.name());
  }
}

double TensorScale(const Format& f, const ScalingSpec& spec, double amax) {
  const bool usable = amax > 0 && std::isfinite(amax);
  switch (spec.kind) {
    case ScalingKind::kPerTensor: {
      if (!usable) return 1.0;  // nothing to scale
      const double ratio = amax / f.max_finite();
      if (spec.power_of_two)
        return std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(ratio))));
      return static_cast<float>(ratio);  // scales are stored as float32
    }
    case ScalingKind::kNvfp4:
      return usable ? static_cast<float>(amax / kNvfp4ScaleRange) : 1.0;
    default:
      return 1.0;
  }
}

double ElementValue(const Format& f, ScalingKind kind, uint64_t code) {
  const double v = Decode(f, code);
  return (kind == ScalingKind::kMx && !f.is_float())
             ? std::ldexp(v, -kMxint8FractionBits)
             : v;
}

ScaledVector QuantizeScaled(const Format& f, const ScalingSpec& spec,
                            std::span<const double> values, double tensor_amax,
                            const EncodeOptions& o, const RandomKey& key,
                            uint64_t first_index) {
  CheckScalable(f, spec.kind);
  ScaledVector out;
  out.codes.resize(values.size());
  out.tensor_scale = TensorScale(f, spec, tensor_amax);
  out.block = ScalingBlockSize(spec.kind);
  if (out.block == 0) {  // none, per_tensor: one scale for everything
    for (size_t i = 0; i < values.size(); ++i)
      out.codes[i] = Encode(f, values[i] / out.tensor_scale, o,
                            Random(o, key, first_index + i));
    return out;
  }
  const EncodeOptions element_options = Saturating(o);
  for (size_t begin = 0; begin < values.size(); begin += out.block) {
    const size_t end = std::min(values.size(), begin + out.block);
    const std::span<const double> block = values.subspan(begin, end - begin);
    const double amax = AbsMax(block);
    double scale;
    uint64_t scale_code;
    if (spec.kind == ScalingKind::kMx) {
      // 1. X = floor(log2(amax)) - emax, from the exponent bits (exact).
      //    A zero block takes the smallest scale; NaN or Inf: the NaN scale.
      if (!std::isfinite(amax)) {
        scale_code = E8m0().nan_code();
      } else {
        const int x =
            amax == 0 ? -kE8m0Bias : std::ilogb(amax) - ElementEmax(f);
        scale_code = static_cast<uint64_t>(
            std::clamp(x, -kE8m0Bias, kE8m0Bias) + kE8m0Bias);
      }
      scale = Decode(E8m0(), scale_code);
    } else {
      // 2. NVFP4: the block scale amax / 6 in units of s_g, as e4m3fn.
      scale_code = Encode(E4m3fn(), amax / 6.0 / out.tensor_scale,
                          Saturating(EncodeOptions{}));
      scale = Decode(E4m3fn(), scale_code);
      if (!std::isfinite(amax))
        scale = std::numeric_limits<double>::quiet_NaN();
    }
    out.block_scale_codes.push_back(scale_code);
    out.block_scales.push_back(scale);
    // 3. Elements: x / (block scale * tensor scale), saturating. A zero or
    //    NaN scale leaves no information: elements are 0 (dequantized NaN
    //    through the scale).
    const double divisor = scale * out.tensor_scale;
    const double implicit =
        f.is_float() ? 1.0 : std::ldexp(1.0, kMxint8FractionBits);  // MXINT8
    for (size_t i = begin; i < end; ++i) {
      out.codes[i] =
          (divisor == 0 || std::isnan(divisor))
              ? 0
              : Encode(f, values[i] / divisor * implicit, element_options,
                       Random(o, key, first_index + i));
    }
  }
  return out;
}

std::vector<double> DequantizeScaled(const Format& f, ScalingKind kind,
                                     const ScaledVector& v) {
  std::vector<double> out(v.codes.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const double block_scale = v.block ? v.block_scales[i / v.block] : 1.0;
    out[i] = ElementValue(f, kind, v.codes[i]) * block_scale * v.tensor_scale;
  }
  return out;
}

}  // namespace gemmsim
