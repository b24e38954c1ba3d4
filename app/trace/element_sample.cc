// Sampled output elements (element_sample.h): the indices, where each
// element's row of A and column of B live, and the small problems that
// evaluate them.
#include "app/trace/element_sample.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "datapaths/arithmetic/gemm.h"
#include "datapaths/error.h"
#include "datapaths/parallel_ranges.h"
#include "datapaths/reference/exact_dot.h"

namespace gemmsim::app {
namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a fixed, portable stream, unlike
// std::uniform_int_distribution whose output differs between libraries.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) by rejection: no modulo bias.
  uint64_t Below(uint64_t bound) {
    const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                           std::numeric_limits<uint64_t>::max() % bound;
    uint64_t x = Next();
    while (x >= limit) x = Next();
    return x % bound;
  }

 private:
  uint64_t state_;
};

// Where each sampled element's operands are: its row of A starts at
// a->values[a_row[j]] (K contiguous), its column of B at b->values[b_col[j]]
// with b_stride between consecutive K (emins in the same layout), and is
// B's K-vector b_vector[j] (its block scales'); C (D's layout, every
// element) or null.
struct SampleLayout {
  const QuantizedOperand* a = nullptr;
  const QuantizedOperand* b = nullptr;
  std::vector<int64_t> a_row, b_col, b_vector;
  int64_t b_stride = 0;
  const double* c = nullptr;
  double output_scale = 1.0;
};

// The line (batch * m + row of A, batch * n + col of B) of each index.
void LinesOf(const GemmShapes& s, const std::vector<int64_t>& indices,
             std::vector<int64_t>* a_lines, std::vector<int64_t>* b_lines) {
  for (const int64_t index : indices) {
    const int64_t batch = index / (s.m * s.n);
    a_lines->push_back(s.a_matrix[batch] * s.m + index / s.n % s.m);
    b_lines->push_back(s.b_matrix[batch] * s.n + index % s.n);
  }
}

// D and the exact value of every sampled element, each a 1 x 1 problem
// (the kernels take a one-element tile for it: FewOutputs). Each element is
// computed by exactly one call: the split over threads cannot change a
// result.
void Evaluate(const SampleLayout& l, const Numerics& numerics, int64_t k,
              int threads, ElementSample* out) {
  const size_t count = out->indices.size();
  out->d.resize(count);
  out->exact.resize(count);
  if (count == 0) return;
  auto evaluate = [&](size_t begin, size_t end) {
    std::vector<double> column(static_cast<size_t>(k));
    std::vector<int16_t> column_emin;
    const int16_t* a_emin = l.a->emin_of_matrix(0);
    const int16_t* b_emin = l.b->emin_of_matrix(0);
    const double* a_scales = l.a->scales_of_matrix(0);
    const double* b_scales = l.b->scales_of_matrix(0);
    if (b_emin) column_emin.resize(static_cast<size_t>(k));
    for (size_t j = begin; j < end; ++j) {
      const int64_t index = out->indices[j];
      // B's column, K contiguous: the 1x1 problem's k x 1 operand.
      const double* b = l.b->values.data() + l.b_col[j];
      for (int64_t kk = 0; kk < k; ++kk) column[kk] = b[kk * l.b_stride];
      if (b_emin) {
        for (int64_t kk = 0; kk < k; ++kk)
          column_emin[kk] = b_emin[l.b_col[j] + kk * l.b_stride];
      }
      GemmProblem p;
      p.m = p.n = 1;
      p.k = k;
      p.a = {l.a->values.data() + l.a_row[j], l.a->emin,
             a_emin ? a_emin + l.a_row[j] : nullptr};
      p.b = {column.data(), l.b->emin, b_emin ? column_emin.data() : nullptr};
      // Block scales of this row of A and this column of B (K-vectors).
      if (a_scales) {
        p.a.block_scales = a_scales + l.a_row[j] / k * l.a->scale_blocks();
        p.a.scale_block = l.a->scale_block;
      }
      if (b_scales) {
        p.b.block_scales = b_scales + l.b_vector[j] * l.b->scale_blocks();
        p.b.scale_block = l.b->scale_block;
      }
      p.c = l.c ? l.c + index : nullptr;
      p.output_scale = l.output_scale;
      p.first_element = static_cast<uint64_t>(index);
      Gemm(p, numerics, &out->d[j], 1);
      reference::ExactGemm(1, 1, k, p.a.values, column.data(), p.c,
                           &out->exact[j], 1, l.output_scale);
    }
  };
  // A thread for at least 16 elements.
  ParallelRanges(static_cast<int64_t>(count),
                 static_cast<int>(std::min<size_t>(
                     std::max(threads, 1), std::max<size_t>(count / 16, 1))),
                 [&](int64_t begin, int64_t end) {
                   evaluate(static_cast<size_t>(begin),
                            static_cast<size_t>(end));
                 });
}

