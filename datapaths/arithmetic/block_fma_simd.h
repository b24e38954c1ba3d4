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
//           (FinishNarrow in int32 and float32 lanes where the total fits
//           int32, else FinishWide in double lanes, where every quantity is
//           an integer below 2^53 times a power of two: exact).
//
// Pass 2 comes in two forms:
//  - kExact (formats whose products float32 holds exactly: FP8, fp16): a
//    and b are their own float values; a * b is exact, and multiplying by
//    the lane's T = 2^(width - M) is exact whenever the result is at least
//    2^-126; below that it is < 1 and truncates to 0 however it rounds. It
//    never reaches 2^(width + 2) (M >= ea + eb, significands < 2 each).
//    Lanes whose M lies below emin_a + emin_b have no non-zero product: T
//    is taken at that exponent there, to stay a float32.
//  - kWide (bf16, tf32: exponents beyond float32's range): a and b are their
//    signed integer significands (a product below 2^24: exact), scaled per
//    product by 2^s, s = ea + eb - ma - mb + width - M, clamped below at
//    -126 (then the term is below 2^-102: 0 anyway).
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

#include "datapaths/arithmetic/isa_target.h"

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
  int32_t min_pair_m;  // emin_a + emin_b: T's exponent stays in range
  double max_finite;   // of the accumulator format
  int32_t max_finite_bits;  // the same as float32 bits
  bool nearest_even;        // else toward zero
  // accumulator_entry after_block (fp32, rne after the block): see TileBody.
  bool after_block;
  bool narrow;  // a block's total fits int32: FinishNarrow
  bool split;   // a block's products may pass int32: two partial sums
};

// One tile: R rows x W columns over the k range [0, kc) of a chunk (whole
// blocks, but for the last block of K). a_*: kc x R (k-major), b_*: kc x W.
// acc: R x W accumulators, row-major; NaN marks an element the scalar path
// must compute (on entry and on exit).
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

// The end of a block for W lanes, when the block's total (products and
// accumulator term) fits int32: acc <- round(acc + sum) on the grid
// 2^(m - width), in int32 and float32 lanes. With acc_in_sum, sum already
// holds the accumulator's term. Sets exc where the scalar path must take
// over.
// Rounding mode and acc_in_sum are plain flags (fixed per GEMM, tested once
// per block): only what the inner loops see is a template parameter.
template <int W, bool kSticky>
inline __attribute__((always_inline)) void FinishNarrow(
    const VecParams& q, bool acc_in_sum, const typename Vec<W>::I& m,
    const typename Vec<W>::U& sum, const typename Vec<W>::I& any,
    typename Vec<W>::F& acc, typename Vec<W>::I& exc) {
  using I = typename Vec<W>::I;
  using U = typename Vec<W>::U;
  using F = typename Vec<W>::F;
  const I acc_bits = reinterpret_cast<I>(acc);
  U total = sum;
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
  // lanes: lanes outside the block (any == 0) hold arbitrary bits, whose
  // signed difference could overflow (undefined; UBSan found it).
  const I lead = lead_x + m - q.width;
  const U lead_margin =
      static_cast<uint32_t>(q.emax_acc) - reinterpret_cast<U>(lead);
  const U value_margin =
      static_cast<uint32_t>(q.max_finite_bits) - reinterpret_cast<U>(value);
  const I over = (reinterpret_cast<I>(lead_margin) >> 31) |
                 (reinterpret_cast<I>(value_margin) >> 31);
  exc |= over | (~any & (acc_bits >> 31));
  acc = reinterpret_cast<F>(
      (reinterpret_cast<U>(value) & ~reinterpret_cast<U>(over)) |
      (neg & 0x80000000u));
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
    const typename Vec<W>::I& any, typename Vec<W>::F& acc,
    typename Vec<W>::I& exc) {
  using IH = typename Vec<W>::IH;
  using FH = typename Vec<W>::FH;
  using L = typename Vec<W>::L;
  using D = typename Vec<W>::D;
  constexpr size_t kHalf = sizeof(IH);
  for (int h = 0; h < 2; ++h) {
    IH mh, sh, anyh;
    FH ah;
    std::memcpy(&mh, reinterpret_cast<const char*>(&m) + h * kHalf, kHalf);
    std::memcpy(&sh, reinterpret_cast<const char*>(&sum) + h * kHalf, kHalf);
    std::memcpy(&anyh, reinterpret_cast<const char*>(&any) + h * kHalf, kHalf);
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
    const IH bad = __builtin_convertvector(~fine, IH) |
                   (~anyh & (reinterpret_cast<IH>(ah) >> 31));
    std::memcpy(reinterpret_cast<char*>(&acc) + h * kHalf, &nh, kHalf);
    IH eh;
    std::memcpy(&eh, reinterpret_cast<const char*>(&exc) + h * kHalf, kHalf);
    eh |= bad;
    std::memcpy(reinterpret_cast<char*>(&exc) + h * kHalf, &eh, kHalf);
  }
}

