// The fp32 pairwise GEMM kernel (gemm_kernels.h).
//
// DotProduct's pairwise order (dot_product.cc, Accumulation::AddBlock) adds
// a block's products in a balanced tree, level by level: neighbours pair
// up, an odd last term moves up unpaired, every node is one multi-term
// addition of two terms, rounded; the root then joins the accumulator in
// one more. With fp32, exact alignment and rne, each of those additions is
// exactly one IEEE float32 addition, products that fp32 holds exactly are
// float32 multiplications, and a node that overflows makes the block's
// result Inf or NaN, which the oracle then resolves (non-finite totals go
// to it here). So the tree runs as float32 vector additions over a tile of
// output elements, in the oracle's order: the same bits.
#include <algorithm>
#include <cmath>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
namespace {
using namespace kernel_support;

constexpr int kRows = 2;  // rows of a tile; its columns: per instruction set

// The block [k0, k1) of a kRows x kCols tile: products into `tree`
// (k1 - k0 levels of kRows * kCols floats), the tree reduced in place, and
// its root added to acc. a: kRows values per k; b: kCols values per k.
template <int kCols>
inline __attribute__((always_inline)) void BlockBody(const float* __restrict a,
                                                     const float* __restrict b,
                                                     int64_t k0, int64_t k1,
                                                     float* __restrict tree,
                                                     float* __restrict acc) {
  constexpr int kTile = kRows * kCols;
  int64_t len = k1 - k0;
  for (int64_t t = 0; t < len; ++t)
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < kCols; ++c)
        tree[t * kTile + r * kCols + c] =
            a[(k0 + t) * kRows + r] * b[(k0 + t) * kCols + c];
  while (len > 1) {
    const int64_t pairs = len / 2;
    for (int64_t i = 0; i < pairs; ++i)
      for (int e = 0; e < kTile; ++e)
        tree[i * kTile + e] =
            tree[2 * i * kTile + e] + tree[(2 * i + 1) * kTile + e];
    if (len % 2)  // the odd last term moves up unpaired
      for (int e = 0; e < kTile; ++e)
        tree[pairs * kTile + e] = tree[(len - 1) * kTile + e];
    len = pairs + len % 2;
  }
  for (int e = 0; e < kTile; ++e) acc[e] += tree[e];
}

// acc += the blocks of [k0, k1) (a chunk: blocks restart at k0).
template <int kCols>
inline __attribute__((always_inline)) void ChunkBody(const float* a,
                                                     const float* b, int64_t k0,
                                                     int64_t k1, int64_t block,
                                                     float* tree, float* acc) {
  for (int64_t kb = k0; kb < k1; kb += block)
    BlockBody<kCols>(a, b, kb, std::min(k1, kb + block), tree, acc);
}

using ChunkFn = void (*)(const float*, const float*, int64_t, int64_t, int64_t,
                         float*, float*);

GEMMSIM_TARGET("avx512f")
void Chunk512(const float* a, const float* b, int64_t k0, int64_t k1,
              int64_t block, float* tree, float* acc) {
  ChunkBody<64>(a, b, k0, k1, block, tree, acc);
}
GEMMSIM_TARGET("avx2")
void Chunk256(const float* a, const float* b, int64_t k0, int64_t k1,
              int64_t block, float* tree, float* acc) {
  ChunkBody<32>(a, b, k0, k1, block, tree, acc);
}
void ChunkBase(const float* a, const float* b, int64_t k0, int64_t k1,
               int64_t block, float* tree, float* acc) {
  ChunkBody<16>(a, b, k0, k1, block, tree, acc);
}

struct Shape {
  int cols;
  ChunkFn chunk;
};

// The tile of the instruction set chosen once (isa.h): every variant does
// the same float32 operations in the same order.
Shape ChooseShape() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return {64, Chunk512};
    case Isa::kAvx2:
      return {32, Chunk256};
    case Isa::kBaseline:
      break;
  }
  return {16, ChunkBase};
}

}  // namespace

bool PairwiseKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  const bool promote_ok = !s.promote || (s.promote->format == Fp32() &&
                                         IsNearestEven(s.promote->rounding));
  // Saturating overflow would clamp a node: not a float32 addition.
  return !ScalesBlockSums(n) && s.format == Fp32() &&
         s.order == Order::kPairwise && s.block >= 2 &&
         s.accumulator_entry == AccumulatorEntry::kInBlock &&
         s.alignment == Alignment::kExact && IsNearestEven(s.rounding) &&
         s.overflow != Overflow::kSaturate && s.subnormal_inputs &&
         s.subnormal_outputs && promote_ok &&
         n.output.rounding.mode != Rounding::kStochastic &&
         OutputScaleSupported(p, n.output) && ProductsAreFp32Values(n, p);
}

void PairwiseKernel(const GemmProblem& p, const Numerics& n, int64_t row_begin,
                    int64_t row_end, double* d) {
  const Shape shape = ChooseShape();
  const int64_t cols_t = shape.cols, tile = kRows * cols_t;
  const AccumulateSpec& s = n.accumulate;
  const bool promote = s.promote.has_value();
  const int64_t chunk = promote ? s.promote->every : std::max<int64_t>(p.k, 1);
  const int64_t panels = (p.n + cols_t - 1) / cols_t;
  const int64_t row_blocks = (row_end - row_begin + kRows - 1) / kRows;
  std::vector<float> b_pack, a_pack;
  PackColumnPanels<float>(p, cols_t, &b_pack);
  PackRowBlocks<float>(p, row_begin, row_end, kRows, &a_pack);
  std::vector<float> tree(static_cast<size_t>(s.block * tile));
  std::vector<float> acc(static_cast<size_t>(tile)), wide(acc.size());
  for (int64_t panel = 0; panel < panels; ++panel) {
    const int64_t j0 = panel * cols_t, cols = std::min(cols_t, p.n - j0);
    const float* b = b_pack.data() + panel * p.k * cols_t;
    for (int64_t rb = 0; rb < row_blocks; ++rb) {
      const int64_t i0 = row_begin + rb * kRows,
                    rows = std::min<int64_t>(kRows, row_end - i0);
      const float* a = a_pack.data() + rb * p.k * kRows;
      // c starts the accumulator (the wide one under promote), as fp32.
      float* start = promote ? wide.data() : acc.data();
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          start[r * cols_t + j] =
              p.c ? static_cast<float>(p.c[(i0 + r) * p.n + j0 + j]) : 0.0f;
      for (int64_t k0 = 0; k0 < p.k; k0 += chunk) {
        shape.chunk(a, b, k0, std::min(p.k, k0 + chunk), s.block, tree.data(),
                    acc.data());
        if (promote) {
          for (size_t e = 0; e < acc.size(); ++e) wide[e] += acc[e];
          std::fill(acc.begin(), acc.end(), 0.0f);
        }
      }
      WriteTile(promote ? wide.data() : acc.data(), nullptr, cols_t, rows, cols,
                i0, j0, p, n, d);
    }
  }
}

}  // namespace gemmsim
