// The fp32-native GEMM kernel (gemm_kernels.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"

#if GEMMSIM_X86
#include <immintrin.h>
#endif

namespace gemmsim {
namespace {
using namespace kernel_support;

// Register-blocked micro-kernels: a tile of kRows x (kVecs * lanes) sums
// lives in vector registers while k runs; every step adds one product in k
// order for every element. The product is exact (it fits the element type
// T: Fp32NativeKernelApplies, BlockSumBits), so a fused multiply-add rounds
// once, as the oracle's addition of the exact product does: fma(a, b, c) =
// round(a b + c) = round(round(a b) + c). The vector variants fuse by
// intrinsics (MulAdd), half the instructions of a multiply and an add;
// baseline x86-64 has no fma instruction and keeps them apart
// (-ffp-contract=off). T = float: the hardware's own float32 additions;
// T = double: block_sum's exact block sums of MXFP8 products
// (BlockSumsExactInDouble).
typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef double D8 __attribute__((vector_size(64)));
typedef double D4 __attribute__((vector_size(32)));

// c <- c + a b with one rounding (exact products only, above). The vector
// forms carry their targets and are not always_inline: they inline into the
// flattened micro-kernels of the same target (as block_fma_round512.h's).
template <typename T, typename V>
inline __attribute__((always_inline)) void MulAddSeparate(V& c, T a,
                                                          const V& b) {
  c += a * b;  // two roundings in general; one where a b is exact
}
#if GEMMSIM_X86
GEMMSIM_TARGET("avx512f") inline void MulAdd(V16& c, float a, const V16& b) {
  c = _mm512_fmadd_ps(_mm512_set1_ps(a), b, c);
}
GEMMSIM_TARGET("avx512f") inline void MulAdd(D8& c, double a, const D8& b) {
  c = _mm512_fmadd_pd(_mm512_set1_pd(a), b, c);
}
GEMMSIM_TARGET("avx2,fma") inline void MulAdd(V8& c, float a, const V8& b) {
  c = _mm256_fmadd_ps(_mm256_set1_ps(a), b, c);
}
GEMMSIM_TARGET("avx2,fma") inline void MulAdd(D4& c, double a, const D4& b) {
  c = _mm256_fmadd_pd(_mm256_set1_pd(a), b, c);
}
#else
template <typename T, typename V>
inline void MulAdd(V& c, T a, const V& b) {
  MulAddSeparate(c, a, b);  // no x86 variants: every one is the baseline
}
#endif

// acc (kRows x kCols, row-major, in memory) += A(k0..k1) B(k0..k1), where
// a_pack holds kRows values per k and b_pack kCols values per k. kFused:
// the x86 vector variants' MulAdd; else a multiply and an add.
template <typename T, typename V, int kRows, int kVecs, bool kFused>
inline __attribute__((always_inline)) void MicroKernelBody(
    const T* __restrict a_pack, const T* __restrict b_pack, int64_t k0,
    int64_t k1, T* __restrict acc) {
  constexpr int kLanes = sizeof(V) / sizeof(T);
  constexpr int kCols = kLanes * kVecs;
  V c[kRows][kVecs];
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(&c[r][v], acc + r * kCols + v * kLanes, sizeof(V));
  for (int64_t k = k0; k < k1; ++k) {
    V b[kVecs];
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(&b[v], b_pack + k * kCols + v * kLanes, sizeof(V));
    for (int r = 0; r < kRows; ++r) {
      const T ar = a_pack[k * kRows + r];
      for (int v = 0; v < kVecs; ++v) {
        if constexpr (kFused)
          MulAdd(c[r][v], ar, b[v]);
        else
          MulAddSeparate(c[r][v], ar, b[v]);
      }
    }
  }
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(acc + r * kCols + v * kLanes, &c[r][v], sizeof(V));
}

// The tile shapes per instruction set: 16 accumulators of 32 zmm, 12 of 16
// ymm, and a small one for baseline x86-64; one element (FewOutputs) in
// scalar code.
constexpr int kRows512 = 4, kVecs512 = 4;  // 4 x 64 floats, 4 x 32 doubles
constexpr int kRows256 = 6, kVecs256 = 2;  // 6 x 16 floats, 6 x 8 doubles
template <typename T>
using MicroKernelFn = void (*)(const T*, const T*, int64_t, int64_t, T*);

template <typename T, typename V>
GEMMSIM_TARGET("avx512f")
__attribute__((flatten)) void MicroKernel512(const T* a, const T* b, int64_t k0,
                                             int64_t k1, T* acc) {
  MicroKernelBody<T, V, kRows512, kVecs512, true>(a, b, k0, k1, acc);
}
template <typename T, typename V>
GEMMSIM_TARGET("avx2,fma")
__attribute__((flatten)) void MicroKernel256(const T* a, const T* b, int64_t k0,
                                             int64_t k1, T* acc) {
  MicroKernelBody<T, V, kRows256, kVecs256, true>(a, b, k0, k1, acc);
}
template <typename T, typename V>
void MicroKernelBase(const T* a, const T* b, int64_t k0, int64_t k1, T* acc) {
  MicroKernelBody<T, V, 2, 1, false>(a, b, k0, k1, acc);
}
template <typename T>
void MicroKernelSingle(const T* a, const T* b, int64_t k0, int64_t k1, T* acc) {
  MicroKernelBody<T, T, 1, 1, false>(a, b, k0, k1, acc);
}

template <typename T>
struct Shape {
  int rows, cols;
  MicroKernelFn<T> kernel;
};

// The tile of the instruction set chosen once (isa.h). Every variant
// performs the same operations in the same order: the same bits.
template <typename T>
Shape<T> ChooseShape(bool few_outputs) {
  using V512 = std::conditional_t<std::is_same_v<T, float>, V16, D8>;
  using V256 = std::conditional_t<std::is_same_v<T, float>, V8, D4>;
  constexpr int kLanes512 = sizeof(V512) / sizeof(T);
  constexpr int kLanes256 = sizeof(V256) / sizeof(T);
  if (few_outputs) return {1, 1, MicroKernelSingle<T>};
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return {kRows512, kLanes512 * kVecs512, MicroKernel512<T, V512>};
    case Isa::kAvx2:
      return {kRows256, kLanes256 * kVecs256, MicroKernel256<T, V256>};
    case Isa::kBaseline:
      break;
  }
  return {2, kLanes256, MicroKernelBase<T, V256>};
}

// block_scale block_sum with block sums float32 holds exactly, for any
// elements of the formats: products of (ma + 1) + (mb + 1) bits between
// 2^((emin_a - ma) + (emin_b - mb)) and 2^(emax_a + emax_b + 2), and a sum
// of `block` of them ceil(log2(block)) bits more: MXFP4, MXFP6 and NVFP4
// (e2m1fn: 13 bits), not MXFP8 (e4m3fn: 41).
// The bits a block sum of any elements of the formats spans: 0 when the
// formats are not floats of at most 23 mantissa bits.
int BlockSumBits(const Numerics& n) {
  const Format &a = n.a.format, &b = n.b.format;
  if (!a.is_float() || !b.is_float() || a.layout().mantissa_bits > 23 ||
      b.layout().mantissa_bits > 23)
    return 0;
  const int ma = a.layout().mantissa_bits, mb = b.layout().mantissa_bits;
  const int lowest =
      (a.min_normal_exponent() - ma) + (b.min_normal_exponent() - mb);
  const int top = std::ilogb(a.max_finite()) + std::ilogb(b.max_finite()) + 2;
  const int growth =
      64 - std::countl_zero(static_cast<uint64_t>(n.accumulate.block - 1));
  if (lowest < -149 || top + growth > 127) return 0;  // beyond float32
  return top + growth - lowest;
}
bool BlockSumsExactInFp32(const Numerics& n) {
  const int bits = BlockSumBits(n);
  return bits > 0 && bits <= 24;
}
// MXFP8 (e4m3fn: 41 bits; e5m2: 69, not).
bool BlockSumsExactInDouble(const Numerics& n) {
  const int bits = BlockSumBits(n);
  return bits > 0 && bits <= 53;
}

}  // namespace