// One tile (TileArgs), block after block: pass 1 and pass 2 for all R rows
// (one load of B serves them all), then the end of the block per row.
// kNarrow: FinishNarrow, else FinishWide; kNarrow with kExact starts the
// sums at the accumulator's term. kSplit (with FinishWide only): pass 2
// sums each half of a block into its own int32 lanes, for blocks whose
// sum of products may pass int32 (B200 FP8: 32 terms below 2^27).
// q.after_block (accumulator_entry
// after_block, fp32 accumulator, rne after the block): the block's products
// alone are aligned and rounded, into a zero accumulator, and that fp32
// block sum is then added to the accumulator by one float32 addition, which
// is exactly "align exactly, round to nearest even to fp32". Lanes whose
// sum overflows, or whose block is all zeros on a negative accumulator
// (the sign of -0 + -0 needs every product's sign), go to the scalar path.
template <int W, int R, bool kWide, bool kNarrow, bool kSplit, bool kSticky>
inline __attribute__((always_inline)) void TileBody(const TileArgs& t) {
  static_assert(!(kNarrow && kSplit), "a split block finishes wide");
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
      for (int r = 0; r < R; ++r) SetMax(m[r], eb + a_exp[k * R + r]);
    }
    I any[R];
    for (int r = 0; r < R; ++r) {
      any[r] = m[r] > kAnyBelow;
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
            const F ab = b * a_val[k * R + r];
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
            I s = eb + (a_exp[k * R + r] + bias[r]);
            SetMax(s, I{} + 1);
            const F ab = b * a_val[k * R + r];
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
    for (int r = 0; r < R; ++r) {
      F& into = acc[r];
      F block_sum = F{};
      F& target = after ? block_sum : into;
      if constexpr (kNarrow)
        FinishNarrow<W, kSticky>(q, !kWide || after, m[r], sum[r], any[r],
                                 target, exc[r]);
      else
        FinishWide<W, kSplit, kSticky>(q, m[r], sum[r], first[r], any[r],
                                       target, exc[r]);
      if (after) {
        const I bits = reinterpret_cast<I>(into);
        into += block_sum;  // the one float32 rne addition
        // |into| above max finite (Inf) as a sign mask of the difference.
        const U margin = static_cast<uint32_t>(q.max_finite_bits) -
                         (reinterpret_cast<U>(into) & 0x7fffffffu);
        exc[r] |=
            (reinterpret_cast<I>(margin) >> 31) | (~any[r] & (bits >> 31));
      }
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
// sums of all rows in zmm registers (24 of 32); 4 x 8 in 16 ymm.
struct Avx512 {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx512f")
  static void Tile(const TileArgs& t) {
    TileBody<16, 8, kWide, kNarrow, kSplit, kSticky>(t);
  }
};
struct Avx2 {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  GEMMSIM_TARGET("avx2")
  static void Tile(const TileArgs& t) {
    TileBody<8, 4, kWide, kNarrow, kSplit, kSticky>(t);
  }
};
struct Baseline {
  template <bool kWide, bool kNarrow, bool kSplit, bool kSticky>
  static void Tile(const TileArgs& t) {
    TileBody<4, 2, kWide, kNarrow, kSplit, kSticky>(t);
  }
};

// How a block's total is finished: FinishNarrow, FinishWide, or FinishWide
// from two partial sums (kSplit).
enum Finish { kFinishWide = 0, kFinishNarrow = 1, kFinishSplit = 2 };

// Every form of one shape's tile, by
// [kWide][Finish][kSticky].
struct TileTable {
  TileFn fn[2][3][2];
};
template <typename Isa, bool kWide, Finish kFinish>
constexpr void FillTiles(TileTable& table) {
  constexpr bool kNarrow = kFinish == kFinishNarrow;
  constexpr bool kSplit = kFinish == kFinishSplit;
  table.fn[kWide][kFinish][0] =
      Isa::template Tile<kWide, kNarrow, kSplit, false>;
  table.fn[kWide][kFinish][1] =
      Isa::template Tile<kWide, kNarrow, kSplit, true>;
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
