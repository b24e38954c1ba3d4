#include "datapaths/reference/exact_dot.h"

#include <algorithm>
#include <bit>
#include <boost/multiprecision/cpp_int.hpp>
#include <climits>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "datapaths/error.h"
#include "datapaths/parallel_ranges.h"

namespace gemmsim::reference {
namespace {

using BigInt = boost::multiprecision::cpp_int;
// 128-bit integers: a dot product whose terms span at most ~120 bits (every
// dot product of narrow formats, and most of fp32) is summed exactly in one
// register pair instead of a heap-allocated big integer, ~50x faster.
// __extension__ keeps -Wpedantic quiet about the GCC type.
__extension__ typedef unsigned __int128 U128;
__extension__ typedef __int128 I128;

enum class Kind : uint8_t { kFinite, kInf, kNaN };

// A double as (-1)^negative * significand * 2^exponent with an odd
// significand (or 0): short significands keep the common window narrow.
// |x| < 2^top.
struct Parts {
  Kind kind = Kind::kFinite;
  bool negative = false;
  uint64_t significand = 0;
  int exponent = 0;
  int top = 0;
};

Parts Split(double x) {
  Parts p;
  p.negative = std::signbit(x);
  if (std::isnan(x)) {
    p.kind = Kind::kNaN;
  } else if (std::isinf(x)) {
    p.kind = Kind::kInf;
  } else if (x != 0) {
    // |x| = significand * 2^(field - 1075) from the double's fields (a
    // subnormal: field 0, no hidden bit, the exponent of field 1).
    const uint64_t bits = std::bit_cast<uint64_t>(x);
    const int field = static_cast<int>((bits >> 52) & 0x7ff);
    uint64_t sig = bits & ((uint64_t{1} << 52) - 1);
    if (field) sig |= uint64_t{1} << 52;
    const int zeros = std::countr_zero(sig);
    p.significand = sig >> zeros;
    p.exponent = std::max(field, 1) - 1075 + zeros;
    p.top = p.exponent + std::bit_width(p.significand);
  }
  return p;
}

int BitWidth(U128 x) {
  const uint64_t high = static_cast<uint64_t>(x >> 64);
  return high ? 64 + std::bit_width(high)
              : std::bit_width(static_cast<uint64_t>(x));
}

BigInt ToBig(U128 x) {
  const uint64_t words[2] = {
      static_cast<uint64_t>(x >> 64),
      static_cast<uint64_t>(x)};  // most significant first
  BigInt r;
  import_bits(r, words, words + 2, 64);
  return r;
}

// Rounds (-1)^negative * (magnitude + s) * 2^exponent to double, nearest
// even, where 0 < s < 1 iff `sticky` (bits already shifted out). Callers
// give sticky only with magnitudes wider than 53 bits, so the guard bit is
// always in `magnitude`.
double RoundToDouble(bool negative, U128 magnitude, int64_t exponent,
                     bool sticky) {
  const int length = BitWidth(magnitude);
  const int64_t lead = length - 1 + exponent;  // exponent of the top bit
  // Bits that land at or above 2^-1074: 53 for normals, fewer below.
  const int64_t keep = lead >= -1022 ? 53 : lead + 1075;
  double r = 0;
  if (keep < 0) {
    r = 0;  // below half the smallest subnormal
  } else if (length <= keep) {
    r = std::ldexp(static_cast<double>(static_cast<uint64_t>(magnitude)),
                   static_cast<int>(exponent));
  } else {
    const int shift = static_cast<int>(length - keep);  // 1..128
    U128 kept = shift >= 128 ? 0 : magnitude >> shift;
    const U128 rest = magnitude - (shift >= 128 ? 0 : kept << shift);
    const U128 half = U128{1} << (shift - 1);
    if (rest > half || (rest == half && (sticky || (kept & 1)))) ++kept;
    // kept <= 2^53 is exact; ldexp only overflows (to Inf, as RNE does).
    const int64_t e = std::clamp<int64_t>(exponent + shift, -4000, 4000);
    r = std::ldexp(static_cast<double>(static_cast<uint64_t>(kept)),
                   static_cast<int>(e));
  }
  return negative ? -r : r;
}

// The same for a big magnitude: cut to 120 bits, the rest a sticky bit.
double RoundToDouble(bool negative, BigInt magnitude, int64_t exponent) {
  const int64_t length = static_cast<int64_t>(msb(magnitude)) + 1;
  bool sticky = false;
  if (length > 120) {
    const unsigned cut = static_cast<unsigned>(length - 120);
    sticky = lsb(magnitude) < cut;
    magnitude >>= cut;
    exponent += cut;
  }
  const BigInt mask = std::numeric_limits<uint64_t>::max();
  const U128 high = static_cast<uint64_t>(magnitude >> 64);
  const U128 low = static_cast<uint64_t>(magnitude & mask);
  return RoundToDouble(negative, (high << 64) | low, exponent, sticky);
}

// sum * 2^exponent * scale, rounded once.
double Scaled(I128 sum, int64_t exponent, const Parts& scale, double s) {
  if (sum == 0 || scale.significand == 0) return (sum < 0 ? -0.0 : 0.0) * s;
  const bool negative = (sum < 0) != scale.negative;
  const U128 magnitude = sum < 0 ? -static_cast<U128>(sum) : sum;
  exponent += scale.exponent;
  if (scale.significand == 1)
    return RoundToDouble(negative, magnitude, exponent, false);
  return RoundToDouble(negative, ToBig(magnitude) * scale.significand,
                       exponent);
}

double Scaled(const BigInt& sum, int64_t exponent, const Parts& scale,
              double s) {
  if (sum == 0 || scale.significand == 0) return (sum < 0 ? -0.0 : 0.0) * s;
  const bool negative = (sum < 0) != scale.negative;
  return RoundToDouble(negative, abs(sum) * scale.significand,
                       exponent + scale.exponent);
}

U128 ProductAt(const Parts& x, const Parts& y, int low) {
  return (U128{x.significand} * y.significand)
         << (x.exponent + y.exponent - low);
}

// The core: scale * (c + sum a[i * as] * b[i * bs]) from split factors.
double Dot(int64_t k, const Parts* a, int64_t as, const Parts* b, int64_t bs,
           const Parts& c, const Parts& scale, double s) {
  // Pass 1: specials, and the window [low, high) that holds every term.
  bool nan = c.kind == Kind::kNaN, pos_inf = false, neg_inf = false;
  if (c.kind == Kind::kInf) (c.negative ? neg_inf : pos_inf) = true;
  bool all_negative_zero = c.kind == Kind::kFinite && c.negative;
  int low = INT_MAX, high = INT_MIN;
  uint64_t terms = 0;
  if (c.significand) {
    low = c.exponent;
    high = c.top;
    terms = 1;
    all_negative_zero = false;
  }
  for (int64_t i = 0; i < k; ++i) {
    const Parts& x = a[i * as];
    const Parts& y = b[i * bs];
    const bool negative = x.negative != y.negative;
    if (x.kind != Kind::kFinite || y.kind != Kind::kFinite) {
      if (x.kind == Kind::kNaN || y.kind == Kind::kNaN ||
          (x.kind == Kind::kFinite && x.significand == 0) ||
          (y.kind == Kind::kFinite && y.significand == 0)) {
        nan = true;  // NaN, or 0 * Inf
      } else {
        (negative ? neg_inf : pos_inf) = true;
      }
      continue;
    }
    if (x.significand == 0 || y.significand == 0) {
      all_negative_zero = all_negative_zero && negative;
      continue;
    }
    all_negative_zero = false;
    ++terms;
    low = std::min(low, x.exponent + y.exponent);
    high = std::max(high, x.top + y.top);  // a product is below 2^(sum)
  }
  if (nan || (pos_inf && neg_inf))
    return std::numeric_limits<double>::quiet_NaN();
  if (pos_inf || neg_inf)
    return (pos_inf ? 1 : -1) * std::numeric_limits<double>::infinity() * s;
  if (terms == 0) return (all_negative_zero ? -0.0 : 0.0) * s;

  // Pass 2: every term as an integer multiple of 2^low. `terms` values
  // below 2^(high - low) sum to below 2^(high - low + bit_width(terms)).
  const int64_t width =
      static_cast<int64_t>(high) - low + std::bit_width(terms);
  if (width <= 126) {
    I128 sum = 0;
    if (c.significand) {
      const I128 v =
          static_cast<I128>(U128{c.significand} << (c.exponent - low));
      sum += c.negative ? -v : v;
    }
    for (int64_t i = 0; i < k; ++i) {
      const Parts& x = a[i * as];
      const Parts& y = b[i * bs];
      if (x.significand == 0 || y.significand == 0) continue;
      const I128 v = static_cast<I128>(ProductAt(x, y, low));
      sum += x.negative != y.negative ? -v : v;
    }
    return Scaled(sum, low, scale, s);
  }
  BigInt sum = 0;
  if (c.significand) {
    const BigInt v = BigInt(c.significand) << (c.exponent - low);
    sum += c.negative ? BigInt(-v) : v;
  }
  for (int64_t i = 0; i < k; ++i) {
    const Parts& x = a[i * as];
    const Parts& y = b[i * bs];
    if (x.significand == 0 || y.significand == 0) continue;
    const BigInt v = (BigInt(x.significand) * y.significand)
                     << (x.exponent + y.exponent - low);
    if (x.negative != y.negative) {
      sum -= v;
    } else {
      sum += v;
    }
  }
  return Scaled(sum, low, scale, s);
}

// The fast path of ExactGemm. Factors of each row of A and column of B are
// stored as signed significands and exponents, with the line's exponent
// window, so that a dot product knows its window before its loop and sums
// branch-free in one machine integer (int64 for windows of <= 62 bits,
// every FP8 GEMM of ordinary data; int128 up to 126).
struct Line {
  int low = INT_MAX, high = INT_MIN;  // window of the non-zero factors
  bool simple = true;                 // finite, with a non-zero factor
};

struct Lines {
  int64_t k = 0;
  std::vector<int64_t> significand;  // signed; 0 for zeros
  std::vector<int32_t> exponent;     // zeros: the line's low (shift >= 0)
  std::vector<Line> line;
};

Lines MakeLines(int64_t count, int64_t k, const double* x, int64_t line_stride,
                int64_t k_stride) {
  Lines l;
  l.k = k;
  l.significand.resize(static_cast<size_t>(count * k));
  l.exponent.resize(l.significand.size());
  l.line.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    Line& line = l.line[i];
    for (int64_t kk = 0; kk < k; ++kk) {
      const Parts p = Split(x[i * line_stride + kk * k_stride]);
      line.simple = line.simple && p.kind == Kind::kFinite;
      const int64_t sig = static_cast<int64_t>(p.significand);
      l.significand[i * k + kk] = p.negative ? -sig : sig;
      l.exponent[i * k + kk] = p.exponent;
      if (p.significand) {
        line.low = std::min(line.low, p.exponent);
        line.high = std::max(line.high, p.top);
      }
    }
    if (line.low == INT_MAX) line.simple = false;  // no non-zero factor
    for (int64_t kk = 0; kk < k; ++kk)
      if (l.significand[i * k + kk] == 0) l.exponent[i * k + kk] = line.low;
  }
  return l;
}

template <typename Int>
Int SumProducts(const int64_t* sa, const int32_t* ea, const int64_t* sb,
                const int32_t* eb, int64_t k, int low) {
  Int sum = 0;
  for (int64_t i = 0; i < k; ++i)
    sum += (static_cast<Int>(sa[i]) * sb[i]) << (ea[i] + eb[i] - low);
  return sum;
}

// Row i of A times column j of B plus c, or nullopt where the general path
// must decide: specials, all-zero lines, windows beyond 126 bits, and exact
// zeros (whose sign depends on every term).
std::optional<double> FastDot(const Lines& a, int64_t i, const Lines& b,
                              int64_t j, int64_t k, const Parts& c,
                              const Parts& scale) {
  const Line &ra = a.line[i], &cb = b.line[j];
  if (!ra.simple || !cb.simple || c.kind != Kind::kFinite ||
      scale.significand == 0)
    return {};
  int low = ra.low + cb.low, high = ra.high + cb.high;
  if (c.significand) {
    low = std::min(low, c.exponent);
    high = std::max(high, c.top);
  }
  const int64_t width = static_cast<int64_t>(high) - low +
                        std::bit_width(static_cast<uint64_t>(k + 1));
  const int64_t *sa = a.significand.data() + i * k,
                *sb = b.significand.data() + j * k;
  const int32_t *ea = a.exponent.data() + i * k,
                *eb = b.exponent.data() + j * k;
  const int64_t c_sig = c.negative ? -static_cast<int64_t>(c.significand)
                                   : static_cast<int64_t>(c.significand);
  I128 sum = 0;
  if (width <= 62) {
    sum = SumProducts<int64_t>(sa, ea, sb, eb, k, low) +
          (c.significand ? c_sig << (c.exponent - low) : 0);
  } else if (width <= 126) {
    sum = SumProducts<I128>(sa, ea, sb, eb, k, low) +
          (c.significand ? static_cast<I128>(c_sig) << (c.exponent - low) : 0);
  } else {
    return {};
  }
  if (sum == 0) return {};
  return Scaled(sum, low, scale, 0.0);
}

// Whether every partial sum of the whole GEMM is exact in double: the
// non-zero factors of all (finite) rows and columns, and every finite c,
// lie in one window of products and K-fold sums of at most 53 bits (FP8
// operands of ordinary data: about 46 at K = 1024). Then plain double
// arithmetic in any order is exact, and DoubleRows serves every element
// whose lines are finite and whose sum is not zero.
bool WholeGemmExactInDouble(const Lines& rows, const Lines& cols, int64_t k,
                            const double* c, int64_t m, int64_t n) {
  int row_low = INT_MAX, row_high = INT_MIN, col_low = INT_MAX,
      col_high = INT_MIN;
  for (const Line& l : rows.line)
    if (l.simple)
      row_low = std::min(row_low, l.low), row_high = std::max(row_high, l.high);
  for (const Line& l : cols.line)
    if (l.simple)
      col_low = std::min(col_low, l.low), col_high = std::max(col_high, l.high);
  if (row_low == INT_MAX || col_low == INT_MAX) return false;
  int64_t low = int64_t{row_low} + col_low, high = int64_t{row_high} + col_high;
  for (int64_t e = 0; c && e < m * n; ++e) {
    const Parts p = Split(c[e]);
    if (p.kind != Kind::kFinite || !p.significand) continue;
    low = std::min<int64_t>(low, p.exponent);
    high = std::max<int64_t>(high, p.top);
  }
  const int64_t width =
      high - low + std::bit_width(static_cast<uint64_t>(k + 2));
  return width <= 53 && low >= -1074 &&
         high + std::bit_width(static_cast<uint64_t>(k + 2)) < 1024;
}

// Rows [begin, end) of A B in double (i, k, j order: the row of D in
// cache, B's rows streamed), into d.
void DoubleRows(int64_t begin, int64_t end, int64_t n, int64_t k,
                const double* a, const double* b, double* d) {
  for (int64_t i = begin; i < end; ++i) {
    double* __restrict row = d + i * n;
    std::fill(row, row + n, 0.0);
    for (int64_t kk = 0; kk < k; ++kk) {
      const double x = a[i * k + kk];
      const double* __restrict bk = b + kk * n;
      for (int64_t j = 0; j < n; ++j) row[j] += x * bk[j];
    }
  }
}

Parts CheckedScale(double scale) {
  if (!std::isfinite(scale))
    throw Error(ExitCode::kInternal, "ExactDot: the scale is not finite");
  return Split(scale);
}

}  // namespace