bool Fp32NativeKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  const bool promote_ok = !s.promote || (s.promote->format == Fp32() &&
                                         IsNearestEven(s.promote->rounding));
  // In the block: one float addition per product (block 1). block_sum:
  // each block's exact float sum, times its scales, then one rne addition.
  const bool in_block =
      !ScalesBlockSums(n) && s.block == 1 &&
      s.accumulator_entry == AccumulatorEntry::kInBlock &&
      IsNearestEven(s.rounding) &&
      // Per-element emin matters to the oracle only for flushing
      // subnormal inputs (refused below): exact products suffice.
      ProductsAreFp32Values(n, p);
  const bool block_sum =
      ScalesBlockSums(n) && s.order == Order::kSequential &&
      s.accumulator_entry == AccumulatorEntry::kAfterBlock &&
      s.rounding.mode != Rounding::kStochastic &&
      IsNearestEven(s.after_block_rounding) &&
      // A double sum rounds to float32 by a cast (rne).
      (BlockSumsExactInFp32(n) ||
       (BlockSumsExactInDouble(n) && IsNearestEven(s.rounding)));
  return (in_block || block_sum) && s.format == Fp32() &&
         n.output.rounding.mode != Rounding::kStochastic &&
         s.alignment == Alignment::kExact &&
         s.overflow != Overflow::kSaturate && s.subnormal_inputs &&
         s.subnormal_outputs && promote_ok && OutputScaleSupported(p, n.output);
}

