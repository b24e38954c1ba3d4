// The block-FMA GEMM kernel (gemm_kernels.h).
//
// Two implementations of one definition (AddTerms with truncating
// alignment): a scalar one, per output element (block_fma_scalar.h), and a
// vectorized one (block_fma_simd.h) that computes W adjacent output columns
// of R rows at a time, or W batched dot products, and reaches the same
// integers by another road. The scalar one remains for what the vector one
// does not cover: formats whose products or scales leave float32, and the
// rare elements the vectors hand back (overflow, a zero block on a -0
// accumulator, Inf and NaN inputs).
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "datapaths/arithmetic/block_fma_scalar.h"
#include "datapaths/arithmetic/block_fma_simd.h"
#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/kernel_support.h"

namespace gemmsim {
using namespace kernel_support;
using namespace block_fma_simd;
using namespace block_fma;

namespace {

struct Shape {
  int64_t rows, lanes;
  TileTable tiles;
  PackFn pack;
};

// The tile of the instruction set chosen once (isa.h). All variants
// compute the same integers: same bits.
Shape ChooseShape() {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return {8, 16, MakeTileTable<Avx512>(), PackRun512};
    case Isa::kAvx2:
      return {4, 8, MakeTileTable<Avx2>(), PackRun256};
    case Isa::kBaseline:
      break;
  }
  return {2, 4, MakeTileTable<Baseline>(), PackRunBase};
}

enum class VecMode { kNone, kExact, kWide };

int MaxExponent(const Format& f) { return std::ilogb(f.max_finite()); }

// Whether the kExact form holds, given that every product's alignment
// exponent ea + eb lies in [pair_lo, pair_hi] (by the formats or by the
// values); if so, sets the floor of T's exponent and the clamp of M.
// T = 2^(width - max(M, floor)) must be a normal float32, and so must
// acc * T when M lies below the floor (then the lane has no non-zero
// product, and the accumulator's term is acc * T * 2^(floor - M), TileBody).
// A floor below pair_lo changes no lane that has a product; it is lowered
// until acc * T stays normal and 2^(floor - M) finite.
bool FitExactForm(const BlockFmaParams& q, int pair_lo, int pair_hi,
                  VecParams* v) {
  const int floor = std::min(
      {pair_lo, q.width + q.emin_acc - q.macc + 126, q.emin_acc + 127});
  // Lanes with a non-zero term have M >= min(pair_lo, emin_acc) already;
  // the clamp only keeps scales finite elsewhere (but for
  // min_alignment_exponent, which is the datapath's own).
  int clamp = std::min(floor, q.emin_acc);
  if (q.has_min_align) clamp = std::max(clamp, q.min_align);
  const int max_m = std::max({pair_hi, MaxExponent(*q.acc_format), clamp});
  if (q.width - floor > 127 || q.width - max_m < -126 || floor - clamp > 127)
    return false;
  v->min_pair_m = floor;
  v->clamp_m = clamp;
  return true;
}

// Which form of the vectorized path covers these numerics, if any.
VecMode ChooseVecMode(const Numerics& n, const GemmProblem& p,
                      const BlockFmaParams& q, int64_t row_begin,
                      int64_t row_end, VecParams* v) {
  const Format& facc = *q.acc_format;
  const int64_t block = n.accumulate.block;
  // Terms lie below 2^(width + 2): cvtt must hold each, and one block's
  // products must sum within int32, or each half of the block (split; the
  // halves and the accumulator's term join in double: FinishWide).
  if (p.k == 0 || q.width > 28) return VecMode::kNone;
  const int64_t term_max = (int64_t{1} << (q.width + 2)) - 1;
  v->split = block * term_max > INT32_MAX;
  if ((block + 1) / 2 * term_max > INT32_MAX) return VecMode::kNone;
  // Accumulator values live in float32 lanes, their exponent read from the
  // float32 exponent field (float32 subnormals: the format's emin).
  if (facc.max_finite() > FLT_MAX || q.emin_acc < -126 ||
      q.emin_acc - q.macc < -149)
    return VecMode::kNone;
  v->width = q.width;
  v->width_minus_mab = q.width - q.ma - q.mb;
  v->result_bits = q.result_bits;
  v->emin_acc = q.emin_acc;
  v->min_pair_m = p.a.emin + p.b.emin;
  // Lanes with a non-zero term have M at least min(emin_a + emin_b,
  // emin_acc) already; the clamp only keeps scales finite elsewhere.
  v->clamp_m = std::min(v->min_pair_m, q.emin_acc);
  if (q.has_min_align) v->clamp_m = std::max(v->clamp_m, q.min_align);
  v->max_finite = facc.max_finite();
  v->max_finite_bits =
      std::bit_cast<int32_t>(static_cast<float>(v->max_finite));
  v->low_normal_bits = std::bit_cast<int32_t>(std::ldexp(1.0f, q.emin_acc + 1));
  v->emax_acc = MaxExponent(facc);
  v->narrow = !v->split &&
              block * term_max + (int64_t{1} << (q.width + 1)) <= INT32_MAX;
  v->nearest_even = q.nearest_even;
  v->after_block = q.after_block;
  v->fast_round = q.result_bits == 23 || q.result_bits <= 21;
  // kExact where the formats guarantee that every product is a float32
  // value (FP8, fp16), else where this GEMM's values do (bf16 and tf32 whose
  // values keep to a few dozen binades, as data does): one scan of rows
  // [row_begin, row_end) of A and of B, O(k (m + n)) against the tiles'
  // O(m n k).
  if (ProductsExactInFp32(n.a.format, n.b.format) &&
      FitExactForm(q, p.a.emin + p.b.emin,
                   MaxExponent(n.a.format) + MaxExponent(n.b.format), v))
    return VecMode::kExact;
  if ((q.ma + 1) + (q.mb + 1) <= 24) {
    const ValueExtent a =
        ExtentOf(p.a.values + row_begin * p.k, (row_end - row_begin) * p.k);
    const ValueExtent b = ExtentOf(p.b.values, p.k * p.n);
    // Alignment exponents: a value's own, or its format's emin below it.
    if (a.max_bits > 0 && b.max_bits > 0 && ProductsExactInFp32(a, b) &&
        FitExactForm(
            q, std::max(a.lead_low, p.a.emin) + std::max(b.lead_low, p.b.emin),
            (a.high - 1) + (b.high - 1), v))
      return VecMode::kExact;
  }
  if ((q.ma + 1) + (q.mb + 1) <= 24 && v->width_minus_mab <= 127)
    return VecMode::kWide;
  return VecMode::kNone;
}

// A lane's accumulator at the start: c rounded to the accumulator format
// (rne), c itself when it is a float32 value and the accumulator is fp32;
// NaN (the scalar path) where that is not a finite float32.
double LaneStart(double c, const BlockFmaParams& q) {
  if (*q.acc_format == Fp32() && std::fabs(c) <= FLT_MAX &&
      static_cast<double>(static_cast<float>(c)) == c)
    return c;
  if (!std::isfinite(c)) return std::numeric_limits<double>::quiet_NaN();
  const double start =
      Decode(*q.acc_format, Encode(*q.acc_format, c, EncodeOptions{}));
  return std::isfinite(start) &&
                 static_cast<double>(static_cast<float>(start)) == start
             ? start
             : std::numeric_limits<double>::quiet_NaN();
}

// The vectorized kernel for rows [row_begin, row_end). False when an input
// is not what PackRun expects: the scalar path then redoes these rows.
bool VectorKernel(const GemmProblem& p, const Numerics& n,
                  const BlockFmaParams& q, VecMode mode, const VecParams& vq,
                  int64_t row_begin, int64_t row_end, double* d) {
  const Shape shape = ChooseShape();
  const int64_t R = shape.rows, W = shape.lanes;
  const TileFn tile_fn =
      shape.tiles
          .fn[mode == VecMode::kWide][vq.split    ? kFinishSplit
                                      : vq.narrow ? kFinishNarrow
                                                  : kFinishWide][q.sticky];
  const bool wide = mode == VecMode::kWide;
  const int64_t panels = (p.n + W - 1) / W;
  const int64_t rows = row_end - row_begin, tiles = (rows + R - 1) / R;

  // Per chunk of K (whole blocks): A in tiles of R rows, k-major inside a
  // tile; per group of panels: B in panels of W columns, k-major inside a
  // panel, so that a chunk of B stays in cache while every tile of rows
  // passes over it. Padding and non-finite inputs are zeros (elements with
  // non-finite inputs take the scalar path, which resolves Inf and NaN).
  // The buffers are small and reused: fresh pages cost a fault each.
  // Both are capped by the problem: a small GEMM (a capture is 16x8x4)
  // would otherwise allocate and fault in 256 KB of B panels per call.
  const int64_t block = n.accumulate.block;
  const int64_t kc_max = std::min(block * std::max<int64_t>(1, 256 / block),
                                  block * ((p.k + block - 1) / block));
  const int64_t group = std::min(std::max<int64_t>(1, 256 / W), panels);
  const size_t a_size = static_cast<size_t>(tiles * kc_max * R);
  const size_t b_size = static_cast<size_t>(group * kc_max * W);
  const std::unique_ptr<float[]> a_val(new float[a_size]);
  const std::unique_ptr<int32_t[]> a_exp(new int32_t[a_size]);
  const std::unique_ptr<float[]> b_val(new float[b_size]);
  const std::unique_ptr<int32_t[]> b_exp(new int32_t[b_size]);
  // Per row of A and per panel of B: whether an Inf or NaN was seen.
  std::vector<char> row_special(static_cast<size_t>(rows), 0);
  std::vector<char> panel_special(static_cast<size_t>(panels), 0);
  const PackSpec a_spec{p.a.emin, MaxExponent(n.a.format), q.ma, wide};
  const PackSpec b_spec{p.b.emin, MaxExponent(n.b.format), q.mb, wide};

  // The accumulators live in d's rows until the end (in a buffer of their
  // own if c overlaps them: the scalar path reads c at the very end). They
  // start at c rounded to the accumulator format (rne): c itself when it is
  // a float32 value and the accumulator is fp32. NaN marks the elements the
  // scalar path takes over.
  double* acc = d + row_begin * p.n;
  std::vector<double> own_acc;
  if (p.c) {
    const std::less<const double*> before;
    const double* c0 = p.c + row_begin * p.n;
    if (before(c0, acc + rows * p.n) && before(acc, c0 + rows * p.n)) {
      own_acc.resize(static_cast<size_t>(rows * p.n));
      acc = own_acc.data();
    }
  }
  const double zero_start = LaneStart(0.0, q);  // no c: once, not per lane
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < p.n; ++j)
      acc[r * p.n + j] =
          p.c ? LaneStart(p.c[(row_begin + r) * p.n + j], q) : zero_start;

