// The fp32-native GEMM kernel (gemm_kernels.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

// Register-blocked micro-kernels: a tile of kRows x (kVecs * lanes) sums
// lives in vector registers while k runs; every step is one float multiply
// (exact: the product fits fp32) and one float add (the one rounding), in k
// order for every element: -ffp-contract=off keeps them unfused.
typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));

template <typename V, int kRows, int kVecs>
struct Tile {
  static constexpr int kLanes = sizeof(V) / sizeof(float);
  static constexpr int kCols = kLanes * kVecs;
};

// acc (kRows x kCols, row-major, in memory) += A(k0..k1) B(k0..k1), where
// a_pack holds kRows values per k and b_pack kCols values per k.
template <typename V, int kRows, int kVecs>
inline __attribute__((always_inline)) void MicroKernelBody(
    const float* __restrict a_pack, const float* __restrict b_pack, int64_t k0,
    int64_t k1, float* __restrict acc) {
  constexpr int kLanes = Tile<V, kRows, kVecs>::kLanes;
  constexpr int kCols = Tile<V, kRows, kVecs>::kCols;
  V c[kRows][kVecs];
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(&c[r][v], acc + r * kCols + v * kLanes, sizeof(V));
  for (int64_t k = k0; k < k1; ++k) {
    V b[kVecs];
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(&b[v], b_pack + k * kCols + v * kLanes, sizeof(V));
    for (int r = 0; r < kRows; ++r) {
      const float ar = a_pack[k * kRows + r];
      for (int v = 0; v < kVecs; ++v) c[r][v] += ar * b[v];
    }
  }
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVecs; ++v)
      __builtin_memcpy(acc + r * kCols + v * kLanes, &c[r][v], sizeof(V));
}

// The tile shapes per instruction set: 16 accumulators of 32 zmm, 12 of 16
// ymm, and a small one for baseline x86-64.
constexpr int kRows512 = 4, kVecs512 = 4;  // 4 x 64
constexpr int kRows256 = 6, kVecs256 = 2;  // 6 x 16
GEMMSIM_TARGET("avx512f")
void MicroKernel512(const float* a, const float* b, int64_t k0, int64_t k1,
                    float* acc) {
  MicroKernelBody<V16, kRows512, kVecs512>(a, b, k0, k1, acc);
}
GEMMSIM_TARGET("avx2")
void MicroKernel256(const float* a, const float* b, int64_t k0, int64_t k1,
                    float* acc) {
  MicroKernelBody<V8, kRows256, kVecs256>(a, b, k0, k1, acc);
}
void MicroKernelBase(const float* a, const float* b, int64_t k0, int64_t k1,
                     float* acc) {
  MicroKernelBody<V8, 2, 1>(a, b, k0, k1, acc);
}
// One element (FewOutputs), in scalar floats.
void MicroKernelSingle(const float* a, const float* b, int64_t k0, int64_t k1,
                       float* acc) {
  MicroKernelBody<float, 1, 1>(a, b, k0, k1, acc);
}

struct Shape {
  int rows, cols;
  void (*kernel)(const float*, const float*, int64_t, int64_t, float*);
};

// The tile of the instruction set chosen once (isa.h). Every variant
// performs the same float operations in the same order: the same bits.
Shape ChooseShape() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return {kRows512, 64, MicroKernel512};
    case Isa::kAvx2:
      return {kRows256, 16, MicroKernel256};
    case Isa::kBaseline:
      break;
  }
  return {2, 8, MicroKernelBase};
}

}  // namespace

bool Fp32NativeKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  const bool promote_ok = !s.promote || (s.promote->format == Fp32() &&
                                         IsNearestEven(s.promote->rounding));
  // kAfterBlock rounds each product on its own first: not this kernel's
  // one addition per product.
  return !ScalesBlockSums(n) && s.format == Fp32() && s.block == 1 &&
         s.accumulator_entry == AccumulatorEntry::kInBlock &&
         n.output.rounding.mode != Rounding::kStochastic &&
         s.alignment == Alignment::kExact && IsNearestEven(s.rounding) &&
         s.overflow != Overflow::kSaturate && s.subnormal_inputs &&
         s.subnormal_outputs && promote_ok &&
         OutputScaleSupported(p, n.output) &&
         // Per-element emin matters to the oracle only for flushing
         // subnormal inputs (refused above): exact products suffice.
         ProductsAreFp32Values(n, p);
}

void Fp32NativeKernel(const GemmProblem& p, const Numerics& n,
                      int64_t row_begin, int64_t row_end, double* d) {
  const Shape shape = FewOutputs(row_begin, row_end, p)
                          ? Shape{1, 1, MicroKernelSingle}
                          : ChooseShape();
  const int64_t rows_t = shape.rows, cols_t = shape.cols;
  const int64_t chunk =
      n.accumulate.promote ? n.accumulate.promote->every : p.k;
  const bool promote = n.accumulate.promote.has_value();
  const int64_t panels = (p.n + cols_t - 1) / cols_t;
  const int64_t row_blocks = (row_end - row_begin + rows_t - 1) / rows_t;
  // Packed operands; the values are exact floats of narrow formats.
  const std::vector<float> b_pack = PackColumnPanels<float>(p, cols_t);
  const std::vector<float> a_pack =
      PackRowBlocks<float>(p, row_begin, row_end, rows_t);
  std::vector<float> acc(static_cast<size_t>(rows_t * cols_t));
  std::vector<float> wide(static_cast<size_t>(rows_t * cols_t));
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t j0 = panel * cols_t, cols = std::min(cols_t, p.n - j0);
    const float* b = b_pack.data() + panel * p.k * cols_t;
    for (int64_t block = 0; block < row_blocks; ++block) {
      const int64_t i0 = row_begin + block * rows_t,
                    rows = std::min(rows_t, row_end - i0);
      const float* a = a_pack.data() + block * p.k * rows_t;
      // c starts the accumulator (the wide one under promote), as fp32.
      float* start = promote ? wide.data() : acc.data();
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          start[r * cols_t + j] =
              p.c ? static_cast<float>(p.c[(i0 + r) * p.n + j0 + j]) : 0.0f;
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        shape.kernel(a, b, k0, std::min(p.k, k0 + chunk), acc.data());
        if (promote) {
          for (size_t e = 0; e < acc.size(); ++e) wide[e] += acc[e];
          std::fill(acc.begin(), acc.end(), 0.0f);
        }
      }
      const float* total = promote ? wide.data() : acc.data();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) {
          const double t = total[r * cols_t + j];
          const int64_t i = i0 + r, jj = j0 + j;
          // Non-finite results take the generic path, which resolves Inf
          // and NaN inputs the way DotProduct does.
          d[i * p.n + jj] = std::isfinite(t) ? ToOutput(t, p, n.output)
                                             : GenericElement(p, n, i, jj);
        }
    }
  }
}

}  // namespace gemmsim