double ExactDot(std::span<const double> a, std::span<const double> b, double c,
                double scale) {
  if (a.size() != b.size())
    throw Error(ExitCode::kInternal, "ExactDot: a and b differ in length");
  return ExactDotStrided(static_cast<int64_t>(a.size()), a.data(), 1, b.data(),
                         1, c, scale);
}

double ExactDotStrided(int64_t k, const double* a, int64_t a_stride,
                       const double* b, int64_t b_stride, double c,
                       double scale) {
  const Parts s = CheckedScale(scale);
  std::vector<Parts> x(static_cast<size_t>(std::max<int64_t>(k, 0)));
  std::vector<Parts> y(x.size());
  for (int64_t i = 0; i < k; ++i) {
    x[i] = Split(a[i * a_stride]);
    y[i] = Split(b[i * b_stride]);
  }
  return Dot(k, x.data(), 1, y.data(), 1, Split(c), s, scale);
}

struct ExactColumns {
  int64_t n = 0, k = 0;
  const double* b = nullptr;
  Lines lines;
};

std::shared_ptr<const ExactColumns> PrepareExactColumns(const double* b,
                                                        int64_t n, int64_t k) {
  if (n < 0 || k < 0)
    throw Error(ExitCode::kInternal, "ExactGemm: negative size");
  auto columns = std::make_shared<ExactColumns>();
  columns->n = n;
  columns->k = k;
  columns->b = b;
  columns->lines = MakeLines(n, k, b, 1, n);  // by columns, K contiguous
  return columns;
}