  bool ok = true;
  std::vector<float> tile_acc(static_cast<size_t>(R * W));
  for (int64_t k0 = 0; k0 < p.k; k0 += kc_max) {
    const int64_t kc = std::min(kc_max, p.k - k0);
    for (int64_t tile = 0; tile < tiles; ++tile)
      for (int64_t r = 0; r < R; ++r) {
        const int64_t local = tile * R + r;
        float* val = a_val.get() + tile * kc_max * R + r;
        int32_t* exp = a_exp.get() + tile * kc_max * R + r;
        if (local < rows) {
          ok &= shape.pack(p.a.values + (row_begin + local) * p.k + k0, kc, R,
                           a_spec, val, exp, &row_special[local]);
        } else {
          for (int64_t kk = 0; kk < kc; ++kk) {
            val[kk * R] = 0.0f;
            exp[kk * R] = kZeroExp;
          }
        }
      }
    for (int64_t g = 0; g < panels; g += group) {
      const int64_t g_end = std::min(panels, g + group);
      // Row by row of B (contiguous reads), into the group's panels.
      for (int64_t kk = 0; kk < kc; ++kk)
        for (int64_t jp = g; jp < g_end; ++jp) {
          const int64_t lanes = std::min(W, p.n - jp * W);
          float* val = b_val.get() + ((jp - g) * kc_max + kk) * W;
          int32_t* exp = b_exp.get() + ((jp - g) * kc_max + kk) * W;
          ok &= shape.pack(p.b.values + (k0 + kk) * p.n + jp * W, lanes, 1,
                           b_spec, val, exp, &panel_special[jp]);
          for (int64_t w = lanes; w < W; ++w) {
            val[w] = 0.0f;
            exp[w] = kZeroExp;
          }
        }
      if (!ok) return false;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t r0 = tile * R, tile_rows = std::min(R, rows - r0);
        for (int64_t jp = g; jp < g_end; ++jp) {
          const int64_t j0 = jp * W, lanes = std::min(W, p.n - j0);
          double* at = acc + r0 * p.n + j0;
          if (tile_rows == R && lanes == W) {
            for (int64_t r = 0; r < R; ++r)
              for (int64_t w = 0; w < W; ++w)
                tile_acc[r * W + w] = static_cast<float>(at[r * p.n + w]);
          } else {
            std::fill(tile_acc.begin(), tile_acc.end(), 0.0f);
            for (int64_t r = 0; r < tile_rows; ++r)
              for (int64_t w = 0; w < lanes; ++w)
                tile_acc[r * W + w] = static_cast<float>(at[r * p.n + w]);
          }
          const TileArgs t{a_val.get() + tile * kc_max * R,
                           a_exp.get() + tile * kc_max * R,
                           b_val.get() + (jp - g) * kc_max * W,
                           b_exp.get() + (jp - g) * kc_max * W,
                           kc,
                           block,
                           tile_acc.data(),
                           &vq};
          tile_fn(t);
          for (int64_t r = 0; r < tile_rows; ++r)
            for (int64_t w = 0; w < lanes; ++w)
              at[r * p.n + w] = tile_acc[r * W + w];
        }
      }
    }
  }

  const OutputRounder to_output(p, n.output);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < p.n; ++j) {
      const double total = acc[r * p.n + j];
      const int64_t i = row_begin + r;
      d[i * p.n + j] =
          std::isnan(total) || row_special[r] || panel_special[j / W]
              ? ScalarElement(p, n, q, i, j)
              : to_output(total);
    }
  return true;
}

