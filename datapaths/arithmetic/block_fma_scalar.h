// The scalar path of the block-FMA GEMM kernel (block_fma_kernel.cc):
// inputs unpacked into integer significands and alignment exponents, and
// one multi-term addition per block in 64-bit integers, mirroring
// AddTerms. It computes what the vector tiles do not cover (formats whose
// products or scales leave float32, Inf and NaN inputs, the rare elements
// the tiles hand back) and a handful of outputs, where it is faster.
// Internal to the block-FMA kernel.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#include "datapaths/arithmetic/gemm.h"

namespace gemmsim::block_fma {

// An input as the block-FMA datapath sees it: value = sig * 2^(align - m),
// m the format's mantissa bits; subnormals keep align = emin (sig < 2^m).
struct Packed {
  uint32_t sig;
  int32_t align;
  bool negative;
};

// x must be finite (callers send Inf and NaN to the generic path) and a
// value of a format of `mantissa_bits` <= 23 with this emin. Read from the
// double's fields (ilogb and ldexp cost more than the block FMA itself in
// batched dot products); double subnormals, which no such format reaches
// above 2^-1022, take ilogb and ldexp.
inline __attribute__((always_inline)) Packed Pack(double x, int emin,
                                                  int mantissa_bits) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  Packed q{0, 0, (bits >> 63) != 0};
  if (x == 0) return q;
  const int field = static_cast<int>((bits >> 52) & 0x7ff);
  if (field == 0) {
    const int e = std::max(std::ilogb(x), emin);
    q.align = e;
    q.sig = static_cast<uint32_t>(
        std::ldexp(std::fabs(x), mantissa_bits - e));  // exact
    return q;
  }
  // |x| = (2^52 + fraction) 2^(field - 1075); sig = |x| 2^(mantissa_bits -
  // align), an integer below 2^24, dropping only zero bits.
  const uint64_t significand =
      (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  const int e = field - 1023;
  q.align = std::max(e, emin);
  q.sig = static_cast<uint32_t>(
      significand >> std::min(52 - mantissa_bits + (q.align - e), 63));
  return q;
}

struct BlockFmaParams {
  int ma, mb, macc;  // mantissa bits of a, b, accumulator
  // F + extra_bits (+ 1 with sticky: the jammed bit): fraction bits of the
  // grid below M.
  int width;
  int result_bits;  // fraction bits of the rounded result
  int emin_acc;
  bool has_min_align;
  int min_align;
  bool nearest_even;  // else toward zero
  // accumulator_entry after_block (BlockFmaKernelApplies: fp32, rne): each
  // block's rounded sum is added to the accumulator by one float addition.
  bool after_block;
  // Sticky alignment: each term's lowest bit ORs the bits cut below it
  // (multi_term_adder.cc, Aligned).
  bool sticky;
  const Format* acc_format;
  EncodeOptions acc_options;
};

BlockFmaParams MakeParams(const Numerics& n);

// D[i][j] by the scalar path, packing its row and column on the spot.
double ScalarElement(const GemmProblem& p, const Numerics& n,
                     const BlockFmaParams& q, int64_t i, int64_t j);

// Rows [row_begin, row_end) of D by the scalar path.
void ScalarKernel(const GemmProblem& p, const Numerics& n,
                  const BlockFmaParams& q, int64_t row_begin, int64_t row_end,
                  double* d);

}  // namespace gemmsim::block_fma
