// Operands of `gemmsim gemm` (SPEC.md "Command line"): tensor files read,
// shapes broadcast as NumPy's matmul does, and A and B quantized into their
// input formats the way the numerics say, ready for Gemm (gemm.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datapaths/arithmetic/numerics.h"
#include "io/tensor.h"

namespace gemmsim::app {

// A tensor as named on the command line: FILE.npy, FILE.safetensors:TENSOR,
// or FILE.safetensors when it holds a single tensor.
struct OperandTensor {
  std::string name;  // as given, for messages
  io::Tensor tensor;
};

// "[2, 3, 4]", for messages.
std::string ShapeText(const std::vector<int64_t>& shape);

// Whether `from` broadcasts to `to` without changing `to` (NumPy rules).
bool BroadcastsTo(const std::vector<int64_t>& from,
                  const std::vector<int64_t>& to);

// Throws InputError (exit 3) for an unreadable file or a missing tensor.
OperandTensor ReadOperand(const std::string& spec);

// The GEMM a set of operand shapes describes. NumPy matmul rules: A is
// [..., M, K], B [..., K, N]; the leading (batch) dims broadcast; a 1-D A
// is a row [1, K] and a 1-D B a column [K, 1], whose unit dim is then
// dropped from D. C broadcasts to D's shape.
struct GemmShapes {
  std::vector<int64_t> batch;  // broadcast batch dims
  int64_t m = 0, n = 0, k = 0;
  std::vector<int64_t> output_shape;  // D as written
  std::vector<int64_t> a_matrix;      // per batch: the matrix of A it reads
  std::vector<int64_t> b_matrix;      // per batch: the matrix of B it reads
  int64_t batches() const { return static_cast<int64_t>(a_matrix.size()); }
  int64_t elements() const { return batches() * m * n; }
};

// Throws InputError (exit 3) naming both files and their shapes when they
// do not fit together (K differs, batch dims do not broadcast, C does not
// broadcast to D).
GemmShapes BroadcastGemmShapes(const OperandTensor& a, const OperandTensor& b,
                               const OperandTensor* c);

enum class OperandRole { kA, kB };

// A or B after quantization: per matrix of the operand's own batch,
// row-major ([M, K] for A, [K, N] for B, a 1-D operand being one matrix),
// values = element value * block scale, exactly. Tensor scales (per_tensor,
// nvfp4's s_g, MXINT8's 2^-6) are kept apart: they go into the GEMM's
// output scale.
struct QuantizedOperand {
  int64_t rows = 0, cols = 0;  // of one matrix
  std::vector<double> values;
  int emin = 0;  // the element format's smallest normal exponent (ints: 0)
  std::vector<int16_t> emin_per_element;  // mx, nvfp4: emin + log2(scale)
  // mx, nvfp4: each K-vector's block scales (GemmOperand::block_scales),
  // per matrix: [rows][blocks] for A, [cols][blocks] for B.
  std::vector<double> block_scales;
  int scale_block = 0;
  double tensor_scale = 1.0;
  bool from_codes = false;  // the file held codes, not values
  const double* matrix(int64_t i) const {
    return values.data() + i * rows * cols;
  }
  const int16_t* emin_of_matrix(int64_t i) const {
    return emin_per_element.empty() ? nullptr
                                    : emin_per_element.data() + i * rows * cols;
  }
  // Matrix i's block scales (null without), and how many per K-vector.
  int64_t scale_blocks() const {
    const int64_t k = role_is_a ? cols : rows;
    return scale_block ? (k + scale_block - 1) / scale_block : 0;
  }
  const double* scales_of_matrix(int64_t i) const {
    return block_scales.empty()
               ? nullptr
               : block_scales.data() +
                     i * (role_is_a ? rows : cols) * scale_blocks();
  }
  bool role_is_a = true;
};

// Float (and signed-integer) arrays are values, rounded into spec.format
// with spec.encode and spec.scaling; stochastic rounding draws element e's
// bits at its index in the K-contiguous layout ([..., M, K] for A,
// [..., N, K] for B: block scaling quantizes B by columns), under
// RandomKey{seed, kA or kB}. Unsigned-integer arrays are codes of
// spec.format (not with block scaling, whose scales come from values).
QuantizedOperand QuantizeOperand(const OperandTensor& t, OperandRole role,
                                 const InputSpec& spec, uint64_t seed);

// A or B as given, before any rounding or scaling (float64 values, the
// layout QuantizeOperand gives): the operands of the unquantized reference.
// Codes (unsigned-integer arrays) have no unquantized values: Error
// (internal); callers check QuantizedOperand::from_codes first.
QuantizedOperand UnquantizedOperand(const OperandTensor& t, OperandRole role);

// C's values broadcast to D: shapes.elements() values, [..., M, N].
std::vector<double> BroadcastAddend(const OperandTensor& c,
                                    const GemmShapes& shapes);

}  // namespace gemmsim::app
