// Pieces the fast GEMM kernels share: the slow path for one element, the
// output rounding, and the conditions under which a kernel is exact.
#pragma once

#include <algorithm>
#include <bit>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/gemm_element.h"
#include "datapaths/formats/codec.h"

namespace gemmsim::kernel_support {

inline const Format& Fp32() {
  static const Format f = FormatByName("fp32");
  return f;
}

inline bool IsNearestEven(const RoundingSpec& r) {
  return r.mode == Rounding::kNearestEven;
}

// The generic path for one element (non-finite inputs or results).
inline double GenericElement(const GemmProblem& p, const Numerics& n, int64_t i,
                             int64_t j) {
  return OracleElement(p, n, i, j);
}

// x * y as one double that rounds, once more and in any deterministic
// mode, into a format of at most 51 significand bits whose exponents lie
// within +-990 (OutputScaleSupported) exactly as the exact product would.
// Within double's normal range that is x * y rounded to odd (Boldo and
// Melquiond, "When double rounding is odd"): the exact product when double
// holds it, else its double neighbour with an odd last bit. Beyond 2^+-1000
// every such format rounds alike (to 0 or its smallest subnormal, to Inf
// or its max finite, as the mode says): 2^+-1000 with the product's sign
// stands in.
inline double ProductForRounding(double x, double y) {
  int ex = 0, ey = 0;
  const double fx = std::frexp(x, &ex), fy = std::frexp(y, &ey);
  const double hi = fx * fy;                // in [0.25, 1), or +-0
  const double lo = std::fma(fx, fy, -hi);  // exact: fx fy = hi + lo
  double odd = hi;
  if (lo != 0) {
    // The lower neighbour is one step toward zero when hi is above |fx fy|.
    const double below =
        std::signbit(lo) != std::signbit(hi) ? std::nextafter(hi, 0.0) : hi;
    odd = std::bit_cast<double>(std::bit_cast<uint64_t>(below) | 1);
  }
  const int e = ex + ey;
  if (hi != 0 && e < -1000) return std::copysign(0x1p-1000, hi);
  if (hi != 0 && e > 1000) return std::copysign(0x1p1000, hi);
  return std::ldexp(odd, e);  // exact: a normal double, or +-0
}

// The problem with block-scaled operands' values divided by their block
// scales (OperandFactor's unscaled elements, exact), when `unscale`; else
// the problem itself. p.a and p.b then view the copies.
struct UnscaledOperands {
  GemmProblem p;
  std::vector<double> a, b;
  UnscaledOperands(const GemmProblem& problem, bool unscale) : p(problem) {
    if (!unscale) return;
    auto divide = [&](const GemmOperand& op, bool is_a,
                      std::vector<double>* out) {
      if (!op.block_scales) return;
      const int64_t size = is_a ? p.m * p.k : p.k * p.n;
      out->resize(static_cast<size_t>(size));
      for (int64_t e = 0; e < size; ++e) {
        const int64_t vector = is_a ? e / p.k : e % p.n;
        const int64_t kk = is_a ? e % p.k : e / p.n;
        const double s = op.ScaleOf(vector, p.k, kk);
        (*out)[e] =
            std::isfinite(s) && s != 0 ? op.values[e] / s : op.values[e];
      }
    };
    divide(problem.a, true, &a);
    divide(problem.b, false, &b);
    if (!a.empty()) p.a.values = a.data();
    if (!b.empty()) p.b.values = b.data();
  }
};

// Whether rows [row_begin, row_end) of D are a handful of outputs (batched
// dot products: 1 x K x 1 per batch): a vector tile of hundreds of lanes
// would hold one of them, and cost its packing; the kernels then take a
// one-element tile (the same operations, in scalar code).
inline bool FewOutputs(int64_t row_begin, int64_t row_end,
                       const GemmProblem& p) {
  return (row_end - row_begin) * p.n < 16;
}

// Whether ToOutput rounds total * output_scale exactly once: scale 1, or
// a finite non-zero scale, deterministic rounding and an output format
// ProductForRounding serves.
inline bool OutputScaleSupported(const GemmProblem& p, const OutputSpec& out) {
  if (p.output_scale == 1.0) return true;
  const Format& f = out.format;
  const bool narrow =
      f.is_float()
          ? f.layout().mantissa_bits + 1 <= 51 &&
                f.min_normal_exponent() - f.layout().mantissa_bits > -990 &&
                std::ilogb(f.max_finite()) < 990
          : f.bits() <= 51;
  return std::isfinite(p.output_scale) && p.output_scale != 0 && narrow &&
         out.rounding.mode != Rounding::kStochastic;
}

// The output rounding of an accumulated value: round(total * scale), as if
// the product were exact (ProductForRounding; OutputScaleSupported holds).
inline double ToOutput(double total, const GemmProblem& p,
                       const OutputSpec& out) {
  if (out.format == Fp32() && p.output_scale == 1.0) return total;
  EncodeOptions o;
  o.rounding = out.rounding;
  o.overflow = out.overflow;
  const double scaled = ProductForRounding(total, p.output_scale);
  return Decode(out.format, Encode(out.format, scaled, o));
}

// The accumulator's start for D[i][j], as DotProduct makes it: c rounded
// with rne into the accumulator format (the promote format under promote),
// a tiny start flushed to +0 without subnormal results.
inline double StartValue(const GemmProblem& p, const AccumulateSpec& s,
                         int64_t i, int64_t j) {
  const Format& f = s.promote ? s.promote->format : s.format;
  const double c = p.c ? p.c[i * p.n + j] : 0.0;
  const double v = Decode(f, Encode(f, c, EncodeOptions{}));
  return !s.subnormal_outputs && std::fabs(v) < f.min_normal() ? 0.0 : v;
}

// ToOutput for the many totals of one GEMM, with the output format looked
// at once. Two shortcuts, else ToOutput:
//  - at scale 1, a finite total that is a normal value of a signed float
//    output format passes through (rounding a value of the format is the
//    identity in every mode): block-fma's fp16 results into fp16 outputs
//    spent a sixth of their time in Encode and Decode for nothing;
//  - into fp32 with rne, at a scale within 2^+-500 (NVFP4: the product of
//    A's and B's float32 tensor scales), a non-zero total that is a
//    float32 value: their product lies in double's normal range, where
//    ProductForRounding is the product rounded to odd: hi = x y, and the
//    error fma(x, y, -hi) tells which neighbour of it is odd. Float32's
//    own rne conversion of that is then the one rounding (53 >= 24 + 2
//    bits). Where it overflows, ToOutput applies the overflow rule.
class OutputRounder {
 public:
  OutputRounder(const GemmProblem& p, const OutputSpec& out)
      : p_(p), out_(out) {
    const Format& f = out.format;
    pass_ = p.output_scale == 1.0 && f.is_float() && f.layout().has_sign;
    if (pass_) {
      low_ = f.min_normal();
      high_ = f.max_finite();
      mantissa_bits_ = f.layout().mantissa_bits;
    }
    const double scale = p.output_scale;
    scaled_fp32_ = scale != 1.0 && std::fabs(scale) >= 0x1p-500 &&
                   std::fabs(scale) <= 0x1p500 &&
                   out.rounding.mode == Rounding::kNearestEven &&
                   f == FormatByName("fp32");
  }
  double operator()(double total) const {
    if (scaled_fp32_ && total != 0 && IsFloat32Value(total)) {
      const double hi = total * p_.output_scale;
      const double lo = std::fma(total, p_.output_scale, -hi);
      double odd = hi;
      if (lo != 0) {
        // One step toward zero where hi is above |x y|, then the odd bit.
        const uint64_t bits = std::bit_cast<uint64_t>(hi) -
                              (std::signbit(lo) != std::signbit(hi) ? 1 : 0);
        odd = std::bit_cast<double>(bits | 1);
      }
      const float rounded = static_cast<float>(odd);
      if (std::isfinite(rounded)) return rounded;
    }
    const double magnitude = std::fabs(total);
    if (pass_ && magnitude >= low_ && magnitude <= high_) {
      // A normal double: its significant bits below the leading one.
      const uint64_t fraction =
          std::bit_cast<uint64_t>(magnitude) & ((uint64_t{1} << 52) - 1);
      if (52 - std::countr_zero(fraction | (uint64_t{1} << 52)) <=
          mantissa_bits_)
        return total;
    }
    return ToOutput(total, p_, out_);
  }

