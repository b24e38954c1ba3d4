#include "datapaths/arithmetic/gemm.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/error.h"

namespace gemmsim {
namespace {

int EminOf(const GemmOperand& op, int64_t index) {
  return op.emin_per_element ? op.emin_per_element[index] : op.emin;
}

// Runs body(row_begin, row_end) on `threads` threads over contiguous row
// ranges. Each output element is computed by exactly one call, so the
// split cannot change any result.
template <typename Body>
void ParallelRows(int64_t rows, int threads, const Body& body) {
  threads = static_cast<int>(
      std::clamp<int64_t>(threads, 1, std::max<int64_t>(rows, 1)));
  if (threads == 1) return body(0, rows);
  std::vector<std::thread> pool;
  const int64_t per = (rows + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    const int64_t begin = t * per, end = std::min(rows, begin + per);
    if (begin < end)
      pool.emplace_back([&body, begin, end] { body(begin, end); });
  }
  for (std::thread& th : pool) th.join();
}

void GenericGemm(const GemmProblem& p, const Numerics& numerics, double* d,
                 int threads) {
  // Factors once per operand: A by rows, B by columns (K contiguous).
  std::vector<Factor> a(static_cast<size_t>(p.m * p.k)),
      bt(static_cast<size_t>(p.n * p.k));
  for (int64_t i = 0; i < p.m * p.k; ++i)
    a[i] = MakeFactor(p.a.values[i], EminOf(p.a, i));
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j) {
      const int64_t index = kk * p.n + j;
      bt[j * p.k + kk] = MakeFactor(p.b.values[index], EminOf(p.b, index));
    }
  ParallelRows(p.m, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const std::span<const Factor> row(a.data() + i * p.k,
                                        static_cast<size_t>(p.k));
      for (int64_t j = 0; j < p.n; ++j) {
        const std::span<const Factor> col(bt.data() + j * p.k,
                                          static_cast<size_t>(p.k));
        DotContext ctx;
        ctx.element_index =
            p.first_element + static_cast<uint64_t>(i * p.n + j);
        ctx.output_scale = p.output_scale;
        d[i * p.n + j] =
            DotProduct(row, col, p.c ? p.c[i * p.n + j] : 0.0, numerics, ctx);
      }
    }
  });
}

// The fast kernels model one multi-term addition per block that takes the
// accumulator in; a design that adds it after the block runs DotProduct.
bool FastKernelsMayApply(const Numerics& numerics) {
  return numerics.accumulate.accumulator_entry == AccumulatorEntry::kInBlock;
}

}  // namespace

std::string GemmKernelName(const Numerics& numerics,
                           const GemmProblem& problem) {
  if (!FastKernelsMayApply(numerics)) return "generic";
  if (Fp32NativeKernelApplies(numerics, problem)) return "fp32-native";
  if (BlockFmaKernelApplies(numerics, problem)) return "block-fma";
  if (NarrowAccKernelApplies(numerics, problem)) return "narrow-acc";
  return "generic";
}

void Gemm(const GemmProblem& p, const Numerics& numerics, double* d,
          int threads) {
  if (p.m < 0 || p.n < 0 || p.k < 0)
    throw Error(ExitCode::kInternal, "Gemm: negative size");
  if (p.m == 0 || p.n == 0) return;
  if (!FastKernelsMayApply(numerics)) {
    GenericGemm(p, numerics, d, threads);
  } else if (Fp32NativeKernelApplies(numerics, p)) {
    ParallelRows(p.m, threads, [&](int64_t begin, int64_t end) {
      Fp32NativeKernel(p, numerics, begin, end, d);
    });
  } else if (BlockFmaKernelApplies(numerics, p)) {
    ParallelRows(p.m, threads, [&](int64_t begin, int64_t end) {
      BlockFmaKernel(p, numerics, begin, end, d);
    });
  } else if (NarrowAccKernelApplies(numerics, p)) {
    ParallelRows(p.m, threads, [&](int64_t begin, int64_t end) {
      NarrowAccKernel(p, numerics, begin, end, d);
    });
  } else {
    GenericGemm(p, numerics, d, threads);
  }
}

}  // namespace gemmsim