void PickObserved(const TraceOperands& operands, ElementSample* out) {
  if (!operands.observed) return;
  const std::vector<double> observed = ObservedValues(operands);
  if (static_cast<int64_t>(observed.size()) != out->elements) {
    throw Error(ExitCode::kInternal,
                "element sample: observed and D differ in size");
  }
  out->observed.reserve(out->indices.size());
  for (int64_t index : out->indices) out->observed.push_back(observed[index]);
}

// One operand of SampleTraceGemm, quantized: in full (offsets into the
// whole operand) or only its sampled lines (offsets into the compact one).
struct SampledOperand {
  QuantizedOperand q;
  std::vector<int64_t> offsets;  // per sample
  std::vector<int64_t> vectors;  // per sample: its K-vector (a row of A,
                                 // a column of B) in q
};

SampledOperand QuantizeSampled(const TraceGemm& gemm, int64_t gemm_index,
                               const TraceOperands& files, OperandRole role,
                               uint64_t operand_seed, const InputSpec& spec,
                               uint64_t numerics_seed,
                               const std::vector<int64_t>& lines) {
  const bool is_a = role == OperandRole::kA;
  const bool synthetic = is_a ? files.synthetic_a : files.synthetic_b;
  const SyntheticKind kind =
      files.synthetic_kind.value_or(SyntheticKind::kNormal);
  const int64_t k = gemm.k, width = is_a ? gemm.m : gemm.n;
  SampledOperand out;
  if (synthetic && QuantizesByLine(spec)) {
    std::vector<int64_t> distinct = lines;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()),
                   distinct.end());
    const OperandTensor t = DrawSyntheticLines(gemm, role, kind, operand_seed,
                                               gemm_index, distinct);
    out.q = QuantizeOperand(t, role, spec, numerics_seed);
    for (const int64_t line : lines) {
      const int64_t r =
          std::lower_bound(distinct.begin(), distinct.end(), line) -
          distinct.begin();
      out.offsets.push_back(is_a ? r * k : r);  // A [count, k], B [k, count]
      out.vectors.push_back(r);
    }
    return out;
  }
  const OperandTensor drawn =
      synthetic
          ? DrawSyntheticOperand(gemm, role, kind, operand_seed, gemm_index)
          : OperandTensor{};
  out.q = QuantizeOperand(synthetic ? drawn : (is_a ? files.a : files.b), role,
                          spec, numerics_seed);
  for (const int64_t line : lines) {  // A [.., m, k], B [.., k, n]
    out.offsets.push_back(is_a ? line * k
                               : line / width * k * width + line % width);
    out.vectors.push_back(line);
  }
  return out;
}

// The shape a synthetic operand has (DrawSyntheticOperand), for broadcasting.
OperandTensor ShapeOnly(const TraceGemm& gemm, OperandRole role) {
  OperandTensor t;
  t.name = role == OperandRole::kA ? "synthetic A" : "synthetic B";
  if (gemm.batch > 1) t.tensor.shape.push_back(gemm.batch);
  t.tensor.shape.push_back(role == OperandRole::kA ? gemm.m : gemm.k);
  t.tensor.shape.push_back(role == OperandRole::kA ? gemm.k : gemm.n);
  return t;
}

}  // namespace

std::vector<int64_t> DrawIndices(int64_t elements, int64_t samples,
                                 uint64_t seed) {
  std::vector<int64_t> indices;
  if (samples >= elements) {
    indices.resize(static_cast<size_t>(std::max<int64_t>(elements, 0)));
    std::iota(indices.begin(), indices.end(), int64_t{0});
    return indices;
  }
  // Floyd's algorithm: S draws, each set of S indices equally likely.
  SplitMix64 rng(seed ^ 0x5a3d1e0b7c2f9e41ULL);
  std::unordered_set<int64_t> chosen;
  chosen.reserve(static_cast<size_t>(samples) * 2);
  for (int64_t j = elements - samples; j < elements; ++j) {
    const auto t =
        static_cast<int64_t>(rng.Below(static_cast<uint64_t>(j) + 1));
    chosen.insert(chosen.count(t) ? j : t);
  }
  indices.assign(chosen.begin(), chosen.end());
  std::sort(indices.begin(), indices.end());
  return indices;
}