 private:
  static bool IsFloat32Value(double x) {
    return std::fabs(x) <= FLT_MAX &&
           static_cast<double>(static_cast<float>(x)) == x;
  }

  const GemmProblem& p_;
  const OutputSpec& out_;
  bool scaled_fp32_ = false;
  bool pass_ = false;
  double low_ = 0, high_ = 0;
  int mantissa_bits_ = 0;
};

// D for a tile of rows x cols outputs at (i0, j0) from its accumulated
// totals (row stride `stride`): the output rounding where the total is
// finite and no step was inexact (inexact: the largest step error per
// element, or null), else the slow path, which resolves Inf and NaN inputs
// and overflow as DotProduct does.
template <typename T>
void WriteTile(const T* total, const double* inexact, int64_t stride,
               int64_t rows, int64_t cols, int64_t i0, int64_t j0,
               const GemmProblem& p, const Numerics& n, double* d) {
  const OutputRounder to_output(p, n.output);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t e = r * stride + j;
      const double t = total[e];
      d[(i0 + r) * p.n + j0 + j] =
          std::isfinite(t) && (!inexact || inexact[e] == 0)
              ? to_output(t)
              : GenericElement(p, n, i0 + r, j0 + j);
    }
}

inline bool ProductsExactInFp32(const Format& a, const Format& b) {
  if (!a.is_float() || !b.is_float()) return false;
  const int ma = a.layout().mantissa_bits, mb = b.layout().mantissa_bits;
  const int lowest =
      (a.min_normal_exponent() - ma) + (b.min_normal_exponent() - mb);
  const int highest =
      std::ilogb(a.max_finite()) + std::ilogb(b.max_finite()) + 2;
  return (ma + 1) + (mb + 1) <= 24 && lowest >= -149 && highest <= 127;
}

