#include "datapaths/arithmetic/narrow_acc_float.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/gemm_element.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/arithmetic/lane_rounding.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

constexpr int64_t kRows = 4;
constexpr int64_t kCols = 128;  // 8 vectors of 16 floats per row

// acc[r][j] <- round(acc[r][j] + a[r] b[j]) for k in [k0, k1): the float32
// sum, rounded to odd by its TwoSum error, then into the format. kLanes:
// kCols independent dot products, acc[j] <- round(acc[j] + a[j] b[j]), A
// packed like B (one row).
template <Rounding kMode, bool kGrid, bool kLanes>
[[gnu::always_inline]] inline void StepsBody(const float* __restrict a_pack,
                                             const float* __restrict b_pack,
                                             int64_t k0, int64_t k1,
                                             float* __restrict acc,
                                             const RounderF& rounder) {
  const RounderF q = rounder;  // a local: its fields stay in registers
  for (int64_t k = k0; k < k1; ++k) {
    const float* b = b_pack + k * kCols;
    for (int64_t r = 0; r < (kLanes ? 1 : kRows); ++r) {
      const float ar = kLanes ? 0.0f : a_pack[k * kRows + r];
      const float* a_lanes = a_pack + k * kCols;
      float* out = acc + r * kCols;
      for (int64_t j = 0; j < kCols; ++j) {
        const float x = out[j];
        const float p = (kLanes ? a_lanes[j] : ar) * b[j];  // exact
        const float s = x + p;
        const float bb = s - x;
        const float err = (x - (s - bb)) + (p - bb);
        // Round to odd: inexact with an even last bit: one ulp toward the
        // exact sum (magnitude up where err has s's sign). s != 0 there.
        // An Inf or NaN accumulator makes err NaN, which |err| > 0 leaves.
        const int32_t bits = std::bit_cast<int32_t>(s);
        const int32_t toward =
            (std::bit_cast<int32_t>(err) ^ bits) < 0 ? -1 : 1;
        // Masks, not a select: GCC 12 vectorizes this form only.
        const int32_t inexact = -static_cast<int32_t>(std::fabs(err) > 0);
        const int32_t even = (bits & 1) - 1;  // -1 where the last bit is 0
        const float odd =
            std::bit_cast<float>(bits + (inexact & even & toward));
        out[j] = RoundToFormatF<kMode, kGrid>(odd, q);
      }
    }
  }
}

using StepsFn = void (*)(const float*, const float*, int64_t, int64_t, float*,
                         const RounderF&);

template <Rounding kMode, bool kGrid, bool kLanes>
GEMMSIM_TARGET("avx512f")
void Steps512(const float* a, const float* b, int64_t k0, int64_t k1,
              float* acc, const RounderF& q) {
  StepsBody<kMode, kGrid, kLanes>(a, b, k0, k1, acc, q);
}
template <Rounding kMode, bool kGrid, bool kLanes>
GEMMSIM_TARGET("avx2")
void Steps256(const float* a, const float* b, int64_t k0, int64_t k1,
              float* acc, const RounderF& q) {
  StepsBody<kMode, kGrid, kLanes>(a, b, k0, k1, acc, q);
}
template <Rounding kMode, bool kGrid, bool kLanes>
void StepsBase(const float* a, const float* b, int64_t k0, int64_t k1,
               float* acc, const RounderF& q) {
  StepsBody<kMode, kGrid, kLanes>(a, b, k0, k1, acc, q);
}

// The variant of the instruction set chosen once (isa.h): the same float
// and integer operations in each, so the same bits. kGrid: the format is
// on float32's grid (Float32GridFormat: bf16), rounded on its bits.
template <bool kGrid, bool kLanes>
StepsFn ChooseSteps(Rounding mode) {
  return ForMode(mode, [](auto m) -> StepsFn {
    constexpr Rounding kMode = decltype(m)::value;
    switch (ActiveIsa()) {
      case Isa::kAvx512:
        return &Steps512<kMode, kGrid, kLanes>;
      case Isa::kAvx2:
        return &Steps256<kMode, kGrid, kLanes>;
      case Isa::kBaseline:
        break;
    }
    return &StepsBase<kMode, kGrid, kLanes>;
  });
}

}  // namespace

bool NarrowFloatLanesOk(const Numerics& n) {
  const AccumulateSpec& s = n.accumulate;
  // Promotion into fp32 with rne: each chunk's sum joins the wide one by a
  // float32 addition (its one rounding).
  const bool promote_ok = !s.promote || (s.promote->format == Fp32() &&
                                         IsNearestEven(s.promote->rounding));
  return s.block == 1 && promote_ok && !ScalesBlockSums(n) &&
         s.accumulator_entry == AccumulatorEntry::kInBlock &&
         s.rounding.mode != Rounding::kStochastic &&
         ProductsExactInFp32(n.a.format, n.b.format) &&
         (FloatRoundingOk(s.format) || Float32GridFormat(s.format));
}

