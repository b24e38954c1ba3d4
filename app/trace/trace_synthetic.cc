// Seeded synthetic operands for shape-only GEMMs (SPEC.md "Command line":
// --operands normal|lognormal|uniform|outliers). Every element is a pure
// function of (seed, GEMM index, operand, element index), so a GEMM's
// operands never depend on which other GEMMs run or on thread count.
#include <cmath>
#include <cstring>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "app/trace/trace_operands.h"
#include "datapaths/error.h"
#include "datapaths/formats/random_stream.h"

namespace gemmsim::app {
namespace {

// Counter word 2 tags the stream; stochastic rounding keys its streams with
// tensor ids 0..5 there, so these never overlap with them under one seed.
constexpr uint32_t kElementTag = 0x53594E00u;  // "SYN" + role
constexpr uint32_t kChannelTag = 0x4F55544Cu;  // "OUTL"
constexpr double kOutlierScale = 100;
constexpr uint32_t kOutlierThreshold = 0xFFFFFFFFu / 100;  // about 1%

struct Stream {
  uint64_t seed;
  uint32_t gemm;

  std::array<uint32_t, 4> Words(uint64_t index, uint32_t tag) const {
    return Philox4x32(
        {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), tag,
         gemm},
        {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  }
};

// Box-Muller on two 32-bit uniforms; u1 in (0, 1) so the log is finite.
double Normal(uint32_t w0, uint32_t w1) {
  const double u1 = (w0 + 0.5) * 0x1p-32;
  const double u2 = w1 * 0x1p-32;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

float Draw(SyntheticKind kind, const std::array<uint32_t, 4>& w) {
  switch (kind) {
    case SyntheticKind::kNormal:
    case SyntheticKind::kOutliers:
      return static_cast<float>(Normal(w[0], w[1]));
    case SyntheticKind::kLognormal: {
      const double magnitude = std::exp(Normal(w[0], w[1]));
      return static_cast<float>((w[2] & 1) ? -magnitude : magnitude);
    }
    case SyntheticKind::kUniform:  // 24 bits: exact in float32, never 1
      return static_cast<float>((w[0] >> 8) * 0x1p-23 - 1);
  }
  return 0;
}

// Which of A's K channels are outliers: each with probability ~1%, and at
// least one.
std::vector<bool> OutlierChannels(const Stream& s, int64_t k) {
  std::vector<bool> outlier(static_cast<size_t>(k), false);
  bool any = false;
  for (int64_t c = 0; c < k; ++c) {
    if (s.Words(static_cast<uint64_t>(c), kChannelTag)[0] < kOutlierThreshold)
      outlier[static_cast<size_t>(c)] = any = true;
  }
  if (!any && k > 0)
    outlier[s.Words(static_cast<uint64_t>(k), kChannelTag)[1] % k] = true;
  return outlier;
}

// Element i of one synthetic operand, a pure function of its index.
class ElementDrawer {
 public:
  ElementDrawer(const TraceGemm& gemm, bool is_a, SyntheticKind kind,
                uint64_t seed, int64_t gemm_index)
      : kind_(kind),
        stream_{seed, static_cast<uint32_t>(gemm_index)},
        tag_(kElementTag | (is_a ? 0u : 1u)),
        cols_(is_a ? gemm.k : gemm.n) {
    if (kind == SyntheticKind::kOutliers && is_a)
      outlier_ = OutlierChannels(stream_, gemm.k);
  }
  float operator()(int64_t i) const {
    float x = Draw(kind_, stream_.Words(static_cast<uint64_t>(i), tag_));
    if (!outlier_.empty() && outlier_[static_cast<size_t>(i % cols_)])
      x = static_cast<float>(x * kOutlierScale);
    return x;
  }

 private:
  SyntheticKind kind_;
  Stream stream_;
  uint32_t tag_;
  int64_t cols_;
  std::vector<bool> outlier_;
};

std::string OperandName(const TraceGemm& gemm, bool is_a, SyntheticKind kind) {
  return std::string("synthetic ") + SyntheticKindName(kind) +
         (is_a ? " A" : " B") + " of " + gemm.name;
}

io::Tensor Float32Tensor(const TraceGemm& gemm, std::vector<int64_t> shape) {
  io::Tensor t;
  t.dtype = io::DType::kF32;
  t.shape = std::move(shape);
  const std::optional<int64_t> bytes = io::checked_byte_count(t.dtype, t.shape);
  constexpr int64_t kMaxBytes = int64_t{1} << 36;  // 64 GiB
  if (!bytes || *bytes > kMaxBytes) {
    throw InputError(gemm.place, "",
                     "synthetic operand too large to draw (more than 64 GiB)");
  }
  t.data.resize(static_cast<size_t>(*bytes));
  return t;
}

void Store(io::Tensor* t, int64_t at, float x) {
  std::memcpy(t->data.data() + at * sizeof(float), &x, sizeof(float));
}

}  // namespace

OperandTensor DrawSyntheticOperand(const TraceGemm& gemm, OperandRole role,
                                   SyntheticKind kind, uint64_t seed,
                                   int64_t gemm_index) {
  const bool is_a = role == OperandRole::kA;
  std::vector<int64_t> shape;
  if (gemm.batch > 1) shape.push_back(gemm.batch);
  shape.push_back(is_a ? gemm.m : gemm.k);
  shape.push_back(is_a ? gemm.k : gemm.n);
  io::Tensor t = Float32Tensor(gemm, shape);
  const ElementDrawer draw(gemm, is_a, kind, seed, gemm_index);
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) Store(&t, i, draw(i));
  return {OperandName(gemm, is_a, kind), std::move(t)};
}

OperandTensor DrawSyntheticLines(const TraceGemm& gemm, OperandRole role,
                                 SyntheticKind kind, uint64_t seed,
                                 int64_t gemm_index,
                                 std::span<const int64_t> lines) {
  const bool is_a = role == OperandRole::kA;
  const int64_t count = static_cast<int64_t>(lines.size()), k = gemm.k;
  const int64_t width = is_a ? gemm.m : gemm.n;  // lines per matrix
  io::Tensor t =
      Float32Tensor(gemm, is_a ? std::vector{count, k} : std::vector{k, count});
  const ElementDrawer draw(gemm, is_a, kind, seed, gemm_index);
  for (int64_t r = 0; r < count; ++r) {
    const int64_t line = lines[static_cast<size_t>(r)];
    if (line < 0 || line >= gemm.batch * width)
      throw Error(ExitCode::kInternal, "DrawSyntheticLines: line out of range");
    if (is_a) {  // row `line` of [batch * m, k]
      for (int64_t kk = 0; kk < k; ++kk)
        Store(&t, r * k + kk, draw(line * k + kk));
    } else {  // column `line % n` of matrix `line / n` of [batch, k, n]
      const int64_t first = line / width * k * width + line % width;
      for (int64_t kk = 0; kk < k; ++kk)
        Store(&t, kk * count + r, draw(first + kk * width));
    }
  }
  return {OperandName(gemm, is_a, kind) + " (sampled lines)", std::move(t)};
}

}  // namespace gemmsim::app
