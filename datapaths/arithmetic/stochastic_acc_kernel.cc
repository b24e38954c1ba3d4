// The stochastic fp32 GEMM kernel (gemm_kernels.h).
//
// DotProduct with block 1, exact alignment and stochastic rounding into fp32
// rounds acc + a b once per product: kept = the exact sum cut toward zero
// to the fp32 grid, then one more quantum iff d + r >= 2^b, where d is the
// discarded fraction's top b bits and r the low b bits of
// RandomBits({seed, kAccumulate}, element index, step), step = k
// (rounding.cc, RoundMagnitude; random_stream.h). Here, per tile of
// elements and per k:
//   1. p = a b in double (exact: two fp32-exact factors), s = acc + p, and
//      TwoSum's error of s: an element whose sum was ever inexact is
//      recomputed by the oracle (rare: the sum spans over 53 bits);
//   2. y = |s| / 2^q, q the fp32 quantum exponent at |s| (exact scaling);
//      kept = floor(y), d = floor((y - kept) 2^b), both exact;
//   3. the random words of eight elements at once (Philox4x32-10 in
//      64-bit lanes);
//   4. acc = +-(kept + [d + r >= 2^b]) 2^q; past fp32's max it becomes Inf,
//      which sends the element to the oracle (the overflow rule decides).
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/isa.h"
#include "datapaths/arithmetic/isa_target.h"
#include "datapaths/arithmetic/kernel_support.h"
#include "datapaths/formats/random_stream.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GEMMSIM_X86 1
#endif

