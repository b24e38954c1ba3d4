// The narrow-accumulator GEMM kernel (gemm_kernels.h): exact alignment,
// sequential, any deterministic rounding into a float accumulator of at most
// 23 mantissa bits (fp16, bf16, tf32, fp32, custom e<E>m<M>), with optional
// promotion, for block 1 (acc <- round(acc + a b) per product) or for one
// block per chunk (each chunk's exact sum rounded once: the exact preset).
// Sums are formed as doubles: a b is exact (two significands of <= 24
// bits), and acc + a b is exact whenever the formats' ranges span at most 53
// bits (then proven once per call) or else checked per step with TwoSum; an
// element whose check fails anywhere is recomputed by the slow path.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/arithmetic/lane_rounding.h"
#include "datapaths/arithmetic/narrow_acc_float.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

// A tile of output elements: kRows x kCols doubles in vector lanes; for a
// handful of outputs (batched dot products) one element, in scalar code,
// which a 256-element tile would fill to a fraction of a percent.
constexpr int64_t kRows = 4;
constexpr int64_t kCols = 64;
struct Wide {
  static constexpr int64_t kR = kRows, kC = kCols;
};
struct Single {
  static constexpr int64_t kR = 1, kC = 1;
};

struct StepSpec {
  Rounder acc, wide;
  Rounder after;     // block_scale block_sum: the after-block addition's
  bool check_exact;  // per-step TwoSum check needed
};

// acc[r][j] <- round(acc[r][j] + a[r] b[j]) for k in [k0, k1) (kRound
// false: the exact sum, no rounding, for a block that spans the chunk and is
// rounded once after it); inexact[r][j] holds the largest error of a step's
// double sum (0: every sum was exact).
// Inlined into one function per instruction set (StepsFor), so that each
// is vectorized for its own.
template <typename Tile, Rounding kMode, bool kCheck, bool kRound>
[[gnu::always_inline]] inline void StepsBody(const double* __restrict a_pack,
                                             const double* __restrict b_pack,
                                             int64_t k0, int64_t k1,
                                             double* __restrict acc,
                                             double* __restrict inexact,
                                             const StepSpec& spec) {
  constexpr int64_t R = Tile::kR, C = Tile::kC;
  const Rounder q = spec.acc;
  for (int64_t k = k0; k < k1; ++k) {
    const double* b = b_pack + k * C;
    for (int64_t r = 0; r < R; ++r) {
      const double ar = a_pack[k * R + r];
      double* out = acc + r * C;
      double* bad = inexact + r * C;
      for (int64_t j = 0; j < C; ++j) {
        const double p = ar * b[j];  // exact
        const double s = out[j] + p;
        if constexpr (kCheck) {  // TwoSum: the rounding error of s
          const double bb = s - out[j];
          const double err = (out[j] - (s - bb)) + (p - bb);
          // The largest |error| (a max keeps the loop in double lanes,
          // which byte flags would not): non-zero marks an inexact step.
          bad[j] = std::max(bad[j], std::fabs(err));
        }
        if constexpr (kRound) {
          out[j] = RoundToFormat<kMode>(s, q);
        } else {
          out[j] = s;
        }
      }
    }
  }
}

template <typename Tile, Rounding kMode>
void AddIntoWide(double* wide, double* acc, double* inexact,
                 const StepSpec& spec) {
  for (int64_t e = 0; e < Tile::kR * Tile::kC; ++e) {
    const double s = wide[e] + acc[e];
    const double bb = s - wide[e];
    inexact[e] =
        std::max(inexact[e], std::fabs((wide[e] - (s - bb)) + (acc[e] - bb)));
    wide[e] = RoundToFormat<kMode>(s, spec.wide);
    acc[e] = 0.0;
  }
}

using StepsFn = void (*)(const double*, const double*, int64_t, int64_t,
                         double*, double*, const StepSpec&);