void NarrowFloatKernel(const GemmProblem& p, const Numerics& n,
                       int64_t row_begin, int64_t row_end, double* d) {
  const AccumulateSpec& s = n.accumulate;
  const RounderF q = MakeRounderF(
      MakeRounder(s.format, s.rounding, s.overflow, s.subnormal_outputs));
  const StepsFn steps = Float32GridFormat(s.format)
                            ? ChooseSteps<true, false>(s.rounding.mode)
                            : ChooseSteps<false, false>(s.rounding.mode);
  const int64_t panels = (p.n + kCols - 1) / kCols;
  const int64_t blocks = (row_end - row_begin + kRows - 1) / kRows;
  thread_local std::vector<float> b_pack, a_pack;  // reused per thread
  PackColumnPanels<float>(p, kCols, &b_pack);
  PackRowBlocks<float>(p, row_begin, row_end, kRows, &a_pack);
  std::vector<float> acc(kRows * kCols), wide(acc.size());
  const bool promote = s.promote.has_value();
  const int64_t chunk = promote ? s.promote->every : std::max<int64_t>(p.k, 1);
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t j0 = panel * kCols, cols = std::min(kCols, p.n - j0);
    for (int64_t block = 0; block < blocks; ++block) {
      const int64_t i0 = row_begin + block * kRows,
                    rows = std::min(kRows, row_end - i0);
      std::fill(acc.begin(), acc.end(), 0.0f);
      std::fill(wide.begin(), wide.end(), 0.0f);
      // c starts the accumulator (the wide one under promote), rounded to
      // it with rne: a float32 value.
      float* start = promote ? wide.data() : acc.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          start[r * kCols + j] =
              static_cast<float>(StartValue(p, s, i0 + r, j0 + j));
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        steps(a_pack.data() + block * p.k * kRows,
              b_pack.data() + panel * p.k * kCols, k0,
              std::min(p.k, k0 + chunk), acc.data(), q);
        if (!promote) continue;
        for (size_t e = 0; e < acc.size(); ++e) {
          wide[e] += acc[e];
          acc[e] = 0.0f;
        }
      }
      WriteTile(promote ? wide.data() : acc.data(), nullptr, kCols, rows, cols,
                i0, j0, p, n, d);
    }
  }
}

void NarrowFloatDots(const GemmProblem* problems, int64_t count,
                     const Numerics& n, double* out) {
  const AccumulateSpec& s = n.accumulate;
  const RounderF q = MakeRounderF(
      MakeRounder(s.format, s.rounding, s.overflow, s.subnormal_outputs));
  const StepsFn steps = Float32GridFormat(s.format)
                            ? ChooseSteps<true, true>(s.rounding.mode)
                            : ChooseSteps<false, true>(s.rounding.mode);
  const int64_t k = count > 0 ? problems[0].k : 0;
  thread_local std::vector<float> a_pack, b_pack;  // reused per thread
  a_pack.resize(static_cast<size_t>(k * kCols));
  b_pack.resize(a_pack.size());
  std::vector<float> acc(kCols), wide(kCols);
  const bool promote = s.promote.has_value();
  const int64_t chunk = promote ? s.promote->every : std::max<int64_t>(k, 1);
  for (int64_t g = 0; g < count; g += kCols) {
    const int64_t lanes = std::min(kCols, count - g);
    // Dot w's A and B (1 x K and K x 1: both contiguous) in lane w.
    for (int64_t w = 0; w < kCols; ++w) {
      const GemmProblem* p = w < lanes ? &problems[g + w] : nullptr;
      for (int64_t kk = 0; kk < k; ++kk) {
        a_pack[kk * kCols + w] = p ? static_cast<float>(p->a.values[kk]) : 0;
        b_pack[kk * kCols + w] = p ? static_cast<float>(p->b.values[kk]) : 0;
      }
    }
    std::fill(acc.begin(), acc.end(), 0.0f);
    std::fill(wide.begin(), wide.end(), 0.0f);
    float* start = promote ? wide.data() : acc.data();
    for (int64_t w = 0; w < lanes; ++w)
      start[w] = static_cast<float>(StartValue(problems[g + w], s, 0, 0));
    for (int64_t k0 = 0; k0 < k; k0 += chunk) {
      steps(a_pack.data(), b_pack.data(), k0, std::min(k, k0 + chunk),
            acc.data(), q);
      if (!promote) continue;
      for (int64_t w = 0; w < kCols; ++w) {
        wide[w] += acc[w];
        acc[w] = 0.0f;
      }
    }
    const float* total = promote ? wide.data() : acc.data();
    for (int64_t w = 0; w < lanes; ++w) {
      const GemmProblem& p = problems[g + w];
      out[g + w] = std::isfinite(total[w]) ? ToOutput(total[w], p, n.output)
                                           : GenericElement(p, n, 0, 0);
    }
  }
}

}  // namespace gemmsim