void ExactGemm(int64_t m, int64_t n, int64_t k, const double* a,
               const double* b, const double* c, double* d, int threads,
               double scale) {
  if (m < 0 || n < 0 || k < 0)
    throw Error(ExitCode::kInternal, "ExactGemm: negative size");
  ExactGemm(m, a, *PrepareExactColumns(b, n, k), c, d, threads, scale);
}

void ExactGemm(int64_t m, const double* a, const ExactColumns& columns,
               const double* c, double* d, int threads, double scale) {
  const int64_t n = columns.n, k = columns.k;
  const double* b = columns.b;
  if (m < 0) throw Error(ExitCode::kInternal, "ExactGemm: negative size");
  const Parts s = CheckedScale(scale);
  // Split every factor once: A by rows, B by columns (K contiguous).
  const Lines rows = MakeLines(m, k, a, k, 1);
  const Lines& cols = columns.lines;
  const bool in_double = WholeGemmExactInDouble(rows, cols, k, c, m, n);
  auto work = [&](int64_t begin, int64_t end) {
    if (in_double) DoubleRows(begin, end, n, k, a, b, d);
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        const double addend = c ? c[i * n + j] : 0.0;
        if (in_double && rows.line[i].simple && cols.line[j].simple &&
            std::isfinite(addend)) {
          // Exact: c is in the window too; one rounding by the scale.
          const double sum = d[i * n + j] + addend;
          if (sum != 0) {
            d[i * n + j] = scale == 1.0 ? sum : sum * scale;
            continue;
          }
        }
        const std::optional<double> fast =
            FastDot(rows, i, cols, j, k, Split(addend), s);
        d[i * n + j] =
            fast ? *fast
                 : ExactDotStrided(k, a + i * k, 1, b + j, n, addend, scale);
      }
    }
  };
  ParallelRanges(m, threads, work);
}

}  // namespace gemmsim::reference
