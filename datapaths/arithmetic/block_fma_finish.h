// The end of a block in the block-FMA kernel's vector tiles
// (block_fma_simd.h): the block's total, the accumulator's term, and the
// one rounding to the accumulator format, in int32 and float32 lanes
// (NarrowTotal, then RoundFast or RoundNarrow) or double lanes (FinishWide).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "datapaths/arithmetic/block_fma_lanes.h"

namespace gemmsim::block_fma_simd {

// The block's total on the grid 2^(m - width), when it fits int32: sum,
// plus the accumulator's term unless acc_in_sum (sum already holds it).
// Rounding mode and acc_in_sum are plain flags (fixed per GEMM, tested once
// per block): only what the inner loops see is a template parameter.
template <int W, bool kSticky>
inline __attribute__((always_inline)) void NarrowTotal(
    const VecParams& q, bool acc_in_sum, const typename Vec<W>::I& m,
    const typename Vec<W>::U& sum, const typename Vec<W>::F& acc,
    typename Vec<W>::U& total) {
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  const I acc_bits = reinterpret_cast<I>(acc);
  total = sum;
  if (!acc_in_sum) {
    // The accumulator's term: |acc| = sig 2^(e - 150) (float32 fields),
    // cut to the grid: sig 2^(e - 150 + width - m), toward zero.
    const I field = (acc_bits >> 23) & 0xff;
    const I sig = (acc_bits & 0x7fffff) | ((field != 0) & (1 << 23));
    I e = field;
    SetMax(e, I{} + 1);
    const I s = e - (127 + 23) + q.width - m;
    I left = s, right = -s;
    Clamp(left, 0, 31);
    Clamp(right, 0, 31);  // sig < 2^24: a shift by 31 leaves 0
    const U sign = reinterpret_cast<U>(acc_bits >> 31);
    U term = (reinterpret_cast<U>(sig) << reinterpret_cast<U>(left)) >>
             reinterpret_cast<U>(right);
    if constexpr (kSticky) {  // the bits shifted out, OR'ed into bit 0
      const U lost =
          reinterpret_cast<U>(sig) & ~(~U{} << reinterpret_cast<U>(right));
      term |= reinterpret_cast<U>(lost != 0) & 1;
    }
    total += (term ^ sign) - sign;  // wrapping adds land on the int32 total
  }
}

// acc <- the total (NarrowTotal) rounded to the accumulator format, in
// int32 and float32 lanes, for any result: subnormal, or overflowing (exc:
// the scalar path takes over). The -0 rule (no non-zero term on a negative
// accumulator) is the tile's (TileBody, after pass 1).
template <int W>
inline __attribute__((always_inline)) void RoundNarrow(
    const VecParams& q, const typename Vec<W>::I& m,
    const typename Vec<W>::U& total, typename Vec<W>::F& acc,
    typename Vec<W>::I& exc) {
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  using F = typename Vec<W>::F;
  const U neg = reinterpret_cast<U>(reinterpret_cast<I>(total) >> 31);
  const U mag = (total ^ neg) - neg;  // < 2^31
  // floor(log2 mag): float32's exponent field, less one where the
  // conversion rounded up to the next power of two. mag = 0: -128.
  const F fmag = __builtin_convertvector(reinterpret_cast<I>(mag), F);
  I lead_x = (reinterpret_cast<I>(fmag) >> 23) - 127;
  I lead_count = lead_x;
  Clamp(lead_count, 0, 31);
  lead_x += reinterpret_cast<I>(mag >> reinterpret_cast<U>(lead_count)) == 0;
  // The quantum 2^(grid + shift), grid = m - width. shift <= 0 keeps
  // every bit: mag itself (then below 2^24) times 2^grid.
  I shift = lead_x;
  SetMax(shift, q.emin_acc + q.width - m);
  shift -= q.result_bits;
  SetMax(shift, I{});
  I down = shift;
  SetMin(down, I{} + 31);  // mag < 2^31: a shift by 31 leaves 0
  const U du = reinterpret_cast<U>(down);
  U kept = mag >> du;
  if (q.nearest_even) {
    // mag + half - 1 + (kept's lowest bit), cut: ties to even (no carry
    // out: mag < 2^31). A true shift of 32 or more leaves 0 (mag < 2^31 is
    // below half a quantum).
    const U half = ((U{} + 1) << du) >> 1;
    const U round = (half - 1 + (kept & 1)) & reinterpret_cast<U>(shift > 0);
    kept = ((mag + round) >> du) & reinterpret_cast<U>(shift < 32);
  }
  // kept 2^quantum: kept < 2^24 converts exactly, and the two scalings
  // are exact (the first lands in float32's normal range, the second, when
  // quantum < -126, on a value of the accumulator format).
  const I quantum = shift + m - q.width;
  I q1 = quantum;
  SetMax(q1, I{} - 126);
  const F value = __builtin_convertvector(reinterpret_cast<I>(kept), F) *
                  reinterpret_cast<F>((q1 + 127) << 23) *
                  reinterpret_cast<F>((quantum - q1 + 127) << 23);
  // Overflow: lead > emax_acc, or value > max_finite (value >= 0: its bits
  // order as the values do). As sign masks of differences: GCC 12 would
  // expand these comparisons lane by lane. The differences wrap in unsigned
  // lanes: lanes outside the block (no non-zero term) hold arbitrary bits,
  // whose signed difference could overflow (undefined; UBSan found it).
  const I lead = lead_x + m - q.width;
  const U lead_margin =
      static_cast<uint32_t>(q.emax_acc) - reinterpret_cast<U>(lead);
  const U value_margin =
      static_cast<uint32_t>(q.max_finite_bits) - reinterpret_cast<U>(value);
  const I over = (reinterpret_cast<I>(lead_margin) >> 31) |
                 (reinterpret_cast<I>(value_margin) >> 31);
  exc |= over;
  acc = reinterpret_cast<F>(
      (reinterpret_cast<U>(value) & ~reinterpret_cast<U>(over)) |
      (neg & 0x80000000u));
}

// RoundNarrow's result by float32's own conversion, for the lanes whose
// result is a normal value of the accumulator format; `slow` marks the
// others (at or below its smallest normal binade, whose quantum is fixed;
// overflowing; |total| rounding to 2^31), which RoundNarrow must take.
// The conversion rounds total to 24 significant bits, to nearest even;
// toward zero steps back one code where it rounded the magnitude up.
// Fewer bits (result_bits <= 21, VecParams::fast_round) round that
// value's bits again, from round-to-odd (toward zero, with "inexact" in
// bit 0): with 24 >= result_bits + 3 bits, rounding the odd-rounded value
// gives the directly rounded one. The power of two 2^(m - width) then
// goes onto the exponent field: the result is normal. About half of
// RoundNarrow's operations.
template <int W>
inline __attribute__((always_inline)) void RoundFast(
    const VecParams& q, const typename Vec<W>::I& m,
    const typename Vec<W>::U& total, typename Vec<W>::F& result,
    typename Vec<W>::I& slow) {
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  using F = typename Vec<W>::F;
  const F ft = __builtin_convertvector(reinterpret_cast<I>(total), F);
  U bits = reinterpret_cast<U>(ft);
  const int drop = 23 - q.result_bits;  // 0, or 2 and more
  if (!q.nearest_even || drop > 0) {
    // |ft| <= 2^31; at 2^31 cvtt has no value (such lanes are slow).
    const U back = reinterpret_cast<U>(__builtin_convertvector(ft, I));
    const U d = total - back;
    const U inexact = d | -d;  // sign bit: d != 0
    // Rounded up in magnitude: total - back is non-zero, of the other sign.
    bits +=
        reinterpret_cast<U>(reinterpret_cast<I>((d ^ total) & inexact) >> 31);
    if (drop > 0) {
      bits |= inexact >> 31;
      if (q.nearest_even)
        bits += ((1u << (drop - 1)) - 1) + ((bits >> drop) & 1);
      bits &= ~((1u << drop) - 1);
    }
  }
  const U field = (bits >> 23) & 0xff;
  const U lead = field + reinterpret_cast<U>(m) - (127u + q.width);
  const U nonzero =
      reinterpret_cast<U>(reinterpret_cast<I>(total | -total) >> 31);
  const U value = (bits + (reinterpret_cast<U>(m - q.width) << 23)) & nonzero;
  // Sign masks of unsigned differences (lanes outside the block hold
  // arbitrary bits; GCC 12 would expand comparisons lane by lane).
  const U low = lead - static_cast<uint32_t>(q.emin_acc + 1);
  const U high = static_cast<uint32_t>(q.emax_acc) - lead;
  const U top = 157u - field;
  const U over =
      static_cast<uint32_t>(q.max_finite_bits) - (value & 0x7fffffffu);
  slow = reinterpret_cast<I>(nonzero) &
         (reinterpret_cast<I>(low | high | top | over) >> 31);
  result = reinterpret_cast<F>(value);
}

// Whether any lane of v is non-zero.
template <int W>
inline __attribute__((always_inline)) bool AnyLane(
    const typename Vec<W>::I& v) {
  int32_t lanes[W];
  std::memcpy(lanes, &v, sizeof(lanes));
  int32_t any = 0;
  for (int i = 0; i < W; ++i) any |= lanes[i];
  return any != 0;
}

// The same for totals beyond int32, in double lanes, half a vector at a
// time (a double vector of W lanes would not be native). kSplit: the
// block's products came in two int32 partial sums, sum and first (a block
// whose sum may pass int32); both are below 2^31, so their double sum is
// exact.
template <int W, bool kSplit, bool kSticky>
inline __attribute__((always_inline)) void FinishWide(
    const VecParams& q, const typename Vec<W>::I& m,
    const typename Vec<W>::U& sum, const typename Vec<W>::U& first,
    typename Vec<W>::F& acc, typename Vec<W>::I& exc) {
  using IH = typename Vec<W>::IH;
  using FH = typename Vec<W>::FH;
  using L = typename Vec<W>::L;
  using D = typename Vec<W>::D;
  constexpr size_t kHalf = sizeof(IH);
  for (int h = 0; h < 2; ++h) {
    IH mh, sh;
    FH ah;
    std::memcpy(&mh, reinterpret_cast<const char*>(&m) + h * kHalf, kHalf);
    std::memcpy(&sh, reinterpret_cast<const char*>(&sum) + h * kHalf, kHalf);
    std::memcpy(&ah, reinterpret_cast<const char*>(&acc) + h * kHalf, kHalf);
    const D old = __builtin_convertvector(ah, D);
    const L ml = __builtin_convertvector(mh, L);
    // The accumulator's term: |acc| 2^(width - m) is exact in double and
    // below 2^(width + 1); cvtt cuts it toward zero.
    const D t_scale = reinterpret_cast<D>((q.width + 1023 - ml) << 52);
    const D scaled_acc = old * t_scale;
    IH acc_term = __builtin_convertvector(scaled_acc, IH);
    if constexpr (kSticky) {
      const D back = __builtin_convertvector(acc_term, D);
      const IH cut = __builtin_convertvector(back != scaled_acc, IH);
      const IH jam = cut & ((acc_term & 1) == 0);
      const IH toward = (reinterpret_cast<IH>(ah) >> 31) | 1;
      acc_term += jam & toward;
    }
    D total =
        __builtin_convertvector(sh, D) + __builtin_convertvector(acc_term, D);
    if constexpr (kSplit) {
      IH fh;
      std::memcpy(&fh, reinterpret_cast<const char*>(&first) + h * kHalf,
                  kHalf);
      total += __builtin_convertvector(fh, D);
    }
    const L bits = reinterpret_cast<L>(total);
    const L sign = bits & (L{} + INT64_MIN);
    const L mag = bits ^ sign;
    // lead = floor(log2 |total|) + grid; for total = 0, far below emin.
    const L grid = ml - q.width;
    L quantum = (mag >> 52) - 1023 + grid;
    SetMax(quantum, L{} + q.emin_acc);
    quantum -= q.result_bits;
    L shift = quantum - grid;
    SetMax(shift, L{});
    // The magnitude in units of the quantum (below 2^52: the magic
    // constant rounds it to an integer, to nearest even), then cut toward
    // zero if asked.
    const D y =
        reinterpret_cast<D>(mag) * reinterpret_cast<D>((1023 - shift) << 52);
    D kept = (y + 0x1p52) - 0x1p52;
    if (!q.nearest_even) kept = kept > y ? kept - 1 : kept;
    D value = kept * reinterpret_cast<D>((shift + grid + 1023) << 52);
    const L fine = value <= q.max_finite;
    value = reinterpret_cast<D>((reinterpret_cast<L>(value) & fine) | sign);
    const FH nh = __builtin_convertvector(value, FH);
    const IH bad = __builtin_convertvector(~fine, IH);
    std::memcpy(reinterpret_cast<char*>(&acc) + h * kHalf, &nh, kHalf);
    IH eh;
    std::memcpy(&eh, reinterpret_cast<const char*>(&exc) + h * kHalf, kHalf);
    eh |= bad;
    std::memcpy(reinterpret_cast<char*>(&exc) + h * kHalf, &eh, kHalf);
  }
}

}  // namespace gemmsim::block_fma_simd
