// Block scaling of inputs (SPEC.md "Number formats", `scaling:`): a vector
// (one row of an operand along K) is stored as element codes plus scales.
// Element i's value is
//   Decode(element_format, codes[i]) * block_scales[i / block] * tensor_scale
// (MXINT8: times 2^-6 more, see ElementValue).
//
//  none        codes only; block_scales empty, tensor_scale 1.
//  per_tensor  s = amax / max_finite rounded to float32 (amax maps to max);
//              power_of_two: s = 2^ceil(log2(amax / max_finite)), so no
//              element exceeds max. Elements use the caller's options.
//  mx          OCP Microscaling v1.0: blocks of 32; shared scale 2^X with
//              X = floor(log2(amax_block)) - emax_elem, an e8m0fnu code
//              X + 127, X clamped to [-127, 127]; elements are x / 2^X
//              rounded with the caller's mode and saturated. Elements:
//              e4m3fn, e5m2, e3m2fn, e2m3fn, e2m1fn, or int8 (MXINT8, an
//              implicit 2^-6 on each element, emax 0).
//  nvfp4       NVIDIA NVFP4: e2m1fn elements in blocks of 16, an e4m3fn block
//              scale and a float32 tensor scale s_g = amax / (6 * 448), so
//              every block scale fits e4m3fn (6 = e2m1fn max, 448 = e4m3fn
//              max). Elements saturate.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "datapaths/formats/codec.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim {

enum class ScalingKind { kNone, kPerTensor, kMx, kNvfp4 };

struct ScalingSpec {
  ScalingKind kind = ScalingKind::kNone;
  bool power_of_two = false;  // per_tensor only
};

std::string_view ScalingName(ScalingKind kind);
std::optional<ScalingKind> ParseScaling(std::string_view name);
int ScalingBlockSize(ScalingKind kind);  // mx 32, nvfp4 16, else 0 (none)

// Throws a configuration error when `kind` cannot scale `element_format`.
void CheckScalable(const Format& element_format, ScalingKind kind);

struct ScaledVector {
  std::vector<uint64_t> codes;
  std::vector<double> block_scales;         // one per block (mx, nvfp4)
  std::vector<uint64_t> block_scale_codes;  // e8m0fnu (mx) or e4m3fn (nvfp4)
  double tensor_scale = 1.0;
  int block = 0;  // elements per block; 0: no block scales
};

// The scale a whole tensor shares (per_tensor's s, nvfp4's s_g; 1 otherwise)
// from the amax of the whole tensor, so every row of a matrix uses one.
double TensorScale(const Format& element_format, const ScalingSpec& spec,
                   double tensor_amax);

// Quantizes one row. Stochastic rounding draws element i's bits from
// RandomBits(key, first_index + i).
ScaledVector QuantizeScaled(const Format& element_format,
                            const ScalingSpec& spec,
                            std::span<const double> values, double tensor_amax,
                            const EncodeOptions& options,
                            const RandomKey& key = {},
                            uint64_t first_index = 0);

// Element i's value without its scales (MXINT8's implicit 2^-6 included).
double ElementValue(const Format& element_format, ScalingKind kind,
                    uint64_t code);

std::vector<double> DequantizeScaled(const Format& element_format,
                                     ScalingKind kind, const ScaledVector& v);

}  // namespace gemmsim