namespace {

// Rows [row_begin, row_end) with sums of products in T: float (every
// configuration Fp32NativeKernelApplies admits but one), or double for
// block_sum's exact block sums of MXFP8 products. The accumulator is fp32.
template <typename T>
void RunTiles(const GemmProblem& p, const Numerics& n, int64_t row_begin,
              int64_t row_end, double* d) {
  const Shape<T> shape = ChooseShape<T>(FewOutputs(row_begin, row_end, p));
  const int64_t rows_t = shape.rows, cols_t = shape.cols;
  const int64_t chunk =
      n.accumulate.promote ? n.accumulate.promote->every : p.k;
  const bool promote = n.accumulate.promote.has_value();
  const int64_t sum_block = n.accumulate.block;
  const int64_t panels = (p.n + cols_t - 1) / cols_t;
  const int64_t row_blocks = (row_end - row_begin + rows_t - 1) / rows_t;
  // Packed operands; the values are exact floats of narrow formats
  // (block_sum: the unscaled elements).
  const bool block_sum = ScalesBlockSums(n);
  const UnscaledOperands unscaled(p, block_sum);
  thread_local std::vector<T> b_pack, a_pack;  // reused per thread
  PackColumnPanels<T>(unscaled.p, cols_t, &b_pack);
  PackRowBlocks<T>(unscaled.p, row_begin, row_end, rows_t, &a_pack);
  thread_local std::vector<float> acc, wide;
  acc.assign(static_cast<size_t>(rows_t * cols_t), 0.0f);
  wide.assign(acc.size(), 0.0f);
  thread_local std::vector<T> part;  // a block's sum
  part.resize(block_sum ? acc.size() : 0);
  // block_sum: the largest error of an addition's double sum (0: exact);
  // a max, not a flag, so that the loop stays in vector lanes.
  thread_local std::vector<double> inexact, row_scale, col_scale;
  inexact.resize(acc.size());
  row_scale.resize(static_cast<size_t>(rows_t));
  col_scale.resize(static_cast<size_t>(cols_t));
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t j0 = panel * cols_t, cols = std::min(cols_t, p.n - j0);
    const T* b = b_pack.data() + panel * p.k * cols_t;
    for (int64_t block = 0; block < row_blocks; ++block) {
      const int64_t i0 = row_begin + block * rows_t,
                    rows = std::min(rows_t, row_end - i0);
      const T* a = a_pack.data() + block * p.k * rows_t;
      // c starts the accumulator (the wide one under promote), as fp32.
      float* start = promote ? wide.data() : acc.data();
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          start[r * cols_t + j] =
              p.c ? static_cast<float>(p.c[(i0 + r) * p.n + j0 + j]) : 0.0f;
      std::fill(inexact.begin(), inexact.end(), 0.0);
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        const int64_t k_end = std::min(p.k, k0 + chunk);
        if constexpr (std::is_same_v<T, float>) {
          if (!block_sum) shape.kernel(a, b, k0, k_end, acc.data());
        }
        for (int64_t kb = k0; block_sum && kb < k_end; kb += sum_block) {
          // The block's exact sum (from -0, as AddTerms sums zeros), as
          // float32 (rne: a double sum's one rounding), times its scales
          // (exact in double), added with one rne rounding where TwoSum
          // proves the double sum exact.
          std::fill(part.begin(), part.end(), T(-0.0));
          shape.kernel(a, b, kb, std::min(k_end, kb + sum_block), part.data());
          for (int64_t r = 0; r < rows; ++r)
            row_scale[r] = p.a.ScaleOf(i0 + r, p.k, kb);
          for (int64_t j = 0; j < cols; ++j)
            col_scale[j] = p.b.ScaleOf(j0 + j, p.k, kb);
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < cols; ++j) {
              const int64_t e = r * cols_t + j;
              const double x =
                  static_cast<double>(static_cast<float>(part[e])) *
                  (row_scale[r] * col_scale[j]);
              const double sum = acc[e] + x, bb = sum - acc[e];
              inexact[e] = std::max(
                  inexact[e], std::fabs((acc[e] - (sum - bb)) + (x - bb)));
              acc[e] = static_cast<float>(sum);
            }
        }
        if (promote) {
          for (size_t e = 0; e < acc.size(); ++e) wide[e] += acc[e];
          std::fill(acc.begin(), acc.end(), 0.0f);
        }
      }
      // block_sum's inexact additions take the slow path too.
      WriteTile(promote ? wide.data() : acc.data(), inexact.data(), cols_t,
                rows, cols, i0, j0, p, n, d);
    }
  }
}

}  // namespace

void Fp32NativeKernel(const GemmProblem& p, const Numerics& n,
                      int64_t row_begin, int64_t row_end, double* d) {
  if (ScalesBlockSums(n) && !BlockSumsExactInFp32(n))
    return RunTiles<double>(p, n, row_begin, row_end, d);
  RunTiles<float>(p, n, row_begin, row_end, d);
}

}  // namespace gemmsim
