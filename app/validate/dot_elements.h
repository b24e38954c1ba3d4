// Output elements of trace GEMMs as stand-alone dot products, for the model
// search: each element is one d = c + sum_k a_k b_k with its observed
// value, so a candidate accumulator can be tried on a few hundred elements
// of a large GEMM without emulating the whole GEMM.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "app/trace/evaluate.h"
#include "datapaths/arithmetic/numerics.h"
#include "datapaths/arithmetic/term.h"

namespace gemmsim::app {

struct DotElement {
  int gemm = 0;  // index among the searched GEMMs
  int64_t batch = 0, i = 0, j = 0;
  int64_t flat_index = 0;    // [batch, i, j] in D, row-major
  std::vector<Factor> a, b;  // K factors each (quantized values)
  double c = 0;
  double output_scale = 1.0;
  double observed = 0;
};

// A model other than a Numerics (a plain function of the element's
// operands, e.g. fp8_fp16_split_model.h): returns d.
using ElementModel = std::function<double(const DotElement&)>;

// The elements at `flat_indices` of one prepared GEMM, observed values
// from `observed` (same layout as EmulateGemm's result).
std::vector<DotElement> ExtractElements(const PreparedGemm& g,
                                        const std::vector<double>& observed,
                                        int gemm,
                                        std::span<const int64_t> flat_indices);

// `count` indices spread evenly over [0, total) (all of them when count >=
// total): deterministic, so a search never depends on a seed or on threads.
std::vector<int64_t> EvenlySpacedIndices(int64_t total, int64_t count);

// d of one element under `numerics`, as DotProduct computes it.
double ElementResult(const DotElement& e, const Numerics& numerics);

// How many elements the model gets wrong (SameOutputBits), stopping early
// once more than `give_up_after` are wrong (then the count returned is
// give_up_after + 1).
int64_t CountMismatches(std::span<const DotElement> elements,
                        const ElementModel& model, int64_t give_up_after);

}  // namespace gemmsim::app