template <Rounding kMode, bool kCheck, bool kRound>
GEMMSIM_TARGET("avx512f")
void Steps512(const double* a, const double* b, int64_t k0, int64_t k1,
              double* acc, double* inexact, const StepSpec& spec) {
  StepsBody<Wide, kMode, kCheck, kRound>(a, b, k0, k1, acc, inexact, spec);
}
template <Rounding kMode, bool kCheck, bool kRound>
GEMMSIM_TARGET("avx2")
void Steps256(const double* a, const double* b, int64_t k0, int64_t k1,
              double* acc, double* inexact, const StepSpec& spec) {
  StepsBody<Wide, kMode, kCheck, kRound>(a, b, k0, k1, acc, inexact, spec);
}
template <Rounding kMode, bool kCheck, bool kRound>
void StepsBase(const double* a, const double* b, int64_t k0, int64_t k1,
               double* acc, double* inexact, const StepSpec& spec) {
  StepsBody<Wide, kMode, kCheck, kRound>(a, b, k0, k1, acc, inexact, spec);
}
template <Rounding kMode, bool kCheck, bool kRound>
void StepsSingle(const double* a, const double* b, int64_t k0, int64_t k1,
                 double* acc, double* inexact, const StepSpec& spec) {
  StepsBody<Single, kMode, kCheck, kRound>(a, b, k0, k1, acc, inexact, spec);
}

// The variant of the instruction set chosen once (isa.h), or the single
// element's; all give the same bits (IEEE double operations in the same
// order).
template <Rounding kMode, bool kCheck, bool kRound = true>
StepsFn StepsOfIsa(bool single) {
  if (single) return &StepsSingle<kMode, kCheck, kRound>;
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return &Steps512<kMode, kCheck, kRound>;
    case Isa::kAvx2:
      return &Steps256<kMode, kCheck, kRound>;
    case Isa::kBaseline:
      break;
  }
  return &StepsBase<kMode, kCheck, kRound>;
}

// Exact sums (the mode does not matter: nothing is rounded).
StepsFn ExactSteps(bool check, bool single) {
  return check ? StepsOfIsa<Rounding::kNearestEven, true, false>(single)
               : StepsOfIsa<Rounding::kNearestEven, false, false>(single);
}

// acc <- round(acc): one rounding of each exact block sum.
template <typename Tile, Rounding kMode>
void RoundInPlace(double* acc, const StepSpec& spec) {
  for (int64_t e = 0; e < Tile::kR * Tile::kC; ++e)
    acc[e] = RoundToFormat<kMode>(acc[e], spec.acc);
}
using RoundFn = void (*)(double*, const StepSpec&);

template <typename Tile>
RoundFn ChooseRound(Rounding mode) {
  return ForMode(mode, [](auto m) -> RoundFn {
    return &RoundInPlace<Tile, decltype(m)::value>;
  });
}
using WideFn = void (*)(double*, double*, double*, const StepSpec&);

// block_scale block_sum, per block: acc <- round(acc + sum * s_row * s_col)
// with the after-block rounding, sum the block's rounded sum and s_row,
// s_col its scales (per row of the tile, per column); the products are
// exact (sum <= 24 bits, scales 8), the addition checked by TwoSum.
template <typename Tile, Rounding kMode>
void AddScaledBlock(double* acc, const double* sum, const double* row_scale,
                    const double* col_scale, double* inexact,
                    const StepSpec& spec) {
  for (int64_t r = 0; r < Tile::kR; ++r)
    for (int64_t j = 0; j < Tile::kC; ++j) {
      const int64_t e = r * Tile::kC + j;
      const double x = sum[e] * (row_scale[r] * col_scale[j]);
      const double t = acc[e] + x;
      const double bb = t - acc[e];
      inexact[e] =
          std::max(inexact[e], std::fabs((acc[e] - (t - bb)) + (x - bb)));
      acc[e] = RoundToFormat<kMode>(t, spec.after);
    }
}
using ScaledFn = void (*)(double*, const double*, const double*, const double*,
                          double*, const StepSpec&);

template <typename Tile>
ScaledFn ChooseScaled(Rounding mode) {
  return ForMode(mode, [](auto m) -> ScaledFn {
    return &AddScaledBlock<Tile, decltype(m)::value>;
  });
}

template <Rounding kMode>
StepsFn StepsFor(bool check, bool single) {
  return check ? StepsOfIsa<kMode, true>(single)
               : StepsOfIsa<kMode, false>(single);
}

StepsFn ChooseSteps(Rounding mode, bool check, bool single) {
  return ForMode(mode, [&](auto m) -> StepsFn {
    return StepsFor<decltype(m)::value>(check, single);
  });
}

template <typename Tile>
WideFn ChooseWide(Rounding mode) {
  return ForMode(mode, [](auto m) -> WideFn {
    return &AddIntoWide<Tile, decltype(m)::value>;
  });
}

