// The vectorized path of the block-FMA GEMM kernel (block_fma_kernel.cc):
// tiles of R rows x W columns, for a run of whole blocks of k, in GCC
// vector types compiled per instruction set (always_inline bodies under
// target attributes), and the packing of the inputs they read.
//
// Per block and lane (one output element), with M the alignment exponent:
//   pass 1: M = max(ea + eb over non-zero products, the accumulator's
//           exponent, min_alignment_exponent), in int32 lanes;
//   pass 2: each product's aligned term, floor(|a b| 2^(width - M)) with
//           a's and b's sign, is cvtt(a * b * 2^(width - M)) in float32:
//           cvttps2dq truncates toward zero, which is exactly "cut the
//           magnitude, keep the sign", provided the float product is exact
//           (below); the terms add up in int32 lanes (a block's products
//           fit int32: ChooseVecMode);
//   end:    the accumulator's term (floor(|acc| 2^(width - M)), signed),
//           the total, and its one rounding to the accumulator format
//           (NarrowTotal and RoundFast or RoundNarrow in int32 and float32
//           lanes where the total fits int32, else FinishWide in double lanes,
//           where every quantity is an integer below 2^53 times a power of two:
//           exact).
//
// Pass 2 comes in two forms:
//  - kExact (products that float32 holds exactly: FP8 and fp16 by their
//    formats; bf16 and tf32 when this GEMM's values keep to a range where
//    they do): a and b are their own float values; a * b is exact, and
//    multiplying by the lane's T = 2^(width - M) is exact whenever the
//    result is at least 2^-126; below that it is < 1 and truncates to 0
//    however it rounds. It never reaches 2^(width + 2) (M >= ea + eb,
//    significands < 2 each). Lanes whose M lies below a floor that no
//    product's ea + eb lies below have no non-zero product: T is taken at
//    the floor there, to stay a float32.
//  - kWide (bf16, tf32 on values whose products leave float32): a and b
//    are their signed integer significands (a product below 2^24: exact),
//    scaled per product by 2^s, s = ea + eb - ma - mb + width - M, clamped
//    below at -126 (then the term is below 2^-102: 0 anyway).
//
// Zero inputs carry the exponent kZeroExp, far below any real one, so that
// zero products never raise M, and lanes whose terms are all zero are told
// apart by M staying below kAnyBelow. Lanes the vectors do not decide
// (overflow; only zero terms while acc is -0, whose sign rule needs every
// product's sign) come out as NaN for the scalar path to redo.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "datapaths/arithmetic/block_fma_finish.h"
#include "datapaths/arithmetic/block_fma_lanes.h"
#include "datapaths/arithmetic/block_fma_round512.h"
#include "datapaths/arithmetic/isa_target.h"