// The extent of an operand's finite non-zero values, from their double
// bits: the most significant bits any holds, and the exponents of the
// lowest set bit and of the bit above the highest. Block-scaled operands
// (values = element * block scale) need it: their range is the data's.
struct ValueExtent {
  int max_bits = 0;
  int low = INT32_MAX;       // min over values of the lowest set bit's exponent
  int high = INT32_MIN;      // max over values of floor(log2 |x|) + 1
  int lead_low = INT32_MAX;  // min over values of floor(log2 |x|)
  bool double_subnormal = false;
};

inline ValueExtent ExtentOf(const double* values, int64_t count) {
  // Locals, not the struct's members, and selects, not branches: GCC kept
  // the members in memory across iterations (a store-forwarding stall per
  // value: the scan was 7% of a 2048^3 tf32 GEMM).
  int max_bits = 0, low = INT32_MAX, high = INT32_MIN, lead_low = INT32_MAX;
  uint64_t subnormal = 0;
  for (int64_t i = 0; i < count; ++i) {
    const uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    const int field = static_cast<int>((bits >> 52) & 0x7ff);
    const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
    // Inf and NaN are the kernels' generic path; +-0 has no extent.
    const bool counted = field != 0 && field != 0x7ff;
    subnormal |= field == 0 ? fraction : 0;
    const int zeros = std::countr_zero(fraction | (uint64_t{1} << 52));
    const int exponent = field - 1023;
    max_bits = std::max(max_bits, counted ? 53 - zeros : 0);
    low = std::min(low, counted ? exponent - 52 + zeros : INT32_MAX);
    high = std::max(high, counted ? exponent + 1 : INT32_MIN);
    lead_low = std::min(lead_low, counted ? exponent : INT32_MAX);
  }
  ValueExtent e;
  e.max_bits = max_bits;
  e.low = low;
  e.high = high;
  e.lead_low = lead_low;
  e.double_subnormal = subnormal != 0;
  return e;
}