// Highest and lowest set-bit exponents any value of the format can have.
int TopBit(const Format& f) { return std::ilogb(f.max_finite()); }
int LowBit(const Format& f) {
  return f.min_normal_exponent() - f.layout().mantissa_bits;
}

bool RoundingOk(const RoundingSpec& r) {
  return r.mode != Rounding::kStochastic;
}

bool FloatAccOk(const Format& f) {
  return f.is_float() && f.layout().mantissa_bits <= 23 &&
         f.layout().has_zero && f.layout().has_sign &&
         f.min_normal_exponent() - f.layout().mantissa_bits > -1000 &&
         std::ilogb(f.max_finite()) < 1000;
}

// A sequential block that spans every chunk (promote.every products, or
// all of K): each chunk's exact sum is rounded once (the exact preset).
bool OneBlockPerChunk(const AccumulateSpec& s, const GemmProblem& p) {
  const int64_t chunk = s.promote ? s.promote->every : p.k;
  return s.order == Order::kSequential && s.block >= chunk;
}

// block_scale block_sum as this kernel runs it: each sequential block's
// exact sum rounded once, times its scales, added after the block
// (numerics_schema.cc has checked that blocks lie within scale blocks).
bool BlockSumOk(const Numerics& n) {
  const AccumulateSpec& s = n.accumulate;
  return ScalesBlockSums(n) && s.order == Order::kSequential &&
         s.accumulator_entry == AccumulatorEntry::kAfterBlock &&
         RoundingOk(s.after_block_rounding);
}

}  // namespace

bool NarrowAccKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  const bool promote_ok = !s.promote || (FloatAccOk(s.promote->format) &&
                                         RoundingOk(s.promote->rounding));
  // kAfterBlock rounds each product on its own first: not this kernel's
  // one addition per product.
  const bool in_block = !ScalesBlockSums(n) &&
                        (s.block == 1 || OneBlockPerChunk(s, p)) &&
                        s.accumulator_entry == AccumulatorEntry::kInBlock;
  return (in_block || BlockSumOk(n)) && s.alignment == Alignment::kExact &&
         RoundingOk(s.rounding) && RoundingOk(n.output.rounding) &&
         FloatAccOk(s.format) && s.subnormal_inputs && promote_ok &&
         n.a.format.is_float() && n.b.format.is_float() &&
         n.a.format.layout().mantissa_bits <= 23 &&
         n.b.format.layout().mantissa_bits <= 23 &&
         // block_sum's unscaled elements keep the format's emin.
         (ScalesBlockSums(n) ||
          (!p.a.emin_per_element && !p.b.emin_per_element)) &&
         OutputScaleSupported(p, n.output);
}

