// The lanes of the block-FMA kernel's vector tiles (block_fma_simd.h):
// GCC vector types per width, the parameters fixed per GEMM, and the
// per-lane helpers that the tiles and the ends of blocks share.
#pragma once

#include <cstdint>

namespace gemmsim::block_fma_simd {

// Real exponents stay within +-300; sums of two sentinels or of a sentinel
// and a bias stay far from int32's limits.
constexpr int32_t kZeroExp = -(1 << 20);
constexpr int32_t kAnyBelow = -(1 << 19);

template <int W>
struct Vec {
  typedef int32_t I __attribute__((vector_size(W * 4)));
  typedef uint32_t U __attribute__((vector_size(W * 4)));
  typedef float F __attribute__((vector_size(W * 4)));
  // Half vectors, and double / int64 lanes for half of W.
  typedef int32_t IH __attribute__((vector_size(W * 2)));
  typedef float FH __attribute__((vector_size(W * 2)));
  typedef int64_t L __attribute__((vector_size(W * 4)));
  typedef double D __attribute__((vector_size(W * 4)));
};

// Parameters of the vectorized path, fixed per GEMM.
struct VecParams {
  int32_t width;
  int32_t width_minus_mab;  // width - ma - mb
  int32_t result_bits;
  int32_t emin_acc;
  int32_t emax_acc;    // exponent of the accumulator's largest finite value
  int32_t clamp_m;     // M never below: min_alignment_exponent, or lower
  int32_t min_pair_m;  // T's floor: no non-zero product's ea + eb below it
  double max_finite;   // of the accumulator format
  int32_t max_finite_bits;  // the same as float32 bits
  int32_t low_normal_bits;  // float32 bits of 2^(emin_acc + 1)
  bool nearest_even;        // else toward zero
  // accumulator_entry after_block (fp32, rne after the block): see TileBody.
  bool after_block;
  bool narrow;  // a block's total fits int32: NarrowTotal, RoundFast or
                // RoundNarrow
  bool split;   // a block's products may pass int32: two partial sums
  // Narrow totals may round by float32's conversion (RoundFast): results
  // of 24 significant bits, or of at most 22 (round-to-odd then rounds).
  bool fast_round;
};

// Per-lane helpers; vectors go by reference, so none crosses a call ABI.
template <typename V>
inline __attribute__((always_inline)) void SetMax(V& a, const V& b) {
  a = a > b ? a : b;
}
template <typename V>
inline __attribute__((always_inline)) void SetMin(V& a, const V& b) {
  a = a < b ? a : b;
}
template <typename V>
inline __attribute__((always_inline)) void Clamp(V& a, int lo, int hi) {
  SetMax(a, V{} + lo);
  SetMin(a, V{} + hi);
}

// Sticky alignment (SPEC.md "Accumulation"): a term cut on the grid keeps
// one more bit, and that bit ORs every bit cut below it. The grid is then
// one bit finer (VecParams::width counts that bit); t = cvtt(x) is the
// term cut toward zero, and a cut x (x != t, or a non-zero `source`, the
// product or accumulator, that underflowed to x = 0) with an even |t| gets
// |t| + 1, toward x's sign. x is finite, and back = float(t) exact (|x| >=
// 2^23 is an integer): back has x's sign unless t = 0 (then back = +0), so
// x != back as values exactly when their bits differ outside the sign bit.
// The tests are sign bits of integer expressions (u | -u has its sign bit
// set exactly when u != 0), not vector comparisons: GCC 12 scalarizes the
// AND of two comparison masks in these AVX-512 tiles (sticky ran 7x
// slower than plain truncation).
template <int W>
inline __attribute__((always_inline)) void Jam(const typename Vec<W>::F& x,
                                               const typename Vec<W>::F& source,
                                               typename Vec<W>::I& t) {
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  using F = typename Vec<W>::F;
  const F back = __builtin_convertvector(t, F);
  const U xu = reinterpret_cast<U>(x) << 1;  // |x|, moved up by one bit
  const U su = reinterpret_cast<U>(source) << 1;
  const U du = (reinterpret_cast<U>(back) ^ reinterpret_cast<U>(x)) << 1;
  const U cut = (du | -du) | ((su | -su) & ~(xu | -xu));
  const U even = ~(reinterpret_cast<U>(t) << 31);
  const I jam = reinterpret_cast<I>(cut & even) >> 31;  // 0 or -1
  const I toward = (reinterpret_cast<I>(x) >> 31) | 1;  // -1 or +1
  t += jam & toward;
}

}  // namespace gemmsim::block_fma_simd