// Dot products problems[0, count) (each 1 x K x 1, one numerics, one K),
// W at a time in the lanes of the vector tiles (TileTable::dots), into
// out[i]. The form of the tiles comes from the formats alone (a batch's
// values are not scanned): bf16 and tf32 take the wide form.
void VectorDots(const GemmProblem* problems, int64_t count, const Numerics& n,
                const BlockFmaParams& q, VecMode mode, const VecParams& vq,
                double* out) {
  const Shape shape = ChooseShape();
  const int64_t W = shape.lanes, k = problems[0].k;
  const TileFn dots_fn =
      shape.tiles
          .dots[mode == VecMode::kWide][vq.split    ? kFinishSplit
                                        : vq.narrow ? kFinishNarrow
                                                    : kFinishWide][q.sticky];
  const bool wide = mode == VecMode::kWide;
  const int64_t block = n.accumulate.block;
  const int64_t kc_max = std::min(block * std::max<int64_t>(1, 256 / block),
                                  block * ((k + block - 1) / block));
  // Per thread: batched dot products call this once per group of batches.
  thread_local std::vector<float> a_val, b_val;
  thread_local std::vector<int32_t> a_exp, b_exp;
  const size_t size = static_cast<size_t>(kc_max * W);
  a_val.resize(size);
  b_val.resize(size);
  a_exp.resize(size);
  b_exp.resize(size);
  const PackSpec a_spec{problems[0].a.emin, MaxExponent(n.a.format), q.ma,
                        wide};
  const PackSpec b_spec{problems[0].b.emin, MaxExponent(n.b.format), q.mb,
                        wide};
  std::vector<float> acc(static_cast<size_t>(W));
  std::vector<char> special(static_cast<size_t>(W));
  for (int64_t g = 0; g < count; g += W) {
    const int64_t lanes = std::min(W, count - g);
    std::fill(special.begin(), special.end(), 0);
    for (int64_t w = 0; w < W; ++w) {
      const GemmProblem& p = problems[g + std::min(w, lanes - 1)];
      acc[w] =
          w < lanes ? static_cast<float>(LaneStart(p.c ? *p.c : 0.0, q)) : 0.0f;
    }
    bool ok = true;
    for (int64_t k0 = 0; k0 < k && ok; k0 += kc_max) {
      const int64_t kc = std::min(kc_max, k - k0);
      for (int64_t w = 0; w < W; ++w) {
        if (w < lanes) {
          const GemmProblem& p = problems[g + w];
          // B of a 1 x K x 1 problem is one column: contiguous.
          ok &= shape.pack(p.a.values + k0, kc, W, a_spec, a_val.data() + w,
                           a_exp.data() + w, &special[w]);
          ok &= shape.pack(p.b.values + k0, kc, W, b_spec, b_val.data() + w,
                           b_exp.data() + w, &special[w]);
        } else {
          for (int64_t kk = 0; kk < kc; ++kk) {
            a_val[kk * W + w] = b_val[kk * W + w] = 0.0f;
            a_exp[kk * W + w] = b_exp[kk * W + w] = kZeroExp;
          }
        }
      }
      if (!ok) break;
      const TileArgs t{a_val.data(), a_exp.data(), b_val.data(), b_exp.data(),
                       kc,           block,        acc.data(),   &vq};
      dots_fn(t);
    }
    for (int64_t w = 0; w < lanes; ++w) {
      const GemmProblem& p = problems[g + w];
      out[g + w] = !ok || std::isnan(acc[w]) || special[w]
                       ? ScalarElement(p, n, q, 0, 0)
                       : ToOutput(acc[w], p, n.output);
    }
  }
}

}  // namespace