namespace gemmsim {
namespace {
using namespace kernel_support;

constexpr int kCols = 32;             // elements of a tile: one row, 32 columns
constexpr double kFp32Max = FLT_MAX;  // (2 - 2^-23) * 2^127

struct TileArgs {
  const double* a;  // the row's k values
  const double* b;  // kCols values per k (a column panel)
  int64_t k;
  double* acc;     // kCols accumulators (fp32 values, as doubles)
  double* error;   // kCols: largest TwoSum error seen (0: all exact)
  uint64_t index;  // the element index of column 0; +1 per column
  uint64_t seed;
  int bits;  // stochastic_bits b
};

// Eight lanes: 32-bit Philox words in 64-bit lanes (so that one unsigned
// 32 x 32 -> 64 multiply forms each product), and doubles.
typedef uint64_t U8 __attribute__((vector_size(64)));
typedef int64_t I8 __attribute__((vector_size(64)));
typedef double D8 __attribute__((vector_size(64)));
constexpr int kLanes = 8;
constexpr uint64_t kLow32 = 0xffffffffu;

// Helpers take and give vectors by reference, so that none crosses a call
// ABI (they are inlined into each instruction set's function).
inline __attribute__((always_inline)) void Load(const double* p, D8& v) {
  __builtin_memcpy(&v, p, sizeof(v));
}
inline __attribute__((always_inline)) void Store(double* p, const D8& v) {
  __builtin_memcpy(p, &v, sizeof(v));
}
// x (an integer below 2^52 in every lane) as a double: x + 2^52's bits,
// less 2^52.
inline __attribute__((always_inline)) void ToDouble(const U8& x, D8& out) {
  out = reinterpret_cast<D8>(x | 0x4330000000000000u) - 0x1p52;
}
// floor(y) for |y| < 2^51: lane_rounding.h's FloorInteger in eight
// lanes, written into `out` (a returned vector would trip -Wpsabi).
inline __attribute__((always_inline)) void Floor(const D8& y, D8& out) {
  const D8 r = (y + 0x1.8p52) - 0x1.8p52;
  out = r > y ? r - 1.0 : r;
}

// Philox4x32-10 on the counters of `vecs` x 8 elements, words in 64-bit
// lanes. Its products, the low 32 bits of a lane times a constant, are one
// vpmuludq; compilers do not see that the lanes' high halves are zero, so
// the x86 variants name that instruction. An intrinsic can only be inlined
// into a function of its own target, so the rounds are a macro that each
// variant's Run (which carries the target) expands around its MUL.
// GCC 12 warns that _mm512_mul_epu32's pass-through operand (undefined by
// design: no lanes are masked) and, after inlining, the counters may be
// uninitialized; they are not. The warning is silenced for this file's
// Philox and tile code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define GEMMSIM_PHILOX_ROUNDS(MUL)                                           \
  do {                                                                       \
    uint64_t k0 = seed & kLow32, k1 = seed >> 32;                            \
    for (int round = 0; round < 10; ++round) {                               \
      for (int v = 0; v < vecs; ++v) {                                       \
        U8 p0, p1; /* < 2^64: exact */                                       \
        MUL(c0[v], philox_detail::kMul0, p0);                                \
        MUL(c2[v], philox_detail::kMul1, p1);                                \
        const U8 n0 = (p1 >> 32) ^ c1[v] ^ k0, n2 = (p0 >> 32) ^ c3[v] ^ k1; \
        c1[v] = p1 & kLow32;                                                 \
        c3[v] = p0 & kLow32;                                                 \
        c0[v] = n0;                                                          \
        c2[v] = n2;                                                          \
      }                                                                      \
      k0 = (k0 + philox_detail::kWeyl0) & kLow32;                            \
      k1 = (k1 + philox_detail::kWeyl1) & kLow32;                            \
    }                                                                        \
  } while (false)

struct PlainMul {
  static inline __attribute__((always_inline)) void Apply(const U8& x,
                                                          uint64_t c, U8& out) {
    out = (x & kLow32) * c;
  }
};
struct BasePhilox {
  static void Run(U8* c0, U8* c1, U8* c2, U8* c3, uint64_t seed, int vecs) {
    GEMMSIM_PHILOX_ROUNDS(PlainMul::Apply);
  }
};
#ifdef GEMMSIM_X86
struct Avx512Mul {
  GEMMSIM_TARGET("avx512f")
  static inline __attribute__((always_inline)) void Apply(const U8& x,
                                                          uint64_t c, U8& out) {
    out = reinterpret_cast<U8>(_mm512_mul_epu32(
        reinterpret_cast<__m512i>(x), reinterpret_cast<__m512i>(U8{} + c)));
  }
};
struct Avx2Mul {
  GEMMSIM_TARGET("avx2")
  static inline __attribute__((always_inline)) void Apply(const U8& x,
                                                          uint64_t c, U8& out) {
    __m256i half[2];
    __builtin_memcpy(half, &x, sizeof(x));
    const __m256i k = _mm256_set1_epi64x(static_cast<long long>(c));
    half[0] = _mm256_mul_epu32(half[0], k);
    half[1] = _mm256_mul_epu32(half[1], k);
    __builtin_memcpy(&out, half, sizeof(out));
  }
};
struct Avx512Philox {
  GEMMSIM_TARGET("avx512f")
  static void Run(U8* c0, U8* c1, U8* c2, U8* c3, uint64_t seed, int vecs) {
    GEMMSIM_PHILOX_ROUNDS(Avx512Mul::Apply);
  }
};
struct Avx2Philox {
  GEMMSIM_TARGET("avx2")
  static void Run(U8* c0, U8* c1, U8* c2, U8* c3, uint64_t seed, int vecs) {
    GEMMSIM_PHILOX_ROUNDS(Avx2Mul::Apply);
  }
};
#else
using Avx512Philox = BasePhilox;
using Avx2Philox = BasePhilox;
#endif

template <typename M>
inline __attribute__((always_inline)) void TileBody(const TileArgs& t) {
  constexpr int kVecs = kCols / kLanes;
  U8 lo[kVecs], hi[kVecs];
  for (int v = 0; v < kVecs; ++v)
    for (int l = 0; l < kLanes; ++l) {
      const uint64_t index = t.index + static_cast<uint64_t>(v * kLanes + l);
      lo[v][l] = index & kLow32;
      hi[v][l] = index >> 32;
    }
  const double scale_b = static_cast<double>(uint64_t{1} << t.bits);
  const uint64_t r_mask = (uint64_t{1} << t.bits) - 1;
  const uint64_t tensor = static_cast<uint64_t>(StreamTensor::kAccumulate);
  D8 acc[kVecs], error[kVecs];
  for (int v = 0; v < kVecs; ++v) {
    Load(t.acc + v * kLanes, acc[v]);
    Load(t.error + v * kLanes, error[v]);
  }
  U8 c0[kVecs] = {}, c1[kVecs] = {}, c2[kVecs] = {}, c3[kVecs] = {};
  for (int64_t k = 0; k < t.k; ++k) {
    const D8 a = D8{} + t.a[k];
    // 3. Philox4x32-10 on counters (index lo, index hi, tensor, k / 4),
    // once per four steps: step k takes word k % 4 (RandomBits).
    if (k % 4 == 0) {
      for (int v = 0; v < kVecs; ++v) {
        c0[v] = lo[v];
        c1[v] = hi[v];
        c2[v] = U8{} + tensor;
        c3[v] = U8{} + static_cast<uint64_t>(static_cast<uint32_t>(k) >> 2);
      }
      M::Run(c0, c1, c2, c3, t.seed, kVecs);
    }
    const U8* word = k % 4 == 0 ? c0 : k % 4 == 1 ? c1 : k % 4 == 2 ? c2 : c3;
    for (int v = 0; v < kVecs; ++v) {
      // 1. The exact sum, or its error.
      D8 b;
      Load(t.b + k * kCols + v * kLanes, b);
      const D8 p = a * b;
      const D8 s = acc[v] + p;
      const D8 bb = s - acc[v];
      const D8 err = (acc[v] - (s - bb)) + (p - bb);
      const D8 abs_err =
          reinterpret_cast<D8>(reinterpret_cast<U8>(err) & 0x7fffffffffffffffu);
      error[v] = abs_err > error[v] ? abs_err : error[v];
      // 2. kept and d on the fp32 grid at |s|.
      const U8 bits = reinterpret_cast<U8>(s);
      const U8 sign = bits & 0x8000000000000000u;
      I8 e = reinterpret_cast<I8>((bits >> 52) & 0x7ff) - 1023;
      e = e > -126 ? e : I8{} - 126;
      const I8 q = e - 23;
      const D8 down = reinterpret_cast<D8>((1023 - q) << 52);
      const D8 up = reinterpret_cast<D8>((1023 + q) << 52);
      const D8 y = reinterpret_cast<D8>(bits ^ sign) * down;
      D8 kept, d, r;
      Floor(y, kept);
      Floor((y - kept) * scale_b, d);
      // 4. One quantum more iff d + r >= 2^b.
      ToDouble(word[v] & r_mask, r);
      const D8 rounded = (d + r >= scale_b ? kept + 1.0 : kept) * up;
      const D8 value = rounded > kFp32Max
                           ? D8{} + std::numeric_limits<double>::infinity()
                           : rounded;
      // Zero sums keep the sign IEEE addition gave them (AddTerms' rule).
      acc[v] =
          s == 0 ? s : reinterpret_cast<D8>(reinterpret_cast<U8>(value) | sign);
    }
  }
  for (int v = 0; v < kVecs; ++v) {
    Store(t.acc + v * kLanes, acc[v]);
    Store(t.error + v * kLanes, error[v]);
  }
}

GEMMSIM_TARGET("avx512f")
void Tile512(const TileArgs& t) { TileBody<Avx512Philox>(t); }
GEMMSIM_TARGET("avx2")
void Tile256(const TileArgs& t) { TileBody<Avx2Philox>(t); }
void TileBase(const TileArgs& t) { TileBody<BasePhilox>(t); }

// The variant of the instruction set chosen once (isa.h): the same double
// and integer operations in every variant, so the same bits.
void (*ChooseTile())(const TileArgs&) {
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return Tile512;
    case Isa::kAvx2:
      return Tile256;
    case Isa::kBaseline:
      break;
  }
  return TileBase;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

bool StochasticAccKernelApplies(const Numerics& n, const GemmProblem& p) {
  const AccumulateSpec& s = n.accumulate;
  return !ScalesBlockSums(n) && s.format == Fp32() && s.block == 1 &&
         s.rounding.mode == Rounding::kStochastic &&
         s.alignment == Alignment::kExact && !s.promote &&
         s.accumulator_entry == AccumulatorEntry::kInBlock &&
         s.subnormal_inputs && s.subnormal_outputs &&
         n.output.rounding.mode != Rounding::kStochastic &&
         OutputScaleSupported(p, n.output) && ProductsAreFp32Values(n, p);
}

void StochasticAccKernel(const GemmProblem& p, const Numerics& n,
                         int64_t row_begin, int64_t row_end, double* d) {
  const auto tile_fn = ChooseTile();
  const int64_t panels = (p.n + kCols - 1) / kCols;
  std::vector<double> b_pack;
  PackColumnPanels<double>(p, kCols, &b_pack);
  double acc[kCols], error[kCols];
  for (int64_t i = row_begin; i < row_end; ++i) {
    for (int64_t panel = 0; panel < panels; ++panel) {
      const int64_t j0 = panel * kCols,
                    cols = std::min<int64_t>(kCols, p.n - j0);
      // c starts the accumulator, rounded to fp32 (rne), as in DotProduct.
      for (int64_t j = 0; j < kCols; ++j) {
        const double c = p.c && j < cols ? p.c[i * p.n + j0 + j] : 0.0;
        acc[j] = static_cast<float>(c);
        error[j] = 0;
      }
      TileArgs t{p.a.values + i * p.k,
                 b_pack.data() + panel * p.k * kCols,
                 p.k,
                 acc,
                 error,
                 p.first_element + static_cast<uint64_t>(i * p.n + j0),
                 n.seed,
                 n.accumulate.rounding.stochastic_bits};
      tile_fn(t);
      for (int64_t j = 0; j < cols; ++j) {
        // Inexact sums, non-finite inputs or results, overflow: the oracle.
        d[i * p.n + j0 + j] = std::isfinite(acc[j]) && error[j] == 0
                                  ? ToOutput(acc[j], p, n.output)
                                  : GenericElement(p, n, i, j0 + j);
      }
    }
  }
}

}  // namespace gemmsim
