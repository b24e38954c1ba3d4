// Block scaling of inputs (SPEC.md "Number formats", block scaling paragraph:
// `scaling:` on an input). A vector -- one row of an operand along K, blocks
// being consecutive elements -- is stored as element codes plus scales:
//
//   value[i] = Decode(element_format, codes[i])
//              * block_scales[i / block]      (mx, nvfp4; 1 when block == 0)
//              * tensor_scale
//
// That product is the whole contract: a GEMM that multiplies code values and
// then applies the scale products per block (as hardware does) sees exactly
// the values DequantizeScaled returns. The product is exact in double for
// every spec element format but fp64: an element of at most 24 significant
// bits meets a power of two (mx), or a float32 (24 bits, per_tensor), or
// an e4m3fn (4 bits) and a float32 (nvfp4, whose elements have 2 bits).
//
// The schemes:
//
//  none        codes[i] = Encode(element_format, x[i], options); no block
//              scales; tensor_scale = 1.
//
//  per_tensor  One float32 scale s for the whole tensor, so that its amax
//              maps to the element format's max finite value:
//                s = float32(tensor_amax / max_finite)
//              or, with power_of_two, the smallest power of two that maps
//              amax at or below max (no element can overflow):
//                s = 2^ceil(log2(tensor_amax / max_finite))
//              codes[i] = Encode(x[i] / s) with the caller's options;
//              tensor_scale = s. tensor_amax of 0, Inf or NaN gives s = 1
//              (there is nothing to scale, or no finite scale would do). A
//              ratio beyond float32 is clamped into its positive range
//              (2^-149 .. FLT_MAX; power_of_two: 2^-149 .. 2^127), so s is
//              never 0 or Inf.
//
//  mx          OCP Microscaling Formats (MX) v1.0: blocks of 32, one shared
//              E8M0 scale 2^X per block with (section 6.3)
//                X = floor(log2(amax_block)) - emax_elem
//              emax_elem being the exponent of the element format's largest
//              normal binade (MxElementEmax). X is clamped to E8M0's range
//              [-127, 127]; its code (e8m0fnu) is X + 127. A block of zeros
//              takes X = -127 (code 0). A block holding a NaN or an Inf gets
//              the NaN scale (code 0xFF): the whole block decodes to NaN
//              (block_scales NaN, element codes 0). Elements are x / 2^X
//              rounded with the caller's rounding mode (stochastic included)
//              and always saturated, whatever options.overflow says (OCP:
//              values of the top binade above max clamp to max).
//              Element formats: e4m3fn, e5m2 (MXFP8), e3m2fn, e2m3fn
//              (MXFP6), e2m1fn (MXFP4) and int8 (MXINT8). An MXINT8 element
//              is the int8 code times an implicit 2^-6 (fixed point
//              1.111111 binary, emax 0): codes[i] = int8(round(x / 2^X * 2^6))
//              saturated to [-128, 127], and that implicit 2^-6 is carried
//              as tensor_scale, so block_scales stay the E8M0 values.
//
//  nvfp4       NVIDIA NVFP4: e2m1fn elements in blocks of 16, an e4m3fn
//              block scale s_b and a float32 tensor scale
//                s_g = float32(tensor_amax / (6 * 448))
//              (6 = e2m1fn max, 448 = e4m3fn max: amax_block / (6 s_g) never
//              exceeds 448, so every block scale fits e4m3fn); tensor_amax
//              of 0, Inf or NaN gives s_g = 1, and s_g is clamped into
//              float32's positive range as per_tensor's s is. (A tensor_amax
//              below a block's amax saturates that block: s_b at 448, its
//              elements at 6.)
//                s_b = Encode(e4m3fn, amax_block / (6 s_g), rne, saturate)
//                codes[i] = Encode(e2m1fn, x / (s_b s_g), options.rounding,
//                                  saturate)
//              A block scale that underflows to 0 encodes the block's
//              elements as (signed) zeros. A block holding a NaN or an Inf
//              gets the e4m3fn NaN scale (0x7F): it decodes to NaN, as in mx.
//              block_scale_codes hold the e4m3fn codes, block_scales their
//              values, tensor_scale = s_g.
//
// Every division x / s rounds the exact quotient once into the element
// format: no double rounding through a float64 quotient, for element formats
// of at most 51 significand bits (every spec format but fp64; stochastic
// rounding: p + stochastic_bits <= 52). Stochastic rounding draws element
// i's bits from RandomBits(key, first_index + i), so a row quantized in
// pieces split at block boundaries gives the same codes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "datapaths/formats/codec.h"
#include "datapaths/formats/format.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim {

enum class ScalingKind { kNone, kPerTensor, kMx, kNvfp4 };

struct ScalingSpec {
  ScalingKind kind = ScalingKind::kNone;
  bool power_of_two = false;  // per_tensor only (a configuration error else)
};

// "none", "per_tensor", "mx", "nvfp4".
std::string_view ScalingName(ScalingKind kind);
std::optional<ScalingKind> ParseScaling(std::string_view name);

// Elements per block scale: mx 32, nvfp4 16, else 0 (the whole tensor).
int ScalingBlockSize(ScalingKind kind);

// The format block scales are stored in: e8m0fnu (mx), e4m3fn (nvfp4);
// nullopt for the schemes without block scales.
std::optional<Format> BlockScaleFormat(ScalingKind kind);

// OCP MX emax_elem of an MX element format: e4m3fn 8, e5m2 15, e3m2fn 4,
// e2m3fn 2, e2m1fn 2, int8 0. Throws ConfigError for any other format.
int MxElementEmax(const Format& element_format);

// Throws ConfigError when `spec` cannot scale `element_format` (mx: not an
// MX element format; nvfp4: not e2m1fn; power_of_two without per_tensor).
// QuantizeScaled calls it; configuration readers can call it early.
void ValidateScaling(const Format& element_format, const ScalingSpec& spec);

// A vector quantized with block scales; see the file comment for the value
// of element i.
struct ScaledVector {
  std::vector<uint64_t> codes;
  std::vector<double> block_scales;         // one per block (mx, nvfp4)
  std::vector<uint64_t> block_scale_codes;  // e8m0fnu (mx) or e4m3fn (nvfp4)
  double tensor_scale = 1.0;
  int block = 0;  // elements per block; 0: no block scales
};

// The scale the whole tensor shares: per_tensor's s, nvfp4's s_g, MXINT8's
// implicit 2^-6, 1 otherwise. A pure function of tensor_amax, so every row
// of a matrix quantized with the same amax gets the same one.
double TensorScale(const Format& element_format, const ScalingSpec& spec,
                   double tensor_amax);

// Quantizes `values` (one row along K; the last block may be partial) into
// `element_format`. `options` gives the rounding (every scheme) and the
// overflow (none and per_tensor; mx and nvfp4 elements always saturate).
// `tensor_amax` is the amax of the whole tensor, used by per_tensor and
// nvfp4 (ignored otherwise); a negative one is a caller bug (Error,
// internal). Throws ConfigError for a scheme that does not allow
// `element_format`.
ScaledVector QuantizeScaled(const Format& element_format,
                            const ScalingSpec& spec,
                            std::span<const double> values, double tensor_amax,
                            const EncodeOptions& options,
                            const RandomKey& key = {},
                            uint64_t first_index = 0);

// value[i] as in the file comment. Throws gemmsim::Error (internal) when `v`
// is inconsistent (block scales missing for its codes).
std::vector<double> DequantizeScaled(const Format& element_format,
                                     const ScaledVector& v);

// The same, for callers that also hold the scheme: checks that `v` was made
// by `kind` (its block size), then dequantizes.
std::vector<double> DequantizeScaled(const Format& element_format,
                                     ScalingKind kind, const ScaledVector& v);

}  // namespace gemmsim