namespace gemmsim::block_fma_simd {

// 16 lanes are the AVX-512 tiles' (Avx512 below): on x86 their block ends
// take block_fma_round512.h's intrinsics, which need those tiles' target.
template <int W>
constexpr bool kAvx512Lanes = GEMMSIM_X86&& W == 16;

// One tile: R rows x W columns over the k range [0, kc) of a chunk (whole
// blocks, but for the last block of K). a_*: kc x R (k-major), b_*: kc x W.
// acc: R x W accumulators, row-major; NaN marks an element the scalar path
// must compute (on entry and on exit). Lane-wise dot products (Dots) read
// a_* as kc x W too: lane w is its own dot product, A's k-th value at
// a_*[k * W + w].
struct TileArgs {
  const float* a_val;
  const int32_t* a_exp;
  const float* b_val;
  const int32_t* b_exp;
  int64_t kc;
  int64_t block;
  float* acc;
  const VecParams* q;
};

// out = x plus A's exponent, or x times A's value, at k for row r: one per
// row, the same in every lane (a tile of a GEMM: a scalar operand, which
// the instruction reads from memory), or one per lane (kLanes: W
// independent dot products, R = 1, A packed like B).
template <int W, int R, bool kLanes>
inline __attribute__((always_inline)) void PlusAExp(const typename Vec<W>::I& x,
                                                    const int32_t* a_exp,
                                                    int64_t k, int r,
                                                    typename Vec<W>::I& out) {
  if constexpr (kLanes) {
    std::memcpy(&out, a_exp + k * W, sizeof(out));
    out += x;
  } else {
    out = x + a_exp[k * R + r];
  }
}
template <int W, int R, bool kLanes>
inline __attribute__((always_inline)) void TimesA(const typename Vec<W>::F& x,
                                                  const float* a_val, int64_t k,
                                                  int r,
                                                  typename Vec<W>::F& out) {
  if constexpr (kLanes) {
    std::memcpy(&out, a_val + k * W, sizeof(out));
    out *= x;
  } else {
    out = x * a_val[k * R + r];
  }
}

// One tile (TileArgs), block after block: pass 1 and pass 2 for all R rows
// (one load of B serves them all), then the end of the block per row.
// kNarrow: NarrowTotal and RoundFast or RoundNarrow, else FinishWide; kNarrow
// with kExact starts the sums at the accumulator's term. kSplit (with
// FinishWide only): pass 2 sums each half of a block into its own int32 lanes,
// for blocks whose sum of products may pass int32 (B200 FP8: 32 terms below
// 2^27). q.after_block (accumulator_entry after_block, fp32 accumulator, rne
// after the block): the block's products alone are aligned and rounded, into a
// zero accumulator, and that fp32 block sum is then added to the accumulator by
// one float32 addition, which is exactly "align exactly, round to nearest even
// to fp32". Lanes whose sum overflows, or whose block is all zeros on a
// negative accumulator (the sign of -0 + -0 needs every product's sign), go to
// the scalar path.
template <int W, int R, bool kWide, bool kNarrow, bool kSplit, bool kSticky,
          bool kLanes>
inline __attribute__((always_inline)) void TileBody(const TileArgs& t) {
  static_assert(!(kNarrow && kSplit), "a split block finishes wide");
  static_assert(!kLanes || R == 1, "lane-wise dot products have one row");
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  using F = typename Vec<W>::F;
  const VecParams q = *t.q;
  const bool after = q.after_block;
  const float* __restrict a_val = t.a_val;
  const int32_t* __restrict a_exp = t.a_exp;
  const float* __restrict b_val = t.b_val;
  const int32_t* __restrict b_exp = t.b_exp;
  F acc[R];
  I exc[R];  // lanes left to the scalar path: they compute on from 0
  for (int r = 0; r < R; ++r) {
    std::memcpy(&acc[r], t.acc + r * W, sizeof(F));
    exc[r] = acc[r] != acc[r];
    acc[r] = reinterpret_cast<F>(reinterpret_cast<I>(acc[r]) & ~exc[r]);
  }
  for (int64_t kb = 0; kb < t.kc; kb += t.block) {
    const int64_t ke = std::min(t.kc, kb + t.block);
    // Pass 1. The accumulator's exponent: its float exponent field, raised
    // to the format's emin (float32 subnormals have field 0: -127).
    // Under after_block the accumulator is not one of the block's terms.
    I m[R];
    for (int r = 0; r < R; ++r) {
      const I bits = reinterpret_cast<I>(acc[r]);
      I e = ((bits >> 23) & 0xff) - 127;
      SetMax(e, I{} + q.emin_acc);
      m[r] = acc[r] == 0 || after ? I{} + kZeroExp : e;
    }
    for (int64_t k = kb; k < ke; ++k) {
      I eb;
      std::memcpy(&eb, b_exp + k * W, sizeof(I));
      for (int r = 0; r < R; ++r) {
        I e;
        PlusAExp<W, R, kLanes>(eb, a_exp, k, r, e);
        SetMax(m[r], e);
      }
    }
    for (int r = 0; r < R; ++r) {
      // A lane with no non-zero term (m <= kAnyBelow) on a negative
      // accumulator goes to the scalar path: the sign of -0 + -0 needs
      // every product's sign. m > kAnyBelow as the sign of kAnyBelow - m
      // (m within +-2^22): the comparison crashes GCC 12 in the one-row
      // tiles (an ICE in do_store_flag). Decided here, so that no mask
      // stays live through pass 2 (the tiles' registers are few).
      const I any = (I{} + kAnyBelow - m[r]) >> 31;
      exc[r] |= ~any & (reinterpret_cast<I>(acc[r]) >> 31);
      SetMax(m[r], I{} + q.clamp_m);
    }
    // Pass 2, into uint32 lanes (wrapping adds; the true sum fits int32),
    // over [kb, mid) into `first` and [mid, ke) into `sum` when kSplit.
    U sum[R], first[R];
    const int64_t mid = kSplit ? kb + (ke - kb + 1) / 2 : kb;
    if constexpr (!kWide) {
      F scale[R];
      for (int r = 0; r < R; ++r) {
        I mt = m[r];
        SetMax(mt, I{} + q.min_pair_m);
        scale[r] = reinterpret_cast<F>((q.width + 127 - mt) << 23);
        sum[r] = U{};
        first[r] = U{};
        if (kNarrow && !after) {
          // The accumulator's term starts the sum: acc 2^(width - m) as
          // acc * scale * 2^(mt - m), cut by cvtt. The first product is
          // exact when at least 2^-126, and it is when mt > m (see
          // ChooseVecMode); below 2^-126, mt = m and the term is 0.
          const I rest = mt - m[r];
          const F up = reinterpret_cast<F>((rest + 127) << 23);
          const F x = acc[r] * scale[r] * up;
          I term = __builtin_convertvector(x, I);
          if constexpr (kSticky) Jam<W>(x, acc[r], term);
          sum[r] = reinterpret_cast<U>(term);
        }
      }
      auto exact_terms = [&](int64_t from, int64_t to, U* into) {
#pragma GCC unroll 4
        for (int64_t k = from; k < to; ++k) {
          F b;
          std::memcpy(&b, b_val + k * W, sizeof(F));
          for (int r = 0; r < R; ++r) {
            F ab;
            TimesA<W, R, kLanes>(b, a_val, k, r, ab);
            const F x = ab * scale[r];
            I term = __builtin_convertvector(x, I);
            if constexpr (kSticky) Jam<W>(x, ab, term);
            into[r] += reinterpret_cast<U>(term);
          }
        }
      };
      if constexpr (kSplit) exact_terms(kb, mid, first);
      exact_terms(mid, ke, sum);
    } else {
      I bias[R];  // s + 127 = ea + eb + bias
      for (int r = 0; r < R; ++r) {
        sum[r] = U{};
        first[r] = U{};
        bias[r] = q.width_minus_mab + 127 - m[r];
      }
      auto wide_terms = [&](int64_t from, int64_t to, U* into) {
#pragma GCC unroll 2
        for (int64_t k = from; k < to; ++k) {
          F b;
          I eb;
          std::memcpy(&b, b_val + k * W, sizeof(F));
          std::memcpy(&eb, b_exp + k * W, sizeof(I));
          for (int r = 0; r < R; ++r) {
            I s;
            PlusAExp<W, R, kLanes>(eb, a_exp, k, r, s);
            s += bias[r];
            SetMax(s, I{} + 1);
            F ab;
            TimesA<W, R, kLanes>(b, a_val, k, r, ab);
            const F x = ab * reinterpret_cast<F>(s << 23);
            I term = __builtin_convertvector(x, I);
            if constexpr (kSticky) Jam<W>(x, ab, term);
            into[r] += reinterpret_cast<U>(term);
          }
        }
      };
      if constexpr (kSplit) wide_terms(kb, mid, first);
      wide_terms(mid, ke, sum);
    }
    // The end of the block, row by row, from `start` (the accumulator, or
    // 0 for after_block's block sum) into `result`. Narrow totals round by
    // float32's conversion (RoundFast) unless a lane of the tile needs
    // RoundNarrow (subnormal or overflowing results: rare), then all rows
    // take it.
    F start[R], result[R];
    for (int r = 0; r < R; ++r) start[r] = after ? F{} : acc[r];
    if constexpr (kNarrow) {
      U total[R];
      I slow = I{};
      for (int r = 0; r < R; ++r) {
        NarrowTotal<W, kSticky>(q, !kWide || after, m[r], sum[r], start[r],
                                total[r]);
        if (q.fast_round) {
          I lane_slow;
          if constexpr (kAvx512Lanes<W>) {
            RoundFast512(q, m[r], total[r], result[r], lane_slow);
          } else {
            RoundFast<W>(q, m[r], total[r], result[r], lane_slow);
          }
          slow |= lane_slow;
        }
      }
      bool fast = q.fast_round;
      if constexpr (kAvx512Lanes<W>) {
        fast = fast && !AnyLane512(slow);
      } else {
        fast = fast && !AnyLane<W>(slow);
      }
      if (!fast) {
        for (int r = 0; r < R; ++r) {
          result[r] = start[r];
          RoundNarrow<W>(q, m[r], total[r], result[r], exc[r]);
        }
      }
    } else {
      for (int r = 0; r < R; ++r) {
        result[r] = start[r];
        FinishWide<W, kSplit, kSticky>(q, m[r], sum[r], first[r], result[r],
                                       exc[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      if (!after) {
        acc[r] = result[r];
        continue;
      }
      F& into = acc[r];
      into += result[r];  // the one float32 rne addition
      // |into| above max finite (Inf) as a sign mask of the difference.
      const U margin = static_cast<uint32_t>(q.max_finite_bits) -
                       (reinterpret_cast<U>(into) & 0x7fffffffu);
      exc[r] |= reinterpret_cast<I>(margin) >> 31;
    }
  }
  for (int r = 0; r < R; ++r) {
    const I nan = I{} + 0x7fc00000;
    acc[r] = reinterpret_cast<F>((reinterpret_cast<I>(acc[r]) & ~exc[r]) |
                                 (nan & exc[r]));
    std::memcpy(t.acc + r * W, &acc[r], sizeof(F));
  }
}

typedef void (*TileFn)(const TileArgs&);

// Tile shapes per instruction set: 8 rows x 16 lanes keeps M, T and the
// sums of all rows in zmm registers (24 of 32); 4 x 8 in 16 ymm. The
// AVX-512 tiles are flattened: block_fma_round512.h's functions, of their
// target, inline into them (and only into them).
struct Avx512 {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx512f")
  __attribute__((flatten)) static void Tile(const TileArgs& t) {
    TileBody<16, 8, kWide, kNarrow, kSplit, kSticky, false>(t);
  }
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx512f")
  __attribute__((flatten)) static void Dots(const TileArgs& t) {
    TileBody<16, 1, kWide, kNarrow, kSplit, kSticky, true>(t);
  }
};
struct Avx2 {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx2")
  static void Tile(const TileArgs& t) {
    TileBody<8, 4, kWide, kNarrow, kSplit, kSticky, false>(t);
  }
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx2")
  static void Dots(const TileArgs& t) {
    TileBody<8, 1, kWide, kNarrow, kSplit, kSticky, true>(t);
  }
};
struct Baseline {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  static void Tile(const TileArgs& t) {
    TileBody<4, 2, kWide, kNarrow, kSplit, kSticky, false>(t);
  }
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  static void Dots(const TileArgs& t) {
    TileBody<4, 1, kWide, kNarrow, kSplit, kSticky, true>(t);
  }
};

// How a block's total is finished: in int32 lanes (NarrowTotal), FinishWide, or
// FinishWide from two partial sums (kSplit).
enum Finish { kFinishWide = 0, kFinishNarrow = 1, kFinishSplit = 2 };

// Every form of one shape's tile, by [kWide][Finish][kSticky], and of its
// lane-wise dot products.
struct TileTable {
  TileFn fn[2][3][2];
  TileFn dots[2][3][2];
};
template <typename Isa, bool kWide, Finish kFinish>
constexpr void FillTiles(TileTable& table) {
  constexpr bool kNarrow = kFinish == kFinishNarrow;
  constexpr bool kSplit = kFinish == kFinishSplit;
  table.fn[kWide][kFinish][0] =
      Isa::template Tile<kWide, kNarrow, kSplit, false>;
  table.fn[kWide][kFinish][1] =
      Isa::template Tile<kWide, kNarrow, kSplit, true>;
  table.dots[kWide][kFinish][0] =
      Isa::template Dots<kWide, kNarrow, kSplit, false>;
  table.dots[kWide][kFinish][1] =
      Isa::template Dots<kWide, kNarrow, kSplit, true>;
}
template <typename Isa>
TileTable MakeTileTable() {
  TileTable table{};
  FillTiles<Isa, false, kFinishWide>(table);
  FillTiles<Isa, false, kFinishNarrow>(table);
  FillTiles<Isa, false, kFinishSplit>(table);
  FillTiles<Isa, true, kFinishWide>(table);
  FillTiles<Isa, true, kFinishNarrow>(table);
  FillTiles<Isa, true, kFinishSplit>(table);
  return table;
}

// How the inputs of one operand pack (PackRun).
struct PackSpec {
  int emin, emax, mantissa_bits;
  bool wide;
};

// Packs x[0, count) into val[i * stride], exp[i * stride]: the float value
// (kExact) or signed significand (kWide), and the alignment exponent
// (kZeroExp for zeros). Inf and NaN pack as zeros and set *non_finite.
// False when a finite x is not a value of its format as ChooseVecMode
// assumes (then the scalar path runs). N inputs at a time, branch-free:
// every input passes here once per thread, B once per call and thread.
template <int N>
struct PackVec {
  typedef double VD __attribute__((vector_size(N * 8)));
  typedef int64_t VL __attribute__((vector_size(N * 8)));
  typedef float VF __attribute__((vector_size(N * 4)));
  typedef int32_t VI __attribute__((vector_size(N * 4)));
};

template <int N>
inline __attribute__((always_inline)) bool PackRunBody(
    const double* x, int64_t count, int64_t stride, const PackSpec& s,
    float* val, int32_t* exp, char* non_finite) {
  using VD = typename PackVec<N>::VD;
  using VL = typename PackVec<N>::VL;
  using VF = typename PackVec<N>::VF;
  using VI = typename PackVec<N>::VI;
  constexpr int64_t kMantissa = (int64_t{1} << 52) - 1;
  VL bad{}, special{};
  for (int64_t i = 0; i < count; i += N) {
    // The last step re-reads a few inputs: steps overlap, none overruns.
    const int64_t at = std::max<int64_t>(0, std::min(i, count - N));
    VD xv;
    if (count >= N) {
      std::memcpy(&xv, x + at, sizeof(VD));
    } else {
      xv = VD{};
      std::memcpy(&xv, x, static_cast<size_t>(count) * sizeof(double));
    }
    const VL bits = reinterpret_cast<VL>(xv);
    const VL field = (bits >> 52) & 0x7ff;
    const VL inf_nan = -((field + 1) >> 11);  // field == 0x7ff, as a mask
    const VL skip = ((bits << 1) == 0) | inf_nan;
    const VL e = field - 1023;
    VL align = e;
    SetMax(align, VL{} + s.emin);
    // |x| = (mant >> drop) 2^(align - m), with nothing dropped.
    const VL mant = (bits & kMantissa) | (kMantissa + 1);
    VL drop = 52 - s.mantissa_bits + (align - e);
    SetMin(drop, VL{} + 63);
    const VL lost = mant & ~(~VL{} << drop);
    // Converted only within float32's range (beyond, it is undefined).
    // (as sign masks: GCC 12 would expand the comparisons lane by lane)
    const VL in_range =
        ~((field - (1023 - 149)) >> 63) & ((field - (1023 + 128)) >> 63);
    const VF f =
        __builtin_convertvector(reinterpret_cast<VD>(bits & in_range), VF);
    const VL exact = s.wide ? ~VL{} : VL(__builtin_convertvector(f, VD) == xv);
    bad |= ~skip & (((field - 1) >> 63) | ((s.emax - align) >> 63) |
                    ((-lost) >> 63) | ~exact);
    special |= inf_nan;
    const VI magnitude =
        s.wide ? reinterpret_cast<VI>(__builtin_convertvector(
                     __builtin_convertvector(mant >> drop, VI), VF))
               : reinterpret_cast<VI>(f) & 0x7fffffff;
    const VI sign = __builtin_convertvector(bits >> 32, VI) & INT32_MIN;
    const VI skip32 = __builtin_convertvector(skip, VI);
    const VI v = (magnitude & ~skip32) | sign;
    const VI ex =
        (__builtin_convertvector(align, VI) & ~skip32) | (skip32 & kZeroExp);
    const int64_t lanes = std::min<int64_t>(N, count);
    for (int64_t j = 0; j < lanes; ++j) {
      val[(at + j) * stride] = std::bit_cast<float>(v[j]);
      exp[(at + j) * stride] = ex[j];
    }
  }
  VL any_bad = bad, any_special = special;
  for (int j = 0; j < N; ++j) {
    any_bad[0] |= bad[j];
    any_special[0] |= special[j];
  }
  if (any_special[0]) *non_finite = 1;
  return any_bad[0] == 0;
}

typedef bool (*PackFn)(const double*, int64_t, int64_t, const PackSpec&, float*,
                       int32_t*, char*);
inline GEMMSIM_TARGET("avx512f") bool PackRun512(const double* x, int64_t count,
                                                 int64_t stride,
                                                 const PackSpec& s, float* val,
                                                 int32_t* exp,
                                                 char* non_finite) {
  return PackRunBody<8>(x, count, stride, s, val, exp, non_finite);
}
inline GEMMSIM_TARGET("avx2") bool PackRun256(const double* x, int64_t count,
                                              int64_t stride, const PackSpec& s,
                                              float* val, int32_t* exp,
                                              char* non_finite) {
  return PackRunBody<4>(x, count, stride, s, val, exp, non_finite);
}
inline bool PackRunBase(const double* x, int64_t count, int64_t stride,
                        const PackSpec& s, float* val, int32_t* exp,
                        char* non_finite) {
  return PackRunBody<2>(x, count, stride, s, val, exp, non_finite);
}

}  // namespace gemmsim::block_fma_simd
