#include "datapaths/formats/bulk.h"

#include <bit>
#include <limits>
#include <mutex>
#include <utility>

#include "datapaths/error.h"
#include "datapaths/target_clones.h"

namespace gemmsim {
namespace {

// float32: 8 exponent bits, bias 127, 23 fraction bits.
constexpr int kF32Fraction = 23;
constexpr int kF32Bias = 127;
constexpr uint32_t kF32InfBits = 0x7f800000u;

// Constants of the fast float32 -> small-float kernel, derived once per call
// from the runtime Format. The kernel works on the float32 magnitude bits
// `a`, which order like the values they encode. Choices between results are
// all-ones masks, not branches or bools: a branch-free loop body is what
// lets the compiler vectorize it (and signs are 50/50 unpredictable).
struct FastParams {
  uint32_t shift;            // fraction bits dropped: 23 - M
  uint32_t half_minus_one;   // 2^(shift-1) - 1: RNE's rounding increment
  uint32_t min_normal_bits;  // float32 bits of the target's smallest normal
  uint32_t rebias;           // + (bias - 127) << M, modulo 2^32
  float magic;               // 2^(emin - M + 23): its ulp is the subnormal
  uint32_t magic_bits;       //   quantum, so |x| + magic rounds onto the grid
  uint32_t subnormal_floor;  // 2^M when subnormals flush to zero, else 0
  uint32_t zero_sign_keep;   // 0 for fnuz (a zero has no sign), else ~0
  uint32_t sign_bit;
  uint32_t max_mag;  // magnitude code of the largest finite value
  uint32_t overflow_pos, overflow_sign_diff;  // code for +overflow; ^ for -
  uint32_t nan_pos, nan_sign_diff;            // code for +NaN; ^ for -NaN
};

FastParams MakeFastParams(const Format& f, const EncodeOptions& o) {
  const FloatLayout& l = f.layout();
  const int m = l.mantissa_bits;
  const int emin = f.min_normal_exponent();
  FastParams p{};
  p.shift = static_cast<uint32_t>(kF32Fraction - m);
  p.half_minus_one = (1u << (p.shift - 1)) - 1;
  p.min_normal_bits = static_cast<uint32_t>(emin + kF32Bias) << kF32Fraction;
  p.rebias = static_cast<uint32_t>((l.bias - kF32Bias) * (1 << m));
  p.magic = std::bit_cast<float>(
      static_cast<uint32_t>(emin - m + kF32Fraction + kF32Bias)
      << kF32Fraction);
  p.magic_bits = std::bit_cast<uint32_t>(p.magic);
  p.subnormal_floor = l.subnormals ? 0u : 1u << m;
  p.zero_sign_keep = f.has_negative_zero() ? ~0u : 0u;
  p.sign_bit = static_cast<uint32_t>(f.sign_mask());
  p.max_mag = static_cast<uint32_t>(f.max_finite_magnitude_code());
  const double big = f.max_finite() * 4;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  p.overflow_pos = static_cast<uint32_t>(Encode(f, big, o));
  p.overflow_sign_diff =
      p.overflow_pos ^ static_cast<uint32_t>(Encode(f, -big, o));
  p.nan_pos = static_cast<uint32_t>(Encode(f, nan, o));
  p.nan_sign_diff = p.nan_pos ^ static_cast<uint32_t>(Encode(f, -nan, o));
  return p;
}

inline uint32_t MaskIf(bool condition) {
  return 0u - static_cast<uint32_t>(condition);
}
inline uint32_t Select(uint32_t mask, uint32_t yes, uint32_t no) {
  return (yes & mask) | (no & ~mask);
}

// Everything after the rounding of the normal-range magnitude: subnormal
// range, signs, overflow and NaN.
inline uint32_t FinishCode(uint32_t u, uint32_t rounded, const FastParams& p) {
  const uint32_t negative =
      static_cast<uint32_t>(static_cast<int32_t>(u) >> 31);
  const uint32_t a = u & 0x7fffffffu;
  const uint32_t normal_mag = rounded + p.rebias;
  // Below the smallest normal, float32 addition does the rounding: the sum
  // is rounded to nearest even on the grid of magic's ulp (the default
  // floating-point environment, which gemmsim never changes).
  const float sub = std::bit_cast<float>(a) + p.magic;
  uint32_t sub_mag = std::bit_cast<uint32_t>(sub) - p.magic_bits;
  sub_mag &= MaskIf(sub_mag >= p.subnormal_floor);  // flush when no subnormals
  const uint32_t mag =
      Select(MaskIf(a < p.min_normal_bits), sub_mag, normal_mag);
  const uint32_t sign =
      negative & p.sign_bit & (p.zero_sign_keep | MaskIf(mag != 0));
  uint32_t code = mag | sign;
  code = Select(MaskIf(mag > p.max_mag),
                p.overflow_pos ^ (p.overflow_sign_diff & negative), code);
  code = Select(MaskIf(a > kF32InfBits),
                p.nan_pos ^ (p.nan_sign_diff & negative), code);
  return code;
}

template <typename Code>
GEMMSIM_TARGET_CLONES("avx2", "default")
void EncodeRneKernel(const float* __restrict in, Code* __restrict out, size_t n,
                     const FastParams& params) {
  // A local copy: `out` (a char type) could alias `params`, which would make
  // the compiler reload every constant on every element.
  const FastParams p = params;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t u = std::bit_cast<uint32_t>(in[i]);
    const uint32_t a = u & 0x7fffffffu;
    const uint32_t lsb = (a >> p.shift) & 1u;
    const uint32_t rounded = (a + p.half_minus_one + lsb) >> p.shift;
    out[i] = static_cast<Code>(FinishCode(u, rounded, p));
  }
}

// Stochastic rounding in the normal range: adding r, scaled to the dropped
// bits, carries into the kept bits with probability (dropped fraction) —
// the same decision RoundMagnitude makes (rounding.cc). Inputs below the
// smallest normal take the generic path.
template <typename Code>
void EncodeStochasticKernel(const Format& f, const float* in, Code* out,
                            size_t n, const FastParams& params,
                            const EncodeOptions& o, const RandomKey& key,
                            uint64_t first_index) {
  const FastParams p = params;
  const int sb = o.rounding.stochastic_bits;
  const int s = static_cast<int>(p.shift);
  const uint32_t mask = sb == 32 ? ~0u : (1u << sb) - 1;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t u = std::bit_cast<uint32_t>(in[i]);
    const uint32_t a = u & 0x7fffffffu;
    const uint32_t random = RandomBits(key, first_index + i);
    if (a < p.min_normal_bits) {
      out[i] = static_cast<Code>(Encode(f, in[i], o, random));
      continue;
    }
    const uint32_t r = random & mask;
    const uint32_t increment = sb >= s ? r >> (sb - s) : r << (s - sb);
    const uint32_t rounded =
        static_cast<uint32_t>((uint64_t{a} + increment) >> s);
    out[i] = static_cast<Code>(FinishCode(u, rounded, p));
  }
}