bool BlockFmaKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  if (ScalesBlockSums(n) || s.alignment != Alignment::kTruncate || s.promote ||
      n.output.rounding.mode == Rounding::kStochastic || !s.subnormal_inputs ||
      !s.subnormal_outputs || !s.format.is_float() ||
      s.format.layout().mantissa_bits > 23 ||
      s.format.layout().exponent_bits > 8 || !n.a.format.is_float() ||
      !n.b.format.is_float() || p.a.emin_per_element || p.b.emin_per_element ||
      !OutputScaleSupported(p, n.output))
    return false;
  // One multi-term addition of a block and the accumulator, or of the block
  // alone whose fp32 sum is then added with rne (after_block, B200 FP8);
  // not an adder tree (blocks of 2 or more).
  if (s.order != Order::kSequential && s.block > 1) return false;
  if (s.accumulator_entry == AccumulatorEntry::kAfterBlock &&
      (s.format != Fp32() || !IsNearestEven(s.after_block_rounding)))
    return false;
  if (s.rounding.mode != Rounding::kTowardZero &&
      s.rounding.mode != Rounding::kNearestEven)
    return false;
  const int ma = n.a.format.layout().mantissa_bits,
            mb = n.b.format.layout().mantissa_bits;
  const int width =
      s.adder_fraction_bits.value_or(s.format.layout().mantissa_bits) +
      s.extra_bits + (s.sticky ? 1 : 0);
  // Terms stay below 2^(width + 2) (products' significands lie in [1, 4));
  // n + 1 of them must sum within int64, and shifts of products must not
  // lose bits they are meant to keep.
  const int terms_bits =
      64 - std::countl_zero(static_cast<uint64_t>(s.block) + 1);
  return ma <= 23 && mb <= 23 && width >= 0 && width + 2 + terms_bits < 62 &&
         width >= s.format.layout().mantissa_bits - 40;
}

