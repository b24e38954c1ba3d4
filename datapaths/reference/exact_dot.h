// The exact result of a dot product: what the error reports measure against
// (SPEC.md "Command line": rel_fro_error = ||D - D_exact|| / ||D_exact||).
// Every product and the sum are formed exactly in integers (one common
// exponent) and the result is rounded once, to nearest even, to double.
// Doubles are the measuring stick: an emulated output of any format is a
// double, and a single rounding keeps the reference within half an ulp.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace gemmsim::reference {

// scale * (c + sum_k a[k] * b[k]), exact, rounded once to double with
// round-to-nearest-even (an exact sum beyond double's range gives Inf).
// `scale` carries tensor scales as the arithmetic layer applies them (to
// the whole accumulated value); it must be finite. IEEE rules for specials:
// NaN if any input is NaN, a product is 0 * Inf, or Infs of both signs
// meet; otherwise any Inf gives that Inf. An exact zero is -0 only when
// every term (c and each product) is -0, as IEEE addition gives.
// a and b must have the same length (else Error, internal).
double ExactDot(std::span<const double> a, std::span<const double> b, double c,
                double scale = 1.0);

// ExactDot over strided factors: a[i * a_stride], b[i * b_stride], i < k.
double ExactDotStrided(int64_t k, const double* a, int64_t a_stride,
                       const double* b, int64_t b_stride, double c,
                       double scale = 1.0);

// D = scale * (C + A B), every element by ExactDot. Row-major: a is m x k,
// b is k x n, c is m x n (null: zero), d is m x n. Rows are split over
// `threads` threads (< 1: one); the result does not depend on the split.
void ExactGemm(int64_t m, int64_t n, int64_t k, const double* a,
               const double* b, const double* c, double* d, int threads,
               double scale = 1.0);

// B (k x n, row-major) split into its columns once, for ExactGemm calls on
// many row ranges of one GEMM (its row chunks); it views b, which must
// outlive it.
struct ExactColumns;
std::shared_ptr<const ExactColumns> PrepareExactColumns(const double* b,
                                                        int64_t n, int64_t k);

// ExactGemm of m rows of A (m x k) against prepared columns.
void ExactGemm(int64_t m, const double* a, const ExactColumns& columns,
               const double* c, double* d, int threads, double scale = 1.0);

}  // namespace gemmsim::reference
