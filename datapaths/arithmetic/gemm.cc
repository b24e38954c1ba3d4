#include "datapaths/arithmetic/gemm.h"

#include <algorithm>
#include <string>
#include <vector>

#include "datapaths/arithmetic/dot_product.h"
#include "datapaths/arithmetic/gemm_element.h"
#include "datapaths/arithmetic/gemm_kernels.h"
#include "datapaths/arithmetic/kernel_registry.h"
#include "datapaths/error.h"
#include "datapaths/parallel_ranges.h"

namespace gemmsim {
namespace {

void GenericGemm(const GemmProblem& p, const Numerics& numerics, double* d,
                 int threads) {
  // Factors once per operand: A by rows, B by columns (K contiguous).
  const bool unscaled = ScalesBlockSums(numerics);
  std::vector<Factor> a(static_cast<size_t>(p.m * p.k)),
      bt(static_cast<size_t>(p.n * p.k));
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t kk = 0; kk < p.k; ++kk)
      a[i * p.k + kk] = OperandFactor(p.a, i * p.k + kk, i, p.k, kk, unscaled);
  for (int64_t kk = 0; kk < p.k; ++kk)
    for (int64_t j = 0; j < p.n; ++j)
      bt[j * p.k + kk] = OperandFactor(p.b, kk * p.n + j, j, p.k, kk, unscaled);
  ParallelRanges(p.m, threads, [&](int64_t begin, int64_t end) {
    std::vector<double> scales;
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
        SetBlockScales(p, numerics, i, j, &scales, &ctx);
        d[i * p.n + j] =
            DotProduct(row, col, p.c ? p.c[i * p.n + j] : 0.0, numerics, ctx);
      }
    }
  });
}

}  // namespace

std::span<const GemmKernel> FastGemmKernels() {
  // What each executes beyond plain fp32 rne accumulation of block 1; its
  // Applies then checks the formats, parameters and values.
  static constexpr GemmKernel kKernels[] = {
      {"fp32-native",
       kBlocks | kAfterBlock | kBlockSum | kPromote | kDirectedRounding |
           kTensorScale | kElementEmins,
       Fp32NativeKernelApplies, Fp32NativeKernel},
      {"pairwise",
       kBlocks | kPairwise | kPromote | kTensorScale | kElementEmins,
       PairwiseKernelApplies, PairwiseKernel},
      {"stochastic-fp32",
       kStochasticAccumulate | kSaturate | kTensorScale | kElementEmins,
       StochasticAccKernelApplies, StochasticAccKernel},
      {"block-fma",
       kAccNarrowFloat | kBlocks | kTruncate | kSticky | kAfterBlock |
           kDirectedRounding | kSaturate | kTensorScale,
       BlockFmaKernelApplies, BlockFmaKernel, BlockFmaDots},
      {"narrow-acc",
       kAccNarrowFloat | kBlocks | kAfterBlock | kBlockSum | kPromote |
           kDirectedRounding | kSaturate | kFlushOutputs | kTensorScale |
           kElementEmins,
       NarrowAccKernelApplies, NarrowAccKernel, NarrowAccDots},
      {"int-acc",
       kAccInt | kPromote | kDirectedRounding | kSaturate | kFlushOutputs |
           kTensorScale | kIntInputs,
       IntAccKernelApplies, IntAccKernel},
  };
  return kKernels;
}

bool KernelClaims(const GemmKernel& kernel, const Numerics& numerics,
                  const GemmProblem& problem) {
  return (FeaturesOf(numerics, problem) & ~kernel.supports) == 0 &&
         kernel.applies(numerics, problem);
}

const GemmKernel* ChooseGemmKernel(const Numerics& numerics,
                                   const GemmProblem& problem) {
  return PlanGemm(numerics, problem).kernel;
}

void RunKernelUnchecked(const GemmKernel* kernel, const GemmProblem& p,
                        const Numerics& numerics, double* d, int threads) {
  if (p.m < 0 || p.n < 0 || p.k < 0)
    throw Error(ExitCode::kInternal, "Gemm: negative size");
  if (p.m == 0 || p.n == 0) return;
  if (!kernel) return GenericGemm(p, numerics, d, threads);
  ParallelRanges(p.m, threads, [&](int64_t begin, int64_t end) {
    kernel->run(p, numerics, begin, end, d);
  });
}

void RunGemmKernel(const GemmKernel* kernel, const GemmProblem& p,
                   const Numerics& numerics, double* d, int threads) {
  if (kernel && p.m > 0 && p.n > 0 && !KernelClaims(*kernel, numerics, p))
    throw Error(ExitCode::kInternal, std::string("RunGemmKernel: ") +
                                         kernel->name +
                                         " does not apply to these numerics");
  RunKernelUnchecked(kernel, p, numerics, d, threads);
}

std::string GemmKernelName(const Numerics& numerics,
                           const GemmProblem& problem) {
  return PlanGemm(numerics, problem).kernel_name();
}

void Gemm(const GemmProblem& p, const Numerics& numerics, double* d,
          int threads) {
  RunGemmPlan(PlanGemm(numerics, p), p, numerics, d, threads);
}

}  // namespace gemmsim