ElementSample DrawElementSample(const PreparedGemm& g, const Numerics& numerics,
                                const TraceOperands& operands, int64_t samples,
                                uint64_t seed, int threads) {
  const GemmShapes& s = g.shapes;
  ElementSample out;
  out.elements = s.elements();
  out.indices = DrawIndices(out.elements, samples, seed);
  std::vector<int64_t> a_lines, b_lines;
  LinesOf(s, out.indices, &a_lines, &b_lines);
  SampleLayout l;
  l.a = &g.a;
  l.b = &g.b;
  for (const int64_t line : a_lines) l.a_row.push_back(line * s.k);
  for (const int64_t line : b_lines)
    l.b_col.push_back(line / s.n * s.k * s.n + line % s.n);
  l.b_vector = b_lines;
  l.b_stride = s.n;
  l.c = g.c.empty() ? nullptr : g.c.data();
  l.output_scale = g.output_scale;
  Evaluate(l, numerics, s.k, threads, &out);
  PickObserved(operands, &out);
  return out;
}

bool QuantizesByLine(const InputSpec& spec) {
  // per_tensor and nvfp4 scale by the whole tensor's amax; stochastic
  // rounding keys its bits by the element's index in the whole operand.
  return (spec.scaling.kind == ScalingKind::kNone ||
          spec.scaling.kind == ScalingKind::kMx) &&
         spec.encode.rounding.mode != Rounding::kStochastic;
}

ElementSample SampleTraceGemm(const TraceGemm& gemm, int64_t gemm_index,
                              const TraceOperands& files, uint64_t operand_seed,
                              const Numerics& numerics, int64_t samples,
                              uint64_t sample_seed, int threads) {
  // Broadcasting reads shapes only: a synthetic operand's shape, or a
  // file's without copying its data.
  auto view = [&](OperandRole role, bool synthetic, const OperandTensor& t) {
    if (synthetic) return ShapeOnly(gemm, role);
    OperandTensor v{t.name, {}};
    v.tensor.shape = t.tensor.shape;
    return v;
  };
  const OperandTensor a_view =
      view(OperandRole::kA, files.synthetic_a, files.a);
  const OperandTensor b_view =
      view(OperandRole::kB, files.synthetic_b, files.b);
  const OperandTensor c_view =
      files.c ? view(OperandRole::kA, false, *files.c) : OperandTensor{};
  const GemmShapes s =
      BroadcastGemmShapes(a_view, b_view, files.c ? &c_view : nullptr);
  if (s.m != gemm.m || s.n != gemm.n || s.k != gemm.k)
    throw Error(ExitCode::kInternal, "SampleTraceGemm: shapes differ");

  ElementSample out;
  out.elements = s.elements();
  out.indices = DrawIndices(out.elements, samples, sample_seed);
  std::vector<int64_t> a_lines, b_lines;
  LinesOf(s, out.indices, &a_lines, &b_lines);
  const SampledOperand a =
      QuantizeSampled(gemm, gemm_index, files, OperandRole::kA, operand_seed,
                      numerics.a, numerics.seed, a_lines);
  const SampledOperand b =
      QuantizeSampled(gemm, gemm_index, files, OperandRole::kB, operand_seed,
                      numerics.b, numerics.seed, b_lines);
  const std::vector<double> c =
      files.c ? BroadcastAddend(*files.c, s) : std::vector<double>{};
  SampleLayout l;
  l.a = &a.q;
  l.b = &b.q;
  l.a_row = a.offsets;
  l.b_col = b.offsets;
  l.b_vector = b.vectors;
  l.b_stride = b.q.cols;  // [k, n] per matrix, or [k, count]
  l.c = c.empty() ? nullptr : c.data();
  // Tensor scales are floats: their product is exact in double.
  l.output_scale = a.q.tensor_scale * b.q.tensor_scale;
  Evaluate(l, numerics, s.k, threads, &out);
  PickObserved(files, &out);
  return out;
}

}  // namespace gemmsim::app
