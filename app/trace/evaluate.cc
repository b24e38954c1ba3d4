#include "app/trace/evaluate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "app/tensor_values.h"
#include "datapaths/arithmetic/gemm.h"
#include "datapaths/arithmetic/gemm_plan.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/error.h"
#include "datapaths/parallel_ranges.h"
#include "datapaths/reference/exact_dot.h"

namespace gemmsim::app {
namespace {

// Runs `call(batch, row_begin, row_end, threads)` over every batch in row
// chunks small enough for progress to show, large enough to keep `threads`
// busy and amortise a fast kernel's per-call packing of B. Small batches
// (a few rows, or a GEMM of under ~4 M products) run side by side instead,
// one thread each: a batch's rows alone would keep one thread busy, and
// 200,000 batched dot products would pay a kernel call's set-up in turn.
// Every element is computed by exactly one call either way. Side by side,
// `batches(first, last)` runs batches [first, last) on one thread.
template <typename Call, typename Batches>
void InRowChunks(const GemmShapes& s, int threads, int64_t macs_per_thread,
                 const ProgressFn& progress, const Call& call,
                 const Batches& batches) {
  threads = std::max(threads, 1);
  const int64_t nk = std::max<int64_t>(1, s.n * s.k);
  const int64_t batch_macs = std::max<int64_t>(1, s.m * nk);
  const double total = static_cast<double>(s.batches()) * s.m;
  double done = 0;
  if (s.batches() > 1 && (s.m < threads || batch_macs < (int64_t{1} << 22))) {
    const int64_t group =
        std::max<int64_t>(1, macs_per_thread / batch_macs) * threads;
    for (int64_t first = 0; first < s.batches(); first += group) {
      const int64_t count = std::min(group, s.batches() - first);
      ParallelRanges(count, threads, [&](int64_t begin, int64_t end) {
        batches(first + begin, first + end);
      });
      done += static_cast<double>(count * s.m);
      if (progress) progress(done / total);
    }
    return;
  }
  const int64_t rows = std::max<int64_t>(1, macs_per_thread / nk) * threads;
  for (int64_t batch = 0; batch < s.batches(); ++batch) {
    for (int64_t begin = 0; begin < s.m; begin += rows) {
      const int64_t end = std::min(s.m, begin + rows);
      call(batch, begin, end, threads);
      done += static_cast<double>(end - begin);
      if (progress) progress(done / total);
    }
  }
}

// Each batch whole, in turn: InRowChunks's `batches` for calls that have
// nothing better.
template <typename Call>
auto EachBatch(const GemmShapes& s, const Call& call) {
  return [&s, &call](int64_t first, int64_t last) {
    for (int64_t batch = first; batch < last; ++batch)
      call(batch, int64_t{0}, s.m, 1);
  };
}

// Batched dot products (1 x K x 1 GEMMs), batches [first, last): each
// planned (a kernel's Applies may read the values), and runs of those whose
// kernel has lane-wise dot products (GemmKernel::dots) go to it in groups.
void RunDots(const PreparedGemm& g, const Numerics& numerics, int64_t first,
             int64_t last, double* d) {
  std::vector<GemmProblem> group;
  std::vector<double> out;
  const GemmKernel* kernel = nullptr;
  auto flush = [&] {
    if (group.empty()) return;
    out.resize(group.size());
    kernel->dots(group.data(), static_cast<int64_t>(group.size()), numerics,
                 out.data());
    for (size_t i = 0; i < group.size(); ++i)
      d[group[i].first_element] = out[i];
    group.clear();
  };
  for (int64_t batch = first; batch < last; ++batch) {
    const GemmProblem p = ProblemOf(g, batch, 0, 1);
    const GemmPlan plan = PlanGemm(numerics, p);
    if (!plan.kernel || !plan.kernel->dots) {
      RunGemmPlan(plan, p, numerics, d + p.first_element, 1);
      continue;
    }
    if (plan.kernel != kernel) flush();
    kernel = plan.kernel;
    group.push_back(p);
    if (group.size() == 256) flush();
  }
  flush();
}

}  // namespace

PreparedGemm PrepareGemm(const OperandTensor& a, const OperandTensor& b,
                         const OperandTensor* c, const Numerics& numerics) {
  PreparedGemm g;
  g.shapes = BroadcastGemmShapes(a, b, c);
  g.a = QuantizeOperand(a, OperandRole::kA, numerics.a, numerics.seed);
  g.b = QuantizeOperand(b, OperandRole::kB, numerics.b, numerics.seed);
  if (c) g.c = BroadcastAddend(*c, g.shapes);
  // Tensor scales are floats: their product is exact in double.
  g.output_scale = g.a.tensor_scale * g.b.tensor_scale;
  // The datapath applies output_scale to c + sum (c starts the
  // accumulator), where a scaled GEMM's epilogue adds C after scaling the
  // products: refused rather than computed wrong.
  if (c && g.output_scale != 1.0) {
    throw ConfigError(
        c->name +
        ": an addend C with tensor-scaled inputs (per_tensor or "
        "nvfp4 scaling, or MX int8 elements; here the scale is " +
        fmt::format("{}", g.output_scale) +
        ") is not supported: C would be scaled with the products. Expected "
        "no C, or inputs without a tensor scale");
  }
  return g;
}

PreparedGemm PrepareGemm(const TraceOperands& operands,
                         const Numerics& numerics) {
  return PrepareGemm(operands.a, operands.b,
                     operands.c ? &*operands.c : nullptr, numerics);
}

GemmProblem ProblemOf(const PreparedGemm& g, int64_t batch, int64_t row_begin,
                      int64_t row_end) {
  const GemmShapes& s = g.shapes;
  const int64_t ia = s.a_matrix[batch], ib = s.b_matrix[batch];
  const int64_t first = batch * s.m * s.n + row_begin * s.n;
  const int16_t* a_emin = g.a.emin_of_matrix(ia);
  GemmProblem p;
  p.m = row_end - row_begin;
  p.n = s.n;
  p.k = s.k;
  p.a = {g.a.matrix(ia) + row_begin * s.k, g.a.emin,
         a_emin ? a_emin + row_begin * s.k : nullptr};
  p.b = {g.b.matrix(ib), g.b.emin, g.b.emin_of_matrix(ib)};
  if (const double* scales = g.a.scales_of_matrix(ia)) {
    p.a.block_scales = scales + row_begin * g.a.scale_blocks();
    p.a.scale_block = g.a.scale_block;
  }
  p.b.block_scales = g.b.scales_of_matrix(ib);
  p.b.scale_block = g.b.block_scales.empty() ? 0 : g.b.scale_block;
  p.c = g.c.empty() ? nullptr : g.c.data() + first;
  p.output_scale = g.output_scale;
  p.first_element = static_cast<uint64_t>(first);
  return p;
}

bool UsesSlowPath(const PreparedGemm& g, const Numerics& numerics) {
  const GemmShapes& s = g.shapes;
  return s.elements() > 0 &&
         GemmKernelName(numerics, ProblemOf(g, 0, 0, s.m)) == "generic";
}

std::vector<double> EmulateGemm(const PreparedGemm& g, const Numerics& numerics,
                                int threads, const ProgressFn& progress) {
  const GemmShapes& s = g.shapes;
  std::vector<double> d(static_cast<size_t>(s.elements()));
  if (d.empty()) return d;
  // The generic kernel costs ~100x a fast one per product: smaller chunks.
  const bool fast = !UsesSlowPath(g, numerics);
  // One plan per batch, made for its whole problem and reused by its row
  // chunks (which the row path calls in order, on this thread; the
  // side-by-side path calls each batch whole).
  GemmPlan batch_plan;
  int64_t planned = -1;
  const auto call = [&](int64_t batch, int64_t begin, int64_t end,
                        int workers) {
    const GemmProblem p = ProblemOf(g, batch, begin, end);
    if (begin == 0 && end == s.m) {
      RunGemmPlan(PlanGemm(numerics, p), p, numerics,
                  d.data() + p.first_element, workers);
      return;
    }
    if (planned != batch) {
      batch_plan = PlanGemm(numerics, ProblemOf(g, batch, 0, s.m));
      planned = batch;
    }
    RunGemmPlan(batch_plan, p, numerics, d.data() + p.first_element, workers);
  };
  const auto each = EachBatch(s, call);
  InRowChunks(s, threads, fast ? int64_t{1} << 30 : int64_t{1} << 22, progress,
              call, [&](int64_t first, int64_t last) {
                if (s.m == 1 && s.n == 1)
                  RunDots(g, numerics, first, last, d.data());
                else
                  each(first, last);
              });
  return d;
}

std::vector<double> ExactResult(const PreparedGemm& g, int threads,
                                const ProgressFn& progress) {
  const GemmShapes& s = g.shapes;
  std::vector<double> exact(static_cast<size_t>(s.elements()));
  if (exact.empty()) return exact;
  // B's columns split once per batch, reused by its row chunks (called in
  // order on this thread, or each batch whole).
  std::shared_ptr<const reference::ExactColumns> columns;
  int64_t prepared = -1;
  const auto call = [&](int64_t batch, int64_t begin, int64_t end,
                        int workers) {
    const GemmProblem p = ProblemOf(g, batch, begin, end);
    if (begin == 0 && end == s.m) {
      reference::ExactGemm(p.m, p.n, p.k, p.a.values, p.b.values, p.c,
                           exact.data() + p.first_element, workers,
                           g.output_scale);
      return;
    }
    if (prepared != batch) {
      columns = reference::PrepareExactColumns(p.b.values, p.n, p.k);
      prepared = batch;
    }
    reference::ExactGemm(p.m, p.a.values, *columns, p.c,
                         exact.data() + p.first_element, workers,
                         g.output_scale);
  };
  InRowChunks(s, threads, int64_t{1} << 24, progress, call, EachBatch(s, call));
  return exact;
}

std::vector<double> UnquantizedResult(const PreparedGemm& g,
                                      const OperandTensor& a,
                                      const OperandTensor& b, int threads) {
  if (g.a.from_codes || g.b.from_codes) return {};
  PreparedGemm raw;
  raw.shapes = g.shapes;
  raw.a = UnquantizedOperand(a, OperandRole::kA);
  raw.b = UnquantizedOperand(b, OperandRole::kB);
  raw.c = g.c;  // C is never quantized
  return ExactResult(raw, threads);
}

std::vector<double> ObservedValues(const TraceOperands& operands) {
  if (!operands.observed) return {};
  const OperandTensor& o = *operands.observed;
  return FloatValues(o.tensor, o.name);
}

GemmError CompareGemm(const std::vector<double>& d,
                      const std::vector<double>& exact,
                      const std::vector<double>* observed,
                      const Numerics& numerics,
                      const std::vector<double>* unquantized) {
  const Format& out = numerics.output.format;
  GemmError e;
  if (observed) {
    if (observed->size() != d.size()) {
      throw Error(ExitCode::kInternal,
                  "CompareGemm: observed and D differ in size");
    }
    e.vs_observed = reference::CompareToExact(d, *observed, out);
  }
  if (exact.empty()) return e;
  if (exact.size() != d.size())
    throw Error(ExitCode::kInternal, "CompareGemm: exact and D differ in size");
  e.vs_exact = reference::CompareToExact(d, exact, out);
  if (unquantized && !unquantized->empty()) {
    if (unquantized->size() != d.size())
      throw Error(ExitCode::kInternal, "CompareGemm: unquantized size");
    e.vs_unquantized = reference::CompareToExact(d, *unquantized, out);
  }
  for (size_t i = 0; i < d.size(); ++i)
    e.overflow_count += !std::isfinite(d[i]) && std::isfinite(exact[i]);
  return e;
}

}  // namespace gemmsim::app
