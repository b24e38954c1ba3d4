#include "datapaths/formats/block_scaling.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "datapaths/error.h"

namespace gemmsim {
namespace {

constexpr std::array<std::pair<ScalingKind, std::string_view>, 4>
    kScalingNames = {{{ScalingKind::kNone, "none"},
                      {ScalingKind::kPerTensor, "per_tensor"},
                      {ScalingKind::kMx, "mx"},
                      {ScalingKind::kNvfp4, "nvfp4"}}};

// OCP MX v1.0 section 5: k = 32 elements share one scale.
constexpr int kMxBlock = 32;
// NVFP4: 16 e2m1fn elements share one e4m3fn scale.
constexpr int kNvfp4Block = 16;

// E8M0 (e8m0fnu): value 2^(code - 127); codes 0..254 are 2^-127..2^127 and
// 0xFF is NaN. The shared exponent X is therefore clamped to [-127, 127].
constexpr int kE8m0Bias = 127;
constexpr int kMinSharedExponent = -kE8m0Bias;  // code 0
constexpr int kMaxSharedExponent = 127;         // code 254 = 127 + 127
constexpr uint64_t kE8m0NanCode = 0xFF;

// MXINT8 (OCP MX v1.0 section 5.3.3): an element is an int8 code read as
// fixed point 1.111111 (binary), i.e. code * 2^-6; its max 127 * 2^-6 =
// 1.984375 lies in the binade [2^0, 2^1), so its emax is 0.
constexpr int kMxInt8FractionBits = 6;

// NVFP4's tensor scale divides amax by the largest value a block scale times
// an element can reach, so that amax_block / (6 s_g) <= 448 always fits the
// e4m3fn block scale.
constexpr double kE2m1Max = 6;    // e2m1fn max: 1.5 * 2^2
constexpr double kE4m3Max = 448;  // e4m3fn max: 1.75 * 2^8
constexpr double kNvfp4TensorRange = kE2m1Max * kE4m3Max;  // 6 * 448 = 2688

// float32's positive range, where per_tensor and nvfp4 tensor scales live.
constexpr double kFloat32Max = std::numeric_limits<float>::max();
constexpr int kFloat32MinPowerOfTwo = -149;  // denorm_min = 2^-149
constexpr int kFloat32MaxPowerOfTwo = 127;

// Below this |x| the remainder of x / d may itself underflow (see
// DivideToOdd). Every divisor here is at least 2^-158 (nvfp4: e4m3fn's
// smallest subnormal 2^-9 times float32's 2^-149), so such an x gives a
// quotient below 2^-802: under every element format's range but fp64's.
constexpr double kExactRemainderFloor = 0x1p-960;

// One MX element format and its emax_elem (OCP MX v1.0 Table 1): the
// exponent of the binade holding its max finite value.
struct MxElement {
  std::string_view name;
  int emax;
};
constexpr std::array<MxElement, 6> kMxElements = {{
    {"e4m3fn", 8},  // MXFP8 E4M3: max 448 = 1.75 * 2^8
    {"e5m2", 15},   // MXFP8 E5M2: max 57344 = 1.75 * 2^15
    {"e3m2fn", 4},  // MXFP6 E3M2: max 28 = 1.75 * 2^4
    {"e2m3fn", 2},  // MXFP6 E2M3: max 7.5 = 1.875 * 2^2
    {"e2m1fn", 2},  // MXFP4 E2M1: max 6 = 1.5 * 2^2
    {"int8", 0},    // MXINT8: max 127 * 2^-6 = 1.984375 < 2^1
}};

const std::vector<Format>& MxElementFormats() {
  static const std::vector<Format> formats = [] {
    std::vector<Format> f;
    for (const MxElement& e : kMxElements) f.push_back(FormatByName(e.name));
    return f;
  }();
  return formats;
}

// Index into kMxElements of a format with the same layout, or nullopt.
// Matching by layout accepts a custom mapping identical to a spec format.
std::optional<size_t> FindMxElement(const Format& f) {
  const std::vector<Format>& formats = MxElementFormats();
  for (size_t i = 0; i < formats.size(); ++i)
    if (formats[i] == f) return i;
  return std::nullopt;
}

const Format& E8m0() {
  static const Format f = FormatByName("e8m0fnu");
  return f;
}
const Format& E4m3fn() {
  static const Format f = FormatByName("e4m3fn");
  return f;
}
const Format& E2m1fn() {
  static const Format f = FormatByName("e2m1fn");
  return f;
}

bool IsMxInt8(const Format& f) { return !f.is_float(); }  // after validation

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// x / d (d > 0, a normal double) as a double that, rounded into any format
// of at most 51 significand bits, rounds exactly as the exact quotient does.
//
// A plain x / d rounds twice -- to 53 bits, then to the element format -- and
// the first rounding can land exactly on a tie of the second (or hide that
// the quotient was just off one). Rounding to odd instead (truncate, then
// set the last bit when inexact) keeps that information in a sticky bit:
// Boldo & Melquiond, "When double rounding is odd" (2005). The same holds
// for stochastic rounding as long as p + stochastic_bits <= 52 (the
// compared bits are then true quotient bits).
double DivideToOdd(double x, double d) {
  const double q = x / d;
  // 1. Zero, Inf and NaN pass through exactly (Inf stays Inf, NaN NaN).
  if (x == 0 || !std::isfinite(x)) return q;
  // 2. A finite quotient beyond double still overflows every format: keep
  //    it finite, so that Encode applies the rounding mode's overflow rule
  //    (rtz gives max finite) and not the rule for an infinite input.
  if (std::isinf(q))
    return std::copysign(std::numeric_limits<double>::max(), x);
  // 3. Quotients far below every element format's range: only their sign
  //    and non-zeroness matter (rne gives 0, rup the smallest subnormal...),
  //    so keep them non-zero.
  if (std::fabs(q) < std::numeric_limits<double>::min() ||
      std::fabs(x) < kExactRemainderFloor) {
    return q != 0 ? q
                  : std::copysign(std::numeric_limits<double>::denorm_min(), x);
  }
  // 4. A power-of-two divisor only moves the exponent: q is exact.
  constexpr uint64_t kFractionMask = (uint64_t{1} << 52) - 1;
  if ((std::bit_cast<uint64_t>(d) & kFractionMask) == 0) return q;
  // 5. The remainder x - q * d is exact (q is the nearest double to the
  //    quotient and nothing underflows: step 3), and its sign says on which
  //    side of q the exact quotient x / d lies.
  const double r = std::fma(-q, d, x);
  if (r == 0) return q;
  const uint64_t bits = std::bit_cast<uint64_t>(q);
  if (bits & 1) return q;  // already odd: the truncation, sticky bit set
  // 6. q is even and inexact: the odd neighbour toward the exact quotient
  //    is the truncation with its sticky bit. Moving the magnitude down from
  //    a power of two gives the all-ones significand of the binade below,
  //    which is odd too.
  const bool magnitude_up = (r > 0) == (q > 0);
  return std::bit_cast<double>(magnitude_up ? bits + 1 : bits - 1);
}

// A positive ratio as a float32 scale: rounded once to float32, and kept
// inside float32's positive finite range so that it never becomes 0 or Inf
// (a scale must be divisible by, and multiply back, without NaNs).
double Float32Scale(double ratio) {
  if (ratio >= kFloat32Max) return kFloat32Max;
  const double s = static_cast<float>(ratio);
  return s > 0 ? s : std::ldexp(1.0, kFloat32MinPowerOfTwo);
}

// The smallest e with amax <= max * 2^e, exactly: with amax = a * 2^A and
// max = m * 2^M (a, m in [1, 2)), e is A - M, or A - M + 1 when a > m.
int CeilLog2Ratio(double amax, double max) {
  const int a_exp = std::ilogb(amax);
  const int m_exp = std::ilogb(max);
  const bool above = std::scalbn(amax, -a_exp) > std::scalbn(max, -m_exp);
  return a_exp - m_exp + (above ? 1 : 0);
}

struct BlockAmax {
  double amax = 0;
  bool finite = true;  // false: the block holds a NaN or an Inf
};

BlockAmax AbsMax(std::span<const double> block) {
  BlockAmax out;
  for (double x : block) {
    if (std::isfinite(x)) {
      out.amax = std::max(out.amax, std::fabs(x));
    } else {
      out.finite = false;
    }
  }
  return out;
}

uint32_t RandomFor(const EncodeOptions& o, const RandomKey& key,
                   uint64_t index) {
  return o.rounding.mode == Rounding::kStochastic ? RandomBits(key, index) : 0;
}

void CheckTensorAmax(double tensor_amax) {
  if (tensor_amax < 0) {
    throw Error(ExitCode::kInternal, "block scaling: tensor amax " +
                                         std::to_string(tensor_amax) +
                                         " is negative");
  }
}

// Appends a NaN block scale and `count` zero codes: OCP MX v1.0 section
// 6.3 (a NaN scale makes every element of its block NaN, whatever the
// element codes hold).
void AppendNanBlock(ScaledVector& out, uint64_t scale_code, size_t count) {
  out.block_scale_codes.push_back(scale_code);
  out.block_scales.push_back(kNaN);
  out.codes.insert(out.codes.end(), count, 0);
}

void QuantizeMx(const Format& f, std::span<const double> values,
                const EncodeOptions& options, const RandomKey& key,
                uint64_t first_index, ScaledVector& out) {
  const int emax = kMxElements[*FindMxElement(f)].emax;
  const bool int8 = IsMxInt8(f);
  // OCP: elements saturate; only the rounding mode is the caller's.
  const EncodeOptions element_options{options.rounding, Overflow::kSaturate};
  for (size_t begin = 0; begin < values.size(); begin += kMxBlock) {
    const size_t count = std::min<size_t>(kMxBlock, values.size() - begin);
    const BlockAmax a = AbsMax(values.subspan(begin, count));
    // 1. NaN or Inf anywhere: the NaN scale.
    if (!a.finite) {
      AppendNanBlock(out, kE8m0NanCode, count);
      continue;
    }
    // 2. X = floor(log2(amax)) - emax. ilogb reads floor(log2) off the
    //    exponent bits (subnormal doubles included): exact, unlike log2().
    //    A zero block has no exponent: it takes the smallest scale.
    const int shared_exponent =
        a.amax == 0 ? kMinSharedExponent
                    : std::clamp(std::ilogb(a.amax) - emax, kMinSharedExponent,
                                 kMaxSharedExponent);
    const uint64_t scale_code =
        static_cast<uint64_t>(shared_exponent + kE8m0Bias);
    out.block_scale_codes.push_back(scale_code);
    out.block_scales.push_back(Decode(E8m0(), scale_code));  // 2^X
    // 3. Elements: x / 2^X (MXINT8: in units of 2^-6, x / 2^(X - 6)). The
    //    largest lands in [2^emax, 2^(emax+1)); above max it saturates.
    const double divisor =
        std::ldexp(1.0, shared_exponent - (int8 ? kMxInt8FractionBits : 0));
    for (size_t i = begin; i < begin + count; ++i) {
      out.codes.push_back(Encode(f, DivideToOdd(values[i], divisor),
                                 element_options,
                                 RandomFor(options, key, first_index + i)));
    }
  }
}

void QuantizeNvfp4(std::span<const double> values, const EncodeOptions& options,
                   const RandomKey& key, uint64_t first_index,
                   ScaledVector& out) {
  const double s_g = out.tensor_scale;
  const EncodeOptions scale_options{RoundingSpec{}, Overflow::kSaturate};
  const EncodeOptions element_options{options.rounding, Overflow::kSaturate};
  for (size_t begin = 0; begin < values.size(); begin += kNvfp4Block) {
    const size_t count = std::min<size_t>(kNvfp4Block, values.size() - begin);
    const BlockAmax a = AbsMax(values.subspan(begin, count));
    // 1. NaN or Inf anywhere: e4m3fn's NaN scale, as mx does.
    if (!a.finite) {
      AppendNanBlock(out, E4m3fn().nan_code(), count);
      continue;
    }
    // 2. s_b = amax_block / 6 in units of s_g, rne, saturated to 448. 6 * s_g
    //    is exact (3 bits times 24), so the quotient is rounded once.
    const uint64_t scale_code =
        Encode(E4m3fn(), DivideToOdd(a.amax, kE2m1Max * s_g), scale_options);
    const double s_b = Decode(E4m3fn(), scale_code);
    out.block_scale_codes.push_back(scale_code);
    out.block_scales.push_back(s_b);
    // 3. Elements: x / (s_b s_g), saturated to +-6. s_b s_g is exact (4 bits
    //    times 24). A block scale that underflowed to 0 leaves nothing to
    //    divide by: the elements become zeros of their sign.
    const double divisor = s_b * s_g;
    for (size_t i = begin; i < begin + count; ++i) {
      const double x = values[i];
      out.codes.push_back(
          divisor == 0
              ? Encode(E2m1fn(), std::copysign(0.0, x), element_options)
              : Encode(E2m1fn(), DivideToOdd(x, divisor), element_options,
                       RandomFor(options, key, first_index + i)));
    }
  }
}

}  // namespace

std::string_view ScalingName(ScalingKind kind) {
  for (const auto& [k, name] : kScalingNames)
    if (k == kind) return name;
  return "?";
}

std::optional<ScalingKind> ParseScaling(std::string_view name) {
  for (const auto& [k, n] : kScalingNames)
    if (n == name) return k;
  return std::nullopt;
}

int ScalingBlockSize(ScalingKind kind) {
  switch (kind) {
    case ScalingKind::kMx:
      return kMxBlock;
    case ScalingKind::kNvfp4:
      return kNvfp4Block;
    case ScalingKind::kNone:
    case ScalingKind::kPerTensor:
      return 0;
  }
  return 0;
}

std::optional<Format> BlockScaleFormat(ScalingKind kind) {
  if (kind == ScalingKind::kMx) return E8m0();
  if (kind == ScalingKind::kNvfp4) return E4m3fn();
  return std::nullopt;
}

int MxElementEmax(const Format& f) {
  const std::optional<size_t> i = FindMxElement(f);
  if (!i) {
    throw ConfigError("scaling mx: element format " + f.name() +
                      " is not an OCP MX element format (e4m3fn, e5m2, "
                      "e3m2fn, e2m3fn, e2m1fn, int8)");
  }
  return kMxElements[*i].emax;
}

void ValidateScaling(const Format& f, const ScalingSpec& spec) {
  const std::string_view name = ScalingName(spec.kind);
  if (name == "?") {
    throw Error(ExitCode::kInternal,
                "block scaling: unknown scaling kind " +
                    std::to_string(static_cast<int>(spec.kind)));
  }
  if (spec.power_of_two && spec.kind != ScalingKind::kPerTensor) {
    throw ConfigError("scaling " + std::string(name) +
                      ": power_of_two applies to per_tensor scaling only");
  }
  if (spec.kind == ScalingKind::kMx) MxElementEmax(f);  // throws if not MX
  if (spec.kind == ScalingKind::kNvfp4 && !(f == E2m1fn())) {
    throw ConfigError("scaling nvfp4: the element format must be e2m1fn, not " +
                      f.name());
  }
}

double TensorScale(const Format& f, const ScalingSpec& spec,
                   double tensor_amax) {
  ValidateScaling(f, spec);
  // A zero, infinite or NaN amax has no finite scale to offer: 1.
  const bool usable = tensor_amax > 0 && std::isfinite(tensor_amax);
  switch (spec.kind) {
    case ScalingKind::kPerTensor:
      CheckTensorAmax(tensor_amax);
      if (!usable) return 1.0;
      if (spec.power_of_two) {
        // amax / 2^e <= max: no element overflows. Kept to float32's powers
        // of two, 2^-149..2^127.
        return std::ldexp(
            1.0, std::clamp(CeilLog2Ratio(tensor_amax, f.max_finite()),
                            kFloat32MinPowerOfTwo, kFloat32MaxPowerOfTwo));
      }
      return Float32Scale(DivideToOdd(tensor_amax, f.max_finite()));
    case ScalingKind::kNvfp4:
      CheckTensorAmax(tensor_amax);
      if (!usable) return 1.0;
      return Float32Scale(DivideToOdd(tensor_amax, kNvfp4TensorRange));
    case ScalingKind::kMx:
      // MXINT8's implicit 2^-6 on every element.
      return IsMxInt8(f) ? std::ldexp(1.0, -kMxInt8FractionBits) : 1.0;
    case ScalingKind::kNone:
      return 1.0;
  }
  return 1.0;
}

ScaledVector QuantizeScaled(const Format& f, const ScalingSpec& spec,
                            std::span<const double> values, double tensor_amax,
                            const EncodeOptions& options, const RandomKey& key,
                            uint64_t first_index) {
  ScaledVector out;
  out.tensor_scale = TensorScale(f, spec, tensor_amax);  // validates
  out.block = ScalingBlockSize(spec.kind);
  out.codes.reserve(values.size());
  if (out.block > 0) {
    const size_t blocks = (values.size() + out.block - 1) / out.block;
    out.block_scales.reserve(blocks);
    out.block_scale_codes.reserve(blocks);
  }
  switch (spec.kind) {
    case ScalingKind::kNone:
      for (size_t i = 0; i < values.size(); ++i) {
        out.codes.push_back(Encode(f, values[i], options,
                                   RandomFor(options, key, first_index + i)));
      }
      break;
    case ScalingKind::kPerTensor:
      for (size_t i = 0; i < values.size(); ++i) {
        out.codes.push_back(Encode(f, DivideToOdd(values[i], out.tensor_scale),
                                   options,
                                   RandomFor(options, key, first_index + i)));
      }
      break;
    case ScalingKind::kMx:
      QuantizeMx(f, values, options, key, first_index, out);
      break;
    case ScalingKind::kNvfp4:
      QuantizeNvfp4(values, options, key, first_index, out);
      break;
  }
  return out;
}

std::vector<double> DequantizeScaled(const Format& f, const ScaledVector& v) {
  const size_t n = v.codes.size();
  const size_t blocks =
      v.block > 0 ? (n + static_cast<size_t>(v.block) - 1) / v.block : 0;
  if (v.block < 0 || v.block_scales.size() != blocks) {
    throw Error(ExitCode::kInternal,
                "block scaling: " + std::to_string(n) + " codes in blocks of " +
                    std::to_string(v.block) + " need " +
                    std::to_string(blocks) + " block scales, not " +
                    std::to_string(v.block_scales.size()));
  }
  std::vector<double> out(n);
  for (size_t i = 0; i < n; ++i) {
    const double block_scale = v.block > 0 ? v.block_scales[i / v.block] : 1.0;
    out[i] = Decode(f, v.codes[i]) * block_scale * v.tensor_scale;
  }
  return out;
}

std::vector<double> DequantizeScaled(const Format& f, ScalingKind kind,
                                     const ScaledVector& v) {
  if (v.block != ScalingBlockSize(kind)) {
    throw Error(ExitCode::kInternal, "block scaling: a vector with blocks of " +
                                         std::to_string(v.block) +
                                         " was not made by scaling " +
                                         std::string(ScalingName(kind)));
  }
  return DequantizeScaled(f, v);
}

}  // namespace gemmsim