const char* BlockFmaVectorForm(const Numerics& n, const GemmProblem& p) {
  if (!BlockFmaKernelApplies(n, p)) return "none";
  const BlockFmaParams q = MakeParams(n);
  VecParams v{};
  switch (ChooseVecMode(n, p, q, 0, p.m, &v)) {
    case VecMode::kExact:
      return "exact";
    case VecMode::kWide:
      return "wide";
    case VecMode::kNone:
      break;
  }
  return "scalar";
}

void BlockFmaKernel(const GemmProblem& p, const Numerics& n, int64_t row_begin,
                    int64_t row_end, double* d) {
  const BlockFmaParams q = MakeParams(n);
  VecParams vq{};
  const VecMode mode = FewOutputs(row_begin, row_end, p)
                           ? VecMode::kNone  // the scalar path is faster
                           : ChooseVecMode(n, p, q, row_begin, row_end, &vq);
  if (mode != VecMode::kNone &&
      VectorKernel(p, n, q, mode, vq, row_begin, row_end, d))
    return;
  ScalarKernel(p, n, q, row_begin, row_end, d);
}

void BlockFmaDots(const GemmProblem* problems, int64_t count, const Numerics& n,
                  double* out) {
  if (count <= 0) return;
  const BlockFmaParams q = MakeParams(n);
  VecParams vq{};
  // Rows [0, 0): ChooseVecMode decides by the formats alone.
  const VecMode mode = ChooseVecMode(n, problems[0], q, 0, 0, &vq);
  if (mode != VecMode::kNone)
    return VectorDots(problems, count, n, q, mode, vq, out);
  for (int64_t i = 0; i < count; ++i)
    ScalarKernel(problems[i], n, q, 0, 1, out + i);
}

}  // namespace gemmsim
