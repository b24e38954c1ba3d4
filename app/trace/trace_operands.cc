// The operands of one trace GEMM: files read (transpose applied), shapes
// checked against the manifest's m, n, k and batch, and A and B drawn where
// the manifest names no file (SPEC.md "Files", "Command line").
#include "app/trace/trace_operands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>

#include "datapaths/error.h"

namespace gemmsim::app {
namespace {

// The file name the way ReadOperand takes it.
std::string OperandSpec(const TensorRef& ref) {
  return ref.tensor.empty() ? ref.file : ref.file + ":" + ref.tensor;
}

// Swaps the last two dimensions, moving the bytes into C order.
void TransposeLastTwo(io::Tensor* t) {
  const size_t nd = t->shape.size();
  const int64_t rows = t->shape[nd - 2], cols = t->shape[nd - 1];
  const size_t width = static_cast<size_t>(io::dtype_size(t->dtype));
  const int64_t matrix = rows * cols;
  const int64_t matrices = matrix == 0 ? 0 : t->numel() / matrix;
  std::vector<uint8_t> out(t->data.size());
  for (int64_t b = 0; b < matrices; ++b) {
    const uint8_t* from = t->data.data() + b * matrix * width;
    uint8_t* to = out.data() + b * matrix * width;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        std::memcpy(to + (j * rows + i) * width, from + (i * cols + j) * width,
                    width);
  }
  t->data = std::move(out);
  std::swap(t->shape[nd - 2], t->shape[nd - 1]);
}

OperandTensor ReadRef(const TensorRef& ref) {
  OperandTensor t = ReadOperand(OperandSpec(ref));
  if (ref.transpose) {
    if (t.tensor.shape.size() < 2) {
      throw InputError(
          t.name, ref.place,
          fmt::format("transpose needs at least 2 dimensions, the tensor is {}",
                      ShapeText(t.tensor.shape)));
    }
    TransposeLastTwo(&t.tensor);
  }
  return t;
}

// `what` is "A", "B", ...; `wanted` says the shapes accepted.
[[noreturn]] void ShapeMismatch(const OperandTensor& t, const TensorRef& ref,
                                const TraceGemm& g, const char* what,
                                const std::string& wanted) {
  throw InputError(
      t.name, ref.place,
      fmt::format("{} has shape {}{}, expected {} for m={}, n={}, k={}, "
                  "batch={}",
                  what, ShapeText(t.tensor.shape),
                  ref.transpose ? " (after transpose)" : "", wanted, g.m, g.n,
                  g.k, g.batch));
}

// `[batch,] rows x cols`: the 3-D form always, the 2-D form when batch is 1
// or `shared` (one matrix for every batch).
void CheckMatrix(const OperandTensor& t, const TensorRef& ref,
                 const TraceGemm& g, const char* what, int64_t rows,
                 int64_t cols, bool shared) {
  const std::vector<int64_t> plain{rows, cols}, batched{g.batch, rows, cols};
  const std::vector<int64_t>& s = t.tensor.shape;
  if (s == batched || (s == plain && (g.batch == 1 || shared))) return;
  std::string wanted = ShapeText(batched);
  if (g.batch == 1 || shared) wanted = ShapeText(plain) + " or " + wanted;
  ShapeMismatch(t, ref, g, what, wanted);
}

}  // namespace

SyntheticKind ParseSyntheticKind(const std::string& name) {
  for (const SyntheticKind k :
       {SyntheticKind::kNormal, SyntheticKind::kLognormal,
        SyntheticKind::kUniform, SyntheticKind::kOutliers}) {
    if (name == SyntheticKindName(k)) return k;
  }
  throw ConfigError("--operands '" + name +
                    "': expected normal, lognormal, uniform or outliers");
}

const char* SyntheticKindName(SyntheticKind kind) {
  switch (kind) {
    case SyntheticKind::kNormal:
      return "normal";
    case SyntheticKind::kLognormal:
      return "lognormal";
    case SyntheticKind::kUniform:
      return "uniform";
    case SyntheticKind::kOutliers:
      return "outliers";
  }
  return "?";
}

TraceOperands LoadTraceFileOperands(const TraceGemm& gemm, SyntheticKind kind) {
  TraceOperands ops;
  if (gemm.a) {
    ops.a = ReadRef(*gemm.a);
    CheckMatrix(ops.a, *gemm.a, gemm, "A", gemm.m, gemm.k, false);
  } else {
    ops.synthetic_a = true;
  }
  if (gemm.b) {
    ops.b = ReadRef(*gemm.b);
    CheckMatrix(ops.b, *gemm.b, gemm, "B", gemm.k, gemm.n, true);
  } else {
    ops.synthetic_b = true;
  }
  if (ops.synthetic()) ops.synthetic_kind = kind;
  if (gemm.c) {
    ops.c = ReadRef(*gemm.c);
    const std::vector<int64_t> d{gemm.batch, gemm.m, gemm.n};
    if (!BroadcastsTo(ops.c->tensor.shape, d)) {
      ShapeMismatch(*ops.c, *gemm.c, gemm, "C",
                    "a shape that broadcasts to " + ShapeText(d));
    }
  }
  if (gemm.observed) {
    ops.observed = ReadRef(*gemm.observed);
    CheckMatrix(*ops.observed, *gemm.observed, gemm, "observed", gemm.m, gemm.n,
                false);
  }
  return ops;
}

TraceOperands LoadTraceOperands(const TraceGemm& gemm, int64_t gemm_index,
                                SyntheticKind kind, uint64_t seed) {
  TraceOperands ops = LoadTraceFileOperands(gemm, kind);
  if (ops.synthetic_a)
    ops.a = DrawSyntheticOperand(gemm, OperandRole::kA, kind, seed, gemm_index);
  if (ops.synthetic_b)
    ops.b = DrawSyntheticOperand(gemm, OperandRole::kB, kind, seed, gemm_index);
  return ops;
}

}  // namespace gemmsim::app