void NarrowAccKernel(const GemmProblem& p, const Numerics& n, int64_t row_begin,
                     int64_t row_end, double* d) {
  if (NarrowFloatLanesOk(n) && !FewOutputs(row_begin, row_end, p))
    return NarrowFloatKernel(p, n, row_begin, row_end, d);
  const AccumulateSpec& s = n.accumulate;
  StepSpec spec;
  spec.acc = MakeRounder(s.format, s.rounding, s.overflow, s.subnormal_outputs);
  if (s.promote)
    spec.wide =
        MakeRounder(s.promote->format, s.promote->rounding, s.overflow, true);
  const bool block_sum = ScalesBlockSums(n);
  if (block_sum)
    spec.after = MakeRounder(s.format, s.after_block_rounding, s.overflow,
                             s.subnormal_outputs);
  // Block 1 rounds every step; one block per chunk sums exactly and rounds
  // once at the chunk's end (block 1 with chunks of 1 is both); block_sum
  // sums each block exactly, rounds it, scales it and adds it.
  const bool round_steps = s.block == 1 && !block_sum;
  const int64_t chunk = s.promote ? s.promote->every : p.k;
  // Proven exact when every sum's bits fit 53: the largest of the
  // accumulator and a sum of products (a product's top bit, plus the bits
  // the count of exactly summed products adds), one carry, down to the
  // lowest bit of either.
  const int64_t summed = round_steps ? 1 : block_sum ? s.block : chunk;
  const int growth =
      64 -
      std::countl_zero(static_cast<uint64_t>(std::max<int64_t>(summed, 1)));
  const int top = std::max(TopBit(s.format),
                           TopBit(n.a.format) + TopBit(n.b.format) + growth) +
                  2;
  const int low =
      std::min(LowBit(s.format), LowBit(n.a.format) + LowBit(n.b.format));
  spec.check_exact = top - low > 52;
  const bool single = FewOutputs(row_begin, row_end, p);
  const int64_t rows_per_tile = single ? Single::kR : kRows,
                cols_per_tile = single ? Single::kC : kCols;
  const StepsFn steps =
      round_steps ? ChooseSteps(s.rounding.mode, spec.check_exact, single)
                  : ExactSteps(spec.check_exact, single);
  const RoundFn round_chunk = round_steps ? nullptr
                              : single    ? ChooseRound<Single>(s.rounding.mode)
                                          : ChooseRound<Wide>(s.rounding.mode);
  const WideFn add_wide = !s.promote ? nullptr
                          : single
                              ? ChooseWide<Single>(s.promote->rounding.mode)
                              : ChooseWide<Wide>(s.promote->rounding.mode);
  const ScaledFn add_scaled =
      !block_sum ? nullptr
      : single   ? ChooseScaled<Single>(s.after_block_rounding.mode)
                 : ChooseScaled<Wide>(s.after_block_rounding.mode);

  const int64_t R = rows_per_tile, C = cols_per_tile;
  const int64_t panels = (p.n + C - 1) / C;
  const int64_t blocks = (row_end - row_begin + R - 1) / R;
  // block_sum multiplies the unscaled elements' products (OperandFactor).
  const UnscaledOperands unscaled(p, block_sum);
  thread_local std::vector<double> b_pack, a_pack;  // reused per thread
  PackColumnPanels<double>(unscaled.p, C, &b_pack);
  PackRowBlocks<double>(unscaled.p, row_begin, row_end, R, &a_pack);
  std::vector<double> acc(R * C), wide(R * C);
  std::vector<double> inexact(R * C);               // largest step error
  std::vector<double> part(block_sum ? R * C : 0);  // a block's sum
  std::vector<double> row_scale(R, 1.0), col_scale(C, 1.0);
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t j0 = panel * C, cols = std::min(C, p.n - j0);
    for (int64_t block = 0; block < blocks; ++block) {
      const int64_t i0 = row_begin + block * R,
                    rows = std::min(R, row_end - i0);
      std::fill(acc.begin(), acc.end(), 0.0);
      std::fill(wide.begin(), wide.end(), 0.0);
      std::fill(inexact.begin(), inexact.end(), 0.0);
      double* start = s.promote ? wide.data() : acc.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          start[r * C + j] = StartValue(p, s, i0 + r, j0 + j);
      const double* a_block = a_pack.data() + block * p.k * R;
      const double* b_panel = b_pack.data() + panel * p.k * C;
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        const int64_t k_end = std::min(p.k, k0 + chunk);
        for (int64_t kb = k0; block_sum && kb < k_end; kb += s.block) {
          // From -0: a block of -0 products sums to -0, as AddTerms does.
          std::fill(part.begin(), part.end(), -0.0);
          steps(a_block, b_panel, kb, std::min(k_end, kb + s.block),
                part.data(), inexact.data(), spec);
          round_chunk(part.data(), spec);
          for (int64_t r = 0; r < rows; ++r)
            row_scale[r] = p.a.ScaleOf(i0 + r, p.k, kb);
          for (int64_t j = 0; j < cols; ++j)
            col_scale[j] = p.b.ScaleOf(j0 + j, p.k, kb);
          add_scaled(acc.data(), part.data(), row_scale.data(),
                     col_scale.data(), inexact.data(), spec);
        }
        if (!block_sum) {
          steps(a_block, b_panel, k0, k_end, acc.data(), inexact.data(), spec);
          if (round_chunk) round_chunk(acc.data(), spec);
        }
        if (s.promote) add_wide(wide.data(), acc.data(), inexact.data(), spec);
      }
      // Inexact steps take the slow path too.
      WriteTile(s.promote ? wide.data() : acc.data(), inexact.data(), C, rows,
                cols, i0, j0, p, n, d);
    }
  }
}

void NarrowAccDots(const GemmProblem* problems, int64_t count,
                   const Numerics& n, double* out) {
  if (NarrowFloatLanesOk(n)) return NarrowFloatDots(problems, count, n, out);
  for (int64_t i = 0; i < count; ++i)
    NarrowAccKernel(problems[i], n, 0, 1, out + i);
}

}  // namespace gemmsim
