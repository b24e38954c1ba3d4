#include "app/validate/dot_elements.h"

#include <algorithm>

#include "app/validate/bit_match.h"
#include "datapaths/arithmetic/dot_product.h"

namespace gemmsim::app {
namespace {

int EminOf(const QuantizedOperand& op, int64_t matrix, int64_t index) {
  const int16_t* per_element = op.emin_of_matrix(matrix);
  return per_element ? per_element[index] : op.emin;
}

}  // namespace

std::vector<DotElement> ExtractElements(const PreparedGemm& g,
                                        const std::vector<double>& observed,
                                        int gemm,
                                        std::span<const int64_t> flat_indices) {
  const GemmShapes& s = g.shapes;
  std::vector<DotElement> out;
  out.reserve(flat_indices.size());
  for (int64_t flat : flat_indices) {
    DotElement e;
    e.gemm = gemm;
    e.flat_index = flat;
    e.batch = flat / (s.m * s.n);
    e.i = flat / s.n % s.m;
    e.j = flat % s.n;
    const int64_t ia = s.a_matrix[e.batch], ib = s.b_matrix[e.batch];
    const double* a = g.a.matrix(ia) + e.i * s.k;
    const double* b = g.b.matrix(ib);
    for (int64_t kk = 0; kk < s.k; ++kk) {
      e.a.push_back(MakeFactor(a[kk], EminOf(g.a, ia, e.i * s.k + kk)));
      const int64_t bi = kk * s.n + e.j;
      e.b.push_back(MakeFactor(b[bi], EminOf(g.b, ib, bi)));
    }
    e.c = g.c.empty() ? 0.0 : g.c[flat];
    e.output_scale = g.output_scale;
    e.observed = observed[flat];
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<int64_t> EvenlySpacedIndices(int64_t total, int64_t count) {
  std::vector<int64_t> out;
  if (total <= 0 || count <= 0) return out;
  if (count >= total) {
    for (int64_t i = 0; i < total; ++i) out.push_back(i);
    return out;
  }
  for (int64_t i = 0; i < count; ++i) {
    // Steps of total / count > 1: distinct, in order, below total.
    out.push_back(static_cast<int64_t>(static_cast<double>(i) *
                                       static_cast<double>(total) /
                                       static_cast<double>(count)));
  }
  return out;
}

double ElementResult(const DotElement& e, const Numerics& numerics) {
  DotContext ctx;
  ctx.element_index = static_cast<uint64_t>(e.flat_index);
  ctx.output_scale = e.output_scale;
  return DotProduct(e.a, e.b, e.c, numerics, ctx);
}

int64_t CountMismatches(std::span<const DotElement> elements,
                        const ElementModel& model, int64_t give_up_after) {
  int64_t wrong = 0;
  for (const DotElement& e : elements) {
    if (SameOutputBits(model(e), e.observed)) continue;
    if (++wrong > give_up_after) break;
  }
  return wrong;
}

}  // namespace gemmsim::app
