// RoundFast (block_fma_finish.h) for the 16 lanes of the AVX-512 tiles, in
// intrinsics: the conversion rounds in the mode the instruction names
// (embedded rounding: no MXCSR, no global mode), toward zero in one
// instruction where the generic form steps back from nearest, and the
// range checks are mask compares. A third of the generic form's
// operations; the block's end was 40% of a block-4 tile (a30-tf32-fp32).
//
// The functions carry the avx512f target and are not always_inline: they
// inline into the tiles that are flattened under the same target
// (Avx512::Tile, block_fma_simd.h); forcing them into the generic TileBody
// first would be a target mismatch.
#pragma once

#include <cstdint>

#include "datapaths/arithmetic/block_fma_lanes.h"
#include "datapaths/arithmetic/isa_target.h"

#if GEMMSIM_X86
#include <immintrin.h>
#endif

namespace gemmsim::block_fma_simd {

#if GEMMSIM_X86
// result <- total 2^(m - width) rounded to the accumulator format, for the
// lanes where that is a normal value of it; slow marks the others (-1),
// which RoundNarrow must take:
//  1. the conversion to float32: to nearest even where 24 bits are kept,
//     else toward zero (never up to 2^31: |total| < 2^31);
//  2. fewer bits (drop = 23 - result_bits >= 2): round-to-odd, the cut
//     bits OR'ed into bit 0 (cvtt of the truncated value is exact), then
//     ties to even or toward zero at `drop` bits, on the magnitude (the
//     sign is bit 31; a carry moves into the exponent as it must);
//  3. times 2^(m - width): exact where the product is a normal float32,
//     and 2^(m - width) itself one where 1 <= m - width + 127 <= 254;
//  4. slow: a non-zero total whose scale is out of that range, or whose
//     value lies outside [2^(emin_acc + 1), max_finite] (subnormal or
//     smallest-binade results, whose quantum is fixed, and overflow).
GEMMSIM_TARGET("avx512f")
inline void RoundFast512(const VecParams& q, const Vec<16>::I& m,
                         const Vec<16>::U& total, Vec<16>::F& result,
                         Vec<16>::I& slow) {
  using I = Vec<16>::I;
  using F = Vec<16>::F;
  // Intrinsics for what vector extensions cannot say (rounding modes,
  // masks), the zero-masked forms: the plain ones start from an
  // "undefined" register that GCC 12 reports as maybe-uninitialized.
  constexpr __mmask16 kAll = 0xffff;
  constexpr int kNoExc = _MM_FROUND_NO_EXC;
  const I t = reinterpret_cast<I>(total);
  const __m512i tv = reinterpret_cast<__m512i>(t);
  const int drop = 23 - q.result_bits;  // 0, or 2 and more
  // Step 1.
  const F ft = reinterpret_cast<F>(
      q.nearest_even && drop == 0
          ? _mm512_maskz_cvt_roundepi32_ps(kAll, tv,
                                           _MM_FROUND_TO_NEAREST_INT | kNoExc)
          : _mm512_maskz_cvt_roundepi32_ps(kAll, tv,
                                           _MM_FROUND_TO_ZERO | kNoExc));
  I bits = reinterpret_cast<I>(ft);
  // Step 2.
  if (drop > 0) {
    if (q.nearest_even) {
      const I back = __builtin_convertvector(ft, I);
      const __mmask16 inexact =
          _mm512_cmpneq_epi32_mask(reinterpret_cast<__m512i>(back), tv);
      bits |= reinterpret_cast<I>(_mm512_maskz_set1_epi32(inexact, 1));
      bits += ((1 << (drop - 1)) - 1) + ((bits >> drop) & 1);
    }
    bits &= ~((1 << drop) - 1);
  }
  // Step 3.
  const I field = m + (127 - q.width);
  const F value = reinterpret_cast<F>(bits) * reinterpret_cast<F>(field << 23);
  // Step 4.
  const __mmask16 nonzero = _mm512_test_epi32_mask(tv, tv);
  const I mag = reinterpret_cast<I>(value) & 0x7fffffff;
  const __mmask16 bad_scale = _mm512_mask_cmpgt_epu32_mask(
      nonzero, reinterpret_cast<__m512i>(field - 1), _mm512_set1_epi32(253));
  const __mmask16 bad_value = _mm512_mask_cmpgt_epu32_mask(
      nonzero, reinterpret_cast<__m512i>(mag - q.low_normal_bits),
      _mm512_set1_epi32(q.max_finite_bits - q.low_normal_bits));
  result = value;
  slow =
      reinterpret_cast<I>(_mm512_maskz_set1_epi32(bad_scale | bad_value, -1));
}

// Whether any of the 16 lanes is non-zero.
GEMMSIM_TARGET("avx512f")
inline bool AnyLane512(const Vec<16>::I& v) {
  const __m512i x = reinterpret_cast<__m512i>(v);
  return _mm512_test_epi32_mask(x, x) != 0;
}
#endif

}  // namespace gemmsim::block_fma_simd