// Whether every product of an A value and a B value of this problem is a
// float32 value, and so is every value: at most 24 significant bits, the
// lowest at or above 2^-149 (float32's smallest subnormal), all below
// 2^128 (then at most FLT_MAX: 24 bits). For block-scaled operands, where
// the formats alone do not bound the values (ProductsExactInFp32).
inline bool ProductsExactInFp32(const ValueExtent& a, const ValueExtent& b) {
  if (a.double_subnormal || b.double_subnormal) return false;
  if (a.max_bits == 0 || b.max_bits == 0) return true;  // all zero
  return a.max_bits + b.max_bits <= 24 && a.low >= -149 && b.low >= -149 &&
         a.low + b.low >= -149 && a.high <= 128 && b.high <= 128 &&
         a.high + b.high <= 128;
}
inline bool ValuesAndProductsExactInFp32(const GemmProblem& p) {
  return ProductsExactInFp32(ExtentOf(p.a.values, p.m * p.k),
                             ExtentOf(p.b.values, p.k * p.n));
}

// Whether every product of this problem's A and B values is a float32
// value: by the formats alone where no block scales shift the values, else
// (bf16's wide exponents, block-scaled operands) by the values' bits.
inline bool ProductsAreFp32Values(const Numerics& n, const GemmProblem& p) {
  if (!p.a.emin_per_element && !p.b.emin_per_element &&
      ProductsExactInFp32(n.a.format, n.b.format))
    return true;
  return n.a.format.is_float() && n.b.format.is_float() &&
         ValuesAndProductsExactInFp32(p);
}

// B (k x n, row-major) in panels of `cols` columns, k-major inside a panel,
// zero-padded: panel j / cols holds element (kk, j) at (kk * cols + j % cols).
template <typename T>
void PackColumnPanels(const GemmProblem& p, int64_t cols,
                      std::vector<T>* pack) {
  const int64_t panels = (p.n + cols - 1) / cols;
  // Every element written once, padding included (no zero-fill first): the
  // packing is a pass over B per thread and call.
  pack->resize(static_cast<size_t>(panels * p.k * cols));
  T* out = pack->data();
  for (int64_t j0 = 0; j0 < p.n; j0 += cols) {
    const int64_t width = std::min(cols, p.n - j0);
    for (int64_t kk = 0; kk < p.k; ++kk, out += cols) {
      const double* row = p.b.values + kk * p.n + j0;
      for (int64_t j = 0; j < width; ++j) out[j] = static_cast<T>(row[j]);
      for (int64_t j = width; j < cols; ++j) out[j] = T{0};
    }
  }
}

// Rows [row_begin, row_end) of A in blocks of `rows` rows, k-major inside a
// block, zero-padded. Both packers fill a caller's buffer: kernels keep
// theirs per thread, as batched dot products call them once per batch.
template <typename T>
void PackRowBlocks(const GemmProblem& p, int64_t row_begin, int64_t row_end,
                   int64_t rows, std::vector<T>* pack) {
  const int64_t blocks = (row_end - row_begin + rows - 1) / rows;
  pack->resize(static_cast<size_t>(blocks * p.k * rows));
  for (int64_t block = 0; block < blocks; ++block) {
    T* out = pack->data() + block * p.k * rows;
    const int64_t i0 = row_begin + block * rows,
                  height = std::min(rows, row_end - i0);
    for (int64_t r = 0; r < height; ++r) {
      const double* row = p.a.values + (i0 + r) * p.k;
      for (int64_t kk = 0; kk < p.k; ++kk)
        out[kk * rows + r] = static_cast<T>(row[kk]);
    }
    for (int64_t r = height; r < rows; ++r)
      for (int64_t kk = 0; kk < p.k; ++kk) out[kk * rows + r] = T{0};
  }
}

}  // namespace gemmsim::kernel_support
