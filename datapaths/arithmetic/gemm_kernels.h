// Fast GEMM kernels. Each applies only where it computes, for every input,
// exactly what DotProduct computes (tests/arithmetic/gemm_kernels_test.cc
// proves them equal on randomized and edge-case inputs); Gemm() falls back
// to DotProduct elsewhere.
#pragma once

#include <cstdint>

#include "datapaths/arithmetic/gemm.h"

namespace gemmsim {

// Sequential round-to-nearest-even accumulation into fp32 of products that
// fp32 holds exactly (FP8 x FP8, fp16 x fp16), optionally promoted every P
// products into an fp32 total: the hardware's own float additions.
bool Fp32NativeKernelApplies(const Numerics& numerics, const GemmProblem& p);
void Fp32NativeKernel(const GemmProblem& p, const Numerics& numerics,
                      int64_t row_begin, int64_t row_end, double* d);

// Pairwise order (a balanced adder tree per block, every node rounded)
// into fp32 with rne and exact alignment, products exact in fp32: float32
// additions in the tree's order.
bool PairwiseKernelApplies(const Numerics& numerics, const GemmProblem& p);
void PairwiseKernel(const GemmProblem& p, const Numerics& numerics,
                    int64_t row_begin, int64_t row_end, double* d);

// Block-1 accumulation into fp32 with stochastic rounding (exact
// alignment, products exact in fp32), the random bits drawn as DotProduct
// draws them.
bool StochasticAccKernelApplies(const Numerics& numerics, const GemmProblem& p);
void StochasticAccKernel(const GemmProblem& p, const Numerics& numerics,
                         int64_t row_begin, int64_t row_end, double* d);

// Block-1 accumulation into a float of <= 23 mantissa bits with any
// deterministic rounding (fp8-acc-fp16, fp8-acc-bf16...), sums formed
// exactly in double.
bool NarrowAccKernelApplies(const Numerics& numerics, const GemmProblem& p);
void NarrowAccKernel(const GemmProblem& p, const Numerics& numerics,
                     int64_t row_begin, int64_t row_end, double* d);
// Batched dot products (as BlockFmaDots), in float32 lanes where the
// numerics allow (block-1 accumulation), else one by one.
void NarrowAccDots(const GemmProblem* problems, int64_t count,
                   const Numerics& numerics, double* out);

// Truncating block-FMA accumulation (tensor-core models) in 64-bit integers.
bool BlockFmaKernelApplies(const Numerics& numerics, const GemmProblem& p);
void BlockFmaKernel(const GemmProblem& p, const Numerics& numerics,
                    int64_t row_begin, int64_t row_end, double* d);
// Batched dot products: problems[0, count), each 1 x K x 1 with the same K
// and input emins (the batches of one GEMM), into out[i], W at a time in
// the lanes of the vector tiles.
void BlockFmaDots(const GemmProblem* problems, int64_t count,
                  const Numerics& numerics, double* out);
// Which form of its vector tiles the block-FMA kernel takes for the whole
// of p (block_fma_simd.h): "exact", "wide", "scalar", or "none" where the
// kernel does not apply. For tests and benchmarks.
const char* BlockFmaVectorForm(const Numerics& numerics, const GemmProblem& p);

// Integer inputs (<= 16 bits) into a signed int<W> accumulator (W <= 48),
// block 1, wrapping or saturating at every step, in int64.
bool IntAccKernelApplies(const Numerics& numerics, const GemmProblem& p);
void IntAccKernel(const GemmProblem& p, const Numerics& numerics,
                  int64_t row_begin, int64_t row_end, double* d);

}  // namespace gemmsim