template <typename Code>
void EncodeFloat32Impl(const Format& f, std::span<const float> in,
                       std::span<Code> out, const EncodeOptions& o,
                       const RandomKey& key, uint64_t first_index) {
  if (in.size() != out.size() || f.bits() > static_cast<int>(8 * sizeof(Code)))
    throw Error(ExitCode::kInternal, "EncodeFloat32: bad output span");
  if (HasFastFloat32Kernel(f, o)) {
    const FastParams p = MakeFastParams(f, o);
    if (o.rounding.mode == Rounding::kNearestEven)
      EncodeRneKernel(in.data(), out.data(), in.size(), p);
    else
      EncodeStochasticKernel(f, in.data(), out.data(), in.size(), p, o, key,
                             first_index);
    return;
  }
  const bool stochastic = o.rounding.mode == Rounding::kStochastic;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint32_t random = stochastic ? RandomBits(key, first_index + i) : 0;
    out[i] = static_cast<Code>(Encode(f, in[i], o, random));
  }
}

}  // namespace

DecodeTable::DecodeTable(const Format& format) {
  if (format.bits() > 16)
    throw Error(ExitCode::kInternal, "DecodeTable: format wider than 16 bits");
  values_.resize(format.code_count());
  for (uint64_t code = 0; code < values_.size(); ++code)
    values_[code] = Decode(format, code);
}

std::shared_ptr<const DecodeTable> SharedDecodeTable(const Format& format) {
  static std::mutex mutex;
  static std::vector<std::pair<Format, std::shared_ptr<const DecodeTable>>>
      tables;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [f, table] : tables)
      if (f == format) return table;
  }
  auto table = std::make_shared<const DecodeTable>(format);  // outside the lock
  const std::lock_guard<std::mutex> lock(mutex);
  if (tables.size() >= 32) tables.erase(tables.begin());
  tables.emplace_back(format, table);
  return table;
}

bool HasFastFloat32Kernel(const Format& f, const EncodeOptions& o) {
  if (!f.is_float()) return false;
  const FloatLayout& l = f.layout();
  const bool mode_ok = o.rounding.mode == Rounding::kNearestEven ||
                       o.rounding.mode == Rounding::kStochastic;
  // The kernel needs the target's normal range inside float32's normal range
  // and at least one fraction bit dropped.
  return mode_ok && l.has_sign && l.has_zero && l.mantissa_bits <= 22 &&
         f.min_normal_exponent() >= 1 - kF32Bias &&
         f.max_exponent_field() - l.bias <= kF32Bias;
}

void EncodeFloat32(const Format& f, std::span<const float> in,
                   std::span<uint8_t> out, const EncodeOptions& o,
                   const RandomKey& key, uint64_t first_index) {
  EncodeFloat32Impl(f, in, out, o, key, first_index);
}

void EncodeFloat32(const Format& f, std::span<const float> in,
                   std::span<uint16_t> out, const EncodeOptions& o,
                   const RandomKey& key, uint64_t first_index) {
  EncodeFloat32Impl(f, in, out, o, key, first_index);
}

void EncodeFloat64(const Format& f, std::span<const double> in,
                   std::span<uint64_t> out, const EncodeOptions& o,
                   const RandomKey& key, uint64_t first_index) {
  if (in.size() != out.size())
    throw Error(ExitCode::kInternal, "EncodeFloat64: bad output span");
  const bool stochastic = o.rounding.mode == Rounding::kStochastic;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint32_t random = stochastic ? RandomBits(key, first_index + i) : 0;
    out[i] = Encode(f, in[i], o, random);
  }
}

}  // namespace gemmsim
